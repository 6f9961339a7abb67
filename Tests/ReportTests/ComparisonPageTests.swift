import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Report
import RunHistory
import RunRecords

/// `labbook diff --html`'s page, from stored runs made by hand: escaped, well-formed, self-contained.
final class ComparisonPageTests: XCTestCase {
    private func run(_ id: Int64, title: String, parameter: String, points: Int) -> StoredRun {
        let curve = (1...points).map { step in
            TrainingPoint(step: step, loss: 2 / Double(step), trainAccuracy: 1 - 1 / Double(step + 1),
                          validationAccuracy: step % 10 == 0 ? 0.5 : nil)
        }
        return StoredRun(
            id: id, notebookPath: "/w/<nb>.md", notebookName: "<nb>", title: title, codeSHA256: String(repeating: "c", count: 64),
            seed: 1, started: "2026-12-02T09:00:00Z", seconds: 1, status: "ok", error: nil, labbookVersion: "0.7.0",
            blasCore: "Haswell", blasThreads: 1, runFolder: "/w/runs/<x>&'\"", parameters: [parameter: .string("</td>")],
            metrics: [StoredMetric(name: "test_accuracy", value: 0.5, kind: "evaluate", blockPosition: 1, headline: true)],
            blocks: [StoredBlock(position: 0, line: 3, directive: "train", status: "ok", seconds: 1, cacheKey: "k",
                                 network: "<net>")],
            curves: [StoredCurve(blockPosition: 0, points: curve)])
    }

    func testThePageIsEscapedWellFormedAndSelfContained() throws {
        let comparison = RunComparison(run(1, title: "A <b>bold</b> & \"quoted\" title", parameter: "<pa>", points: 120),
                                       run(2, title: "B", parameter: "<qa>", points: 60))
        let page = ComparisonPage.render(comparison, relativeTo: URL(fileURLWithPath: "/w"), timeZone: TimeZone(identifier: "UTC")!)
        let parser = XMLParser(data: Data(page.dropFirst("<!DOCTYPE html>".count).utf8))
        XCTAssert(parser.parse(), "not well-formed: \(String(describing: parser.parserError)) at line \(parser.lineNumber)")
        XCTAssertFalse(page.contains("<b>bold</b>") || page.contains("<pa>") || page.contains("<net>") || page.contains("</td>\""),
                       "user text is escaped")
        XCTAssert(page.contains("A &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; title → B"))
        XCTAssert(page.contains("<td>&lt;pa&gt;</td><td>&lt;/td&gt;</td><td>(not set)</td>"), "a parameter only A has")
        XCTAssert(page.contains("runs/&lt;x&gt;&amp;&apos;&quot;"), "folders relative to the current one")
        // Long curves are smoothed: each series faint and solid; validation points as their own series.
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 2)
        XCTAssert(page.contains(">A: run 1 validation</text>") && page.contains(">B: run 2 validation</text>"))
        XCTAssert(page.contains("class=\"line-raw series-0\""))
        for forbidden in ["<script", "<link", "src=", "href=", "url(", "@import"] {
            XCTAssertFalse(page.contains(forbidden), forbidden)
        }
    }

    func testRunsWithoutCurvesSaySo() {
        var a = run(1, title: "A", parameter: "x", points: 5), b = run(2, title: "A", parameter: "x", points: 5)
        a.curves = []
        b.curves = []
        let page = ComparisonPage.render(RunComparison(a, b), relativeTo: URL(fileURLWithPath: "/"))
        XCTAssert(page.contains("Neither run logged a training curve."))
        XCTAssert(page.contains("No parameter changed."))
        XCTAssertFalse(page.contains("<svg"))
    }
}
