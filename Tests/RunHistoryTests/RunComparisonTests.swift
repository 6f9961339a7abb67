import Foundation
import RunRecords
import XCTest
@testable import RunHistory

final class RunComparisonTests: XCTestCase {
    private func stored(_ records: RunRecord...) throws -> [StoredRun] {
        let folder = try HistoryFixtures.folder(self)
        let store = try HistoryStore.openForRecording(at: folder.appendingPathComponent("h.sqlite"))
        return try records.map { record in
            try XCTUnwrap(try store.run(id: store.record(record, runFolder: URL(fileURLWithPath: "/work/runs/spiral"))))
        }
    }

    func testParametersMetricsBlocksAndCode() throws {
        let runs = try stored(
            HistoryFixtures.record(params: ["steps": .int(100), "learning_rate": .float(0.1), "old": .bool(true)],
                                   accuracy: 0.8, keys: ["k1", "k2", "k3", "k4"]),
            HistoryFixtures.record(params: ["steps": .int(300), "learning_rate": .float(0.1), "new": .string("x")],
                                   accuracy: 0.95, keys: ["k1", "k2", "t3", "t4"], codeSHA256: String(repeating: "b", count: 64)))
        let comparison = RunComparison(runs[0], runs[1])
        XCTAssertEqual(comparison.parameters, [
            .init(name: "new", old: nil, new: .string("x")),
            .init(name: "old", old: .bool(true), new: nil),
            .init(name: "steps", old: .int(100), new: .int(300)),
        ])
        let accuracy = try XCTUnwrap(comparison.metrics.first { $0.name == "test_accuracy" })
        XCTAssertEqual(accuracy.old, 0.8)
        XCTAssertEqual(accuracy.new, 0.95)
        XCTAssertEqual(try XCTUnwrap(accuracy.delta), 0.15, accuracy: 1e-12)
        XCTAssertEqual(comparison.blocks.map(\.state), [.same, .same, .differs, .differs])
        XCTAssertEqual(comparison.firstDifferingBlock?.position, 2)
        XCTAssertEqual(comparison.codeChanged, true)

        let text = comparison.text(relativeTo: URL(fileURLWithPath: "/work"), timeZone: TimeZone(identifier: "UTC")!)
        XCTAssert(text.hasPrefix("A: run 1 (spiral, 2026-12-02 09:20:11, ok, runs/spiral)\nB: run 2 ("), text)
        XCTAssert(text.contains("  steps  100 → 300\n"), text)
        XCTAssert(text.contains("  old    true → (not set)\n"), text)
        XCTAssert(text.contains("  test_accuracy              0.8000 → 0.9500  (+0.1500)\n"), text)
        XCTAssert(text.contains("  line 17 {train}     differs\n"), text)
        XCTAssert(text.contains("  line 10 {network}   same\n"), text)
        XCTAssert(text.contains("The runs part ways at line 17 {train}"), text)
        XCTAssert(text.contains("Code: the notebook changed (SHA-256 aaaaaaaaaaaa → bbbbbbbbbbbb)"), text)
        XCTAssertFalse(text.contains("learning_rate"), "unchanged parameters are left out: \(text)")
    }

    func testIdenticalRunsAndMissingKeys() throws {
        let runs = try stored(HistoryFixtures.record(), HistoryFixtures.record(status: .failed, error: "boom"))
        let same = RunComparison(runs[0], runs[0])
        XCTAssertEqual(same.parameters, [])
        XCTAssert(same.blocks.allSatisfy { $0.state == .same })
        XCTAssertEqual(same.codeChanged, false)
        XCTAssert(same.text(relativeTo: URL(fileURLWithPath: "/")).contains("Every block has the same key"))

        let failed = RunComparison(runs[0], runs[1])
        XCTAssertEqual(failed.blocks.map(\.state), [.same, .same, .same, .unknown])
        XCTAssertEqual(failed.settings.map(\.what), ["status"])
        let accuracy = try XCTUnwrap(failed.metrics.first { $0.name == "test_accuracy" })
        XCTAssertNil(accuracy.new)
        XCTAssertNil(accuracy.delta)
        XCTAssert(failed.text(relativeTo: URL(fileURLWithPath: "/")).contains("status: ok → failed"))
    }

    /// quickstart.md's shape: the last network's figures are the headline ones, and are not listed twice.
    func testFiguresThatRepeatAHeadlineAreListedOnce() throws {
        func twoNetworks(_ accuracy: Double) -> RunRecord {
            var record = HistoryFixtures.record(accuracy: accuracy)
            record.blocks += record.blocks.dropFirst().map { block in
                var block = block
                if case .network(var metrics) = block.metrics {
                    metrics.name = "wide"
                    block.metrics = .network(metrics)
                }
                return block
            }
            return record
        }
        let runs = try stored(twoNetworks(0.5), twoNetworks(0.6))
        let names = RunComparison(runs[0], runs[1]).metrics.map(\.name)
        XCTAssert(names.contains("test_accuracy"), "\(names)")
        XCTAssert(names.contains("network-1/test_accuracy"), "\(names)")
        XCTAssertFalse(names.contains("wide/test_accuracy"), "the same figure as test_accuracy: \(names)")
        XCTAssert(runs[0].repeatedFigures.contains("wide/best_train_loss"))
    }

    func testBlocksOnlyOneRunHas() throws {
        var longer = HistoryFixtures.record()
        longer.blocks.append(BlockRecord(directive: .plot, line: 30, status: .ok, cacheKey: "k5"))
        let runs = try stored(HistoryFixtures.record(), longer)
        let comparison = RunComparison(runs[0], runs[1])
        XCTAssertEqual(comparison.blocks.map(\.state), [.same, .same, .same, .same, .onlyInB])
        XCTAssertEqual(comparison.firstDifferingBlock?.new?.line, 30)
    }
}
