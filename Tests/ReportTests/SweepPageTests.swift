import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
import Report
import RunRecords

/// The sweep's comparison page from a record made by hand: every trial, escaped, well-formed,
/// self-contained, the best marked, seeds summarized.
final class SweepPageTests: XCTestCase {
    func sweep() -> SweepRecord {
        var trials: [SweepRecord.Trial] = []
        for (index, (rate, width)) in [("0.001", "<64>"), ("0.01", "<64>"), ("0.1", "<64>"), ("0.1", "128")].enumerated() {
            for seed: UInt64 in [1, 2] {
                var trial = SweepRecord.Trial(id: "t\(index)-s\(seed)", parameters: ["rate": rate, "width": width, "fixed": "5"],
                                              seed: seed, status: "ok", folder: "t\(index)-s\(seed)",
                                              metrics: ["test_accuracy": 0.4 + 0.1 * Double(index) + 0.01 * Double(seed),
                                                        "final_loss": 1.5 - 0.1 * Double(index)])
                trial.seconds = 2
                trials.append(trial)
            }
        }
        trials[7].status = "failed"
        trials[7].error = "the loss became <NaN>"
        trials[7].metrics = [:]
        var record = SweepRecord(notebook: "a&b.md", axes: [
            SweepRecord.Axis(name: "rate", kind: "log-uniform", low: 0.001, high: 0.1),
            SweepRecord.Axis(name: "width", kind: "list", values: ["<64>", "128"]),
            SweepRecord.Axis(name: "fixed", kind: "list", values: ["5"]),
        ], seeds: 2, metric: nil, goal: "max", trials: trials)
        record.rank()
        return record
    }

    func testThePageListsEveryTrialWellFormedAndSelfContained() throws {
        let record = sweep()
        XCTAssertEqual(record.best, "t3-s1", "the failed t3-s2 is not ranked")
        let curves = Dictionary(uniqueKeysWithValues: record.trials.map { trial in
            (trial.id, (1...20).map { TrainingPoint(step: $0, loss: 2 / Double($0), trainAccuracy: 0.5, validationAccuracy: nil) })
        })
        let page = SweepPage.render(record, curves: curves)
        let parser = XMLParser(data: Data(page.dropFirst("<!DOCTYPE html>".count).utf8))
        XCTAssert(parser.parse(), "not well-formed: \(String(describing: parser.parserError)) at line \(parser.lineNumber)")
        for trial in record.trials {
            XCTAssert(page.contains(">\(trial.id)</a>"), trial.id)
        }
        XCTAssert(page.contains("<a href=\"t3-s2/report.failed.html\">"), "a failed trial links its partial report")
        XCTAssert(page.contains("<tr class=\"best status-ok\"><td><a href=\"t3-s1/report.html\">t3-s1</a> <span class=\"badge\">best</span>"))
        XCTAssertFalse(page.contains("<64>") || page.contains("<NaN>") || page.contains("a&b"), "user text is escaped")
        XCTAssert(page.contains("&lt;64&gt;") && page.contains("a&amp;b.md"))
        // The parameter every trial shares can be hidden; the others vary.
        XCTAssert(page.contains("<th class=\"same\">fixed</th>") && page.contains("<th class=\"varies\">rate</th>"))
        // Mean and spread over the two seeds of each setting: (0.41 + 0.42) / 2.
        XCTAssert(page.contains("<h2>Over seeds</h2>"))
        XCTAssert(page.contains("<td>0.001</td><td>&lt;64&gt;</td><td>5</td><td>2</td><td class=\"number\">41.5%</td>"), page)
        // Loss and accuracy curves, one scatter per varying parameter (log axis for rate), parallel coordinates.
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 5)
        XCTAssert(page.contains("rate (log scale)"))
        XCTAssert(page.contains("class=\"chart parallel-coordinates\""))
        for forbidden in ["<link", "src=", "url(", "@import", "http://", "https://"] where forbidden != "http://" {
            XCTAssertFalse(page.contains(forbidden), forbidden)
        }
        XCTAssertFalse(page.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http"),
                       "nothing is loaded from elsewhere")
    }

    func testRowsAreRankedBestFirstAndValidationCurvesAreDrawn() throws {
        let record = sweep()
        let page = SweepPage.render(record, curves: ["t0-s1": (1...4).map {
            TrainingPoint(step: $0, loss: 1, trainAccuracy: 0.5, validationAccuracy: $0 % 2 == 0 ? 0.6 : nil)
        }])
        let rows = page.components(separatedBy: "<tr class=").dropFirst().map { row in
            String(row[row.range(of: ".html\">")!.upperBound...].prefix { $0 != "<" })
        }
        // By test accuracy, highest first (0.4 + 0.1 × setting + 0.01 × seed), the failed trial last.
        XCTAssertEqual(rows.prefix(8).map { $0 }, ["t3-s1", "t2-s2", "t2-s1", "t1-s2", "t1-s1", "t0-s2", "t0-s1", "t3-s2"])
        XCTAssert(page.contains("Validation accuracy"), "a chart of the validation evaluations")
        var minimizing = record
        minimizing.goal = "min"
        let reversed = SweepPage.render(minimizing, curves: [:]).components(separatedBy: "<tr class=").dropFirst()
        XCTAssert(reversed.first?.contains(">t0-s1</a>") == true, "with goal min the lowest comes first")
    }
}
