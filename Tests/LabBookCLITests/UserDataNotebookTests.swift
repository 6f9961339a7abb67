import Foundation
import XCTest

/// Notebooks on the user's own files through the built binary: a CSV table with text labels and a
/// categorical column, read, validated against the blocks after it, trained on, cached and verified;
/// and the mistakes a user makes with such a block, each reported where it is.
final class UserDataNotebookTests: XCTestCase {
    /// Three kinds of fruit by weight, length and origin: separable by weight and length, with an origin
    /// column that says nothing, written the way spreadsheets write CSV (quoted header, CRLF).
    static func fruitTable(rows: Int, seed: Int) -> String {
        var lines = ["\"weight, g\",length_cm,origin,kind"]
        var state = UInt64(seed) &* 6364136223846793005 &+ 1442695040888963407
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let kinds = [("plum", 60.0, 5.0), ("apple", 180.0, 8.0), ("melon", 900.0, 20.0)]
        for row in 0..<rows {
            let (kind, weight, length) = kinds[row % 3]
            let origin = ["north", "south", "east"][Int(next() * 3)]
            lines.append(String(format: "%.1f,%.2f,%@,%@", weight * (0.8 + 0.4 * next()), length * (0.85 + 0.3 * next()),
                                origin, kind))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The {data} block that reads the fruit table, its origin one-hot encoded, a fifth held out for testing.
    static let fruitData = """
        dataset: csv
        path: fruit.csv
        label: kind
        categorical: [origin]
        test_fraction: 0.2
        normalize: standardize
        """

    static func notebook(data: String, steps: Int = 300) -> String {
        """
        ---
        seed: 4
        ---

        ```{data}
        \(data)
        ```

        ```{network}
        layers:
          - dense: 16
            activation: relu
          - dense: 3
        ```

        ```{train}
        steps: \(steps)
        batch_size: 30
        optimizer: adam
        learning_rate: 0.05
        ```

        ```{evaluate}
        split: test
        ```

        """
    }

    func testACSVTableTrainsCachesAndVerifies() throws {
        let folder = try makeTemporaryFolder(self)
        try Self.fruitTable(rows: 300, seed: 1).write(to: folder.appendingPathComponent("fruit.csv"), atomically: true, encoding: .utf8)
        let text = Self.notebook(data: Self.fruitData)
        try text.write(to: folder.appendingPathComponent("fruit.md"), atomically: true, encoding: .utf8)
        let result = try LabBookBinary.run(["run", "fruit.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("out/run.json"))) as? [String: Any]
        let blocks = try XCTUnwrap(record?["blocks"] as? [[String: Any]])
        let data = try XCTUnwrap(blocks[0]["metrics"] as? [String: Any])
        let dataMetrics = (data["data"] as? [String: Any]) ?? data
        XCTAssertEqual(dataMetrics["class_names"] as? [String], ["apple", "melon", "plum"], "text labels, sorted")
        XCTAssertEqual(dataMetrics["features"] as? Int, 5, "weight, length and origin one-hot as three")
        XCTAssertEqual(dataMetrics["train_examples"] as? Int, 240)
        XCTAssertEqual(dataMetrics["test_examples"] as? Int, 60)
        let evaluation = try XCTUnwrap(blocks[3]["metrics"] as? [String: Any])
        let accuracy = try XCTUnwrap(((evaluation["evaluate"] as? [String: Any]) ?? evaluation)["accuracy"] as? Double)
        XCTAssertGreaterThan(accuracy, 0.95, "weight alone separates the kinds")
        let files = try XCTUnwrap(record?["data_files"] as? [[String: Any]] ?? record?["files"] as? [[String: Any]])
        XCTAssert(files.contains { ($0["path"] as? String)?.hasSuffix("fruit.csv") == true }, "the table is hashed: \(files)")

        let verified = try LabBookBinary.run(["verify", "out"], in: folder)
        XCTAssertEqual(verified.status, 0, verified.standardOutput + verified.standardError)
        // Prose edits replay from the cache; an edited table reruns the data block and what follows.
        try (text + "\nMore prose.\n").write(to: folder.appendingPathComponent("fruit.md"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try LabBookBinary.run(["run", "fruit.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try statuses(folder.appendingPathComponent("out")), ["cached", "cached", "cached", "cached"])
        try Self.fruitTable(rows: 300, seed: 2).write(to: folder.appendingPathComponent("fruit.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try LabBookBinary.run(["run", "fruit.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try statuses(folder.appendingPathComponent("out")), ["ok", "ok", "ok", "ok"])
    }

    /// The notebooks in notebooks/ that read shipped files: a CSV table and a folder of PNGs.
    func testTheShippedCSVAndImageFolderNotebooksLearn() throws {
        let folder = try makeTemporaryFolder(self)
        for (notebook, minimum) in [("wine-csv.md", 0.9), ("digits-image-folder.md", 0.85)] {
            let path = NotebookCommandTests.root.appendingPathComponent("notebooks/\(notebook)").path
            let out = folder.appendingPathComponent(notebook)
            let result = try LabBookBinary.run(["run", path, "-o", out.path, "--quiet"])
            XCTAssertEqual(result.status, 0, result.standardError)
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as? [String: Any]
            let accuracies = (record?["blocks"] as? [[String: Any]] ?? []).compactMap { block -> Double? in
                block["directive"] as? String == "evaluate" ? (block["metrics"] as? [String: Any])?["accuracy"] as? Double : nil
            }
            XCTAssertFalse(accuracies.isEmpty, notebook)
            for accuracy in accuracies { XCTAssertGreaterThanOrEqual(accuracy, minimum, notebook) }
        }
    }

    func statuses(_ run: URL) throws -> [String] {
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("run.json"))) as? [String: Any]
        return (record?["blocks"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
    }

    /// Every mistake is reported with the others, at its place, before anything runs.
    func testMistakesInAUserDataBlockAreReportedWhereTheyAre() throws {
        let folder = try makeTemporaryFolder(self)
        try Self.fruitTable(rows: 30, seed: 1).write(to: folder.appendingPathComponent("fruit.csv"), atomically: true, encoding: .utf8)
        func check(_ data: String) throws -> String {
            try Self.notebook(data: data).write(to: folder.appendingPathComponent("nb.md"), atomically: true, encoding: .utf8)
            let result = try LabBookBinary.run(["check", "nb.md"], in: folder)
            XCTAssertEqual(result.status, 1, result.standardError)
            return result.standardError
        }
        // The {data} block's body starts on line 6.
        XCTAssert(try check("dataset: csv\npath: fruit.csv\nlabel: knd\ntest_fraction: 0.2").hasPrefix(
            "nb.md:7:7: error: cannot read the csv data: "), "the file's problem points at 'path'")
        XCTAssert(try check("dataset: csv\npath: fruit.csv\nlabel: knd\ntest_fraction: 0.2").contains("kind"),
                  "an unknown column lists the header's names or suggests the near one")
        XCTAssert(try check("dataset: csv\npath: missing.csv\nlabel: kind\ntest_fraction: 0.2").contains("missing.csv"))
        XCTAssert(try check("dataset: csv\npath: fruit.csv\ntest_fraction: 0.2").contains("dataset: csv needs 'label'"))
        XCTAssert(try check("dataset: csv\npath: fruit.csv\nlabel: kind\ncategorical: origin").contains("test_fraction"),
                  "a table without test examples says how to get some")
        XCTAssert(try check("dataset: csv\npath: fruit.csv\nlabel: kind\ncategorical: origin\ntest_fraction: 0.001")
            .contains("a test fraction of 0.001 of 30 examples leaves no test or no training examples"))
        let both = try check("dataset: csv\npath: fruit.csv\nlabel: kind\ntest: fruit.csv\ntest_fraction: 0.2")
        XCTAssert(both.contains("nb.md:10:16: error: give either 'test'"), both)
        let misplaced = try check("dataset: spiral\nsize: 32")
        XCTAssert(misplaced.contains("nb.md:7:7: error: 'size' applies only to dataset: image-folder, not to dataset: spiral"), misplaced)
        let noPath = try check("dataset: npz")
        XCTAssert(noPath.contains("dataset: npz needs 'path'"), noPath)
        // The network must fit the table: 3 classes, not 4.
        try Self.notebook(data: "dataset: csv\npath: fruit.csv\nlabel: kind\ncategorical: origin\ntest_fraction: 0.2")
            .replacingOccurrences(of: "  - dense: 3\n", with: "  - dense: 4\n")
            .write(to: folder.appendingPathComponent("nb.md"), atomically: true, encoding: .utf8)
        let mismatch = try LabBookBinary.run(["check", "nb.md"], in: folder)
        XCTAssertEqual(mismatch.status, 1)
        XCTAssert(mismatch.standardError.contains("3 classes"), mismatch.standardError)
    }
}
