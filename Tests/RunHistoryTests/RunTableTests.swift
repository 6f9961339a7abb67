import Foundation
import RunRecords
import XCTest
@testable import RunHistory

final class RunTableTests: XCTestCase {
    /// Three runs of two notebooks, recorded and read back.
    private func recordedRuns() throws -> (runs: [StoredRun], folder: URL) {
        let folder = try HistoryFixtures.folder(self)
        let store = try HistoryStore.openForRecording(at: folder.appendingPathComponent("h.sqlite"))
        try store.record(HistoryFixtures.record(params: ["steps": .int(100), "learning_rate": .float(0.1)], accuracy: 0.8),
                         runFolder: folder.appendingPathComponent("runs/spiral"))
        try store.record(HistoryFixtures.record(params: ["steps": .int(300), "learning_rate": .float(0.1)], accuracy: 0.95),
                         runFolder: folder.appendingPathComponent("runs/spiral"))
        try store.record(HistoryFixtures.record(notebook: "/work/notebooks/mnist.md",
                                                params: ["steps": .int(200), "learning_rate": .float(0.1)], accuracy: 0.9),
                         runFolder: folder.appendingPathComponent("elsewhere"))
        return (try store.runs(), folder)
    }

    func testTheTableHasParametersAndHeadlineMetricsAsColumns() throws {
        let (runs, folder) = try recordedRuns()
        let table = try RunTable(runs: runs)
        XCTAssertEqual(table.parameterColumns, ["learning_rate", "steps"])
        XCTAssertEqual(table.metricColumns, [
            "test_accuracy", "test_loss", "final_train_accuracy", "best_train_accuracy", "final_train_loss",
            "best_train_loss", "final_validation_accuracy", "best_validation_accuracy",
        ])
        let lines = table.text(relativeTo: folder, timeZone: TimeZone(identifier: "UTC")!).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssert(lines[0].hasPrefix("id  notebook  started              status  learning_rate  steps  test_accuracy"),
                  String(lines[0]))
        XCTAssert(lines[0].hasSuffix("folder"), String(lines[0]))
        XCTAssert(lines[1].hasPrefix("1   spiral    2026-12-02 09:20:11  ok      0.1            100    0.8000"),
                  String(lines[1]))
        XCTAssert(lines[1].hasSuffix("  runs/spiral"), "folders inside the current one are relative: \(lines[1])")
        XCTAssert(lines[3].hasPrefix("3   mnist "), String(lines[3]))
        XCTAssert(lines[3].hasSuffix("  elsewhere"), String(lines[3]))
    }

    func testOnlyChangedKeepsTheParametersThatDiffer() throws {
        let (runs, _) = try recordedRuns()
        XCTAssertEqual(try RunTable(runs: runs, onlyChanged: true).parameterColumns, ["steps"])
        XCTAssertEqual(try RunTable(runs: runs, onlyChanged: false).parameterColumns, ["learning_rate", "steps"])
        // A parameter one run does not have differs too.
        var extra = runs
        extra[0].parameters["dropout"] = .float(0.5)
        XCTAssertEqual(try RunTable(runs: extra, onlyChanged: true).parameterColumns, ["dropout", "steps"])
        let text = try RunTable(runs: Array(runs.prefix(1)), onlyChanged: true).text(relativeTo: URL(fileURLWithPath: "/"))
        XCTAssertFalse(text.contains("steps"), "one run has nothing that differs: \(text)")
    }

    func testSortingByAMetricPutsTheHighestFirst() throws {
        let (runs, _) = try recordedRuns()
        XCTAssertEqual(try RunTable(runs: runs, sortBy: "test_accuracy").runs.map(\.id), [2, 3, 1])
        XCTAssertEqual(try RunTable(runs: runs).runs.map(\.id), [1, 2, 3], "unsorted: oldest first")
        // A run without the metric, or with NaN, goes last.
        var partial = runs
        partial[1].metrics.removeAll { $0.name == "test_accuracy" }
        partial[2].metrics = partial[2].metrics.map { metric in
            var metric = metric
            if metric.name == "test_accuracy" { metric.value = .nan }
            return metric
        }
        XCTAssertEqual(try RunTable(runs: partial, sortBy: "test_accuracy").runs.map(\.id), [1, 2, 3])
    }

    func testLossesSortLowestFirstAndTheOrderCanBeGiven() throws {
        var (runs, _) = try recordedRuns()
        for (index, loss) in [0.5, 0.2, 0.9].enumerated() {
            runs[index].metrics = runs[index].metrics.map { metric in
                var metric = metric
                if metric.name == "test_loss" { metric.value = loss }
                return metric
            }
        }
        XCTAssertEqual(try RunTable(runs: runs, sortBy: "test_loss").runs.map(\.id), [2, 1, 3], "the lowest loss is best")
        XCTAssertEqual(try RunTable(runs: runs, sortBy: "test_loss", ascending: false).runs.map(\.id), [3, 1, 2])
        XCTAssertEqual(try RunTable(runs: runs, sortBy: "test_accuracy", ascending: true).runs.map(\.id), [1, 3, 2])
    }

    func testAnUnknownSortMetricListsTheValidNames() throws {
        let (runs, _) = try recordedRuns()
        XCTAssertThrowsError(try RunTable(runs: runs, sortBy: "accuracy")) { error in
            let unknown = error as? UnknownMetric
            XCTAssertEqual(unknown?.name, "accuracy")
            XCTAssertEqual(unknown?.valid.first, "test_accuracy")
            XCTAssert(unknown?.description.contains("choose one of test_accuracy, test_loss, ") == true,
                      unknown?.description ?? "")
        }
    }

    func testNotebooksAreFilteredByPathFileNameOrName() throws {
        let (runs, _) = try recordedRuns()
        let work = URL(fileURLWithPath: "/work")
        for argument in ["spiral", "spiral.md", "notebooks/spiral.md", "/work/notebooks/spiral.md", "./notebooks/../notebooks/spiral.md"] {
            XCTAssertEqual(runs.filter(NotebookFilter(argument, relativeTo: work).matches).map(\.id), [1, 2], argument)
        }
        XCTAssertEqual(runs.filter(NotebookFilter("mnist", relativeTo: work).matches).map(\.id), [3])
        XCTAssertEqual(runs.filter(NotebookFilter("spir", relativeTo: work).matches).map(\.id), [])
        XCTAssertEqual(runs.filter(NotebookFilter("notebooks/spiral.md", relativeTo: URL(fileURLWithPath: "/tmp")).matches)
            .map(\.id), [], "a relative path is taken from the current folder")
    }

    func testJSONHasTheSameRows() throws {
        let (runs, _) = try recordedRuns()
        let data = try RunTable(runs: runs, sortBy: "test_accuracy", onlyChanged: true).json()
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["id"] as? Int }, [2, 3, 1])
        XCTAssertEqual(rows[0]["notebook"] as? String, "spiral")
        XCTAssertEqual(rows[0]["status"] as? String, "ok")
        XCTAssertEqual(rows[0]["params"] as? [String: Int], ["steps": 300], "only the changed parameters")
        let metrics = try XCTUnwrap(rows[0]["metrics"] as? [String: Any])
        XCTAssertEqual(metrics["test_accuracy"] as? Double, 0.95)
        XCTAssertEqual(rows[0]["notebook_path"] as? String, "/work/notebooks/spiral.md")
        XCTAssert((rows[0]["run_folder"] as? String)?.hasSuffix("/runs/spiral") == true)
        XCTAssert(rows[0]["error"] is NSNull)
    }
}
