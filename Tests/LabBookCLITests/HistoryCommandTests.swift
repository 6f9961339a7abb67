import CSQLite
import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The run history as a user meets it: `labbook run` records each run, `labbook runs` lists them,
/// `labbook diff` compares two; several processes may write one history at once.
final class HistoryCommandTests: XCTestCase {
    /// A spiral that trains in a fraction of a second, with two parameters to change; it diverges
    /// to NaN (a failed run) at `-p learning_rate=1000000`.
    static let notebook = """
        ---
        title: History fixture
        seed: 5
        params:
          steps: 30
          learning_rate: 0.1
        ---

        Prose.

        ```{data}
        dataset: spiral
        classes: 3
        points: 60
        ```

        ```{network}
        layers:
          - dense: 16
            activation: none
          - dense: 3
        ```

        ```{train}
        steps: ${steps}
        batch_size: 30
        learning_rate: ${learning_rate}
        log_every: 5
        ```

        ```{evaluate}
        split: test
        ```
        """

    private var folder: URL!

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
        try Data(Self.notebook.utf8).write(to: folder.appendingPathComponent("nb.md"))
    }

    /// Runs `labbook` in the test's folder with the history `h.sqlite` there, unless `environment`
    /// names another.
    private func labbook(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try LabBookBinary.run(arguments, in: folder,
                              environment: ["LABBOOK_HISTORY": folder.appendingPathComponent("h.sqlite").path]
                                  .merging(environment) { $1 })
    }

    @discardableResult
    private func runNotebook(_ parameters: [String], output: String, expecting status: Int32 = 0,
                             file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let result = try labbook(["run", "nb.md", "-o", output, "--quiet"] + parameters.flatMap { ["-p", $0] })
        XCTAssertEqual(result.status, status, result.standardError, file: file, line: line)
        return result
    }

    private func jsonRows(_ arguments: [String] = []) throws -> [[String: Any]] {
        let result = try labbook(["runs", "--json"] + arguments)
        XCTAssertEqual(result.status, 0, result.standardError)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]],
                             result.standardOutput)
    }

    private func runJSON(_ output: String) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent(output).appendingPathComponent("run.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func testAccuracy(_ output: String) throws -> Double {
        let blocks = try XCTUnwrap(try runJSON(output)["blocks"] as? [[String: Any]])
        return try XCTUnwrap((blocks.last?["metrics"] as? [String: Any])?["accuracy"] as? Double)
    }

    // MARK: - runs

    func testTwoRunsAreListedWithTheirParametersAndMetrics() throws {
        try runNotebook(["steps=10"], output: "runs/short")
        try runNotebook(["steps=60"], output: "runs/long")

        let table = try labbook(["runs"])
        XCTAssertEqual(table.status, 0, table.standardError)
        let lines = table.standardOutput.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, table.standardOutput)
        let header = lines[0].split(separator: " ").map(String.init)
        XCTAssertEqual(Array(header.prefix(6)), ["id", "notebook", "started", "status", "learning_rate", "steps"])
        XCTAssert(header.contains("test_accuracy") && header.contains("best_train_accuracy"), lines[0])
        XCTAssertEqual(header.last, "folder")
        XCTAssert(lines[1].hasPrefix("1   nb "), lines[1])
        XCTAssert(lines[1].hasSuffix("  runs/short"), lines[1])
        XCTAssert(lines[2].hasPrefix("2   nb "), lines[2])
        XCTAssert(lines[2].hasSuffix("  runs/long"), lines[2])
        let accuracyColumn = try XCTUnwrap(header.firstIndex(of: "test_accuracy"))
        let cells = lines[2].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        XCTAssertEqual(cells[accuracyColumn + 1], String(format: "%.4f", try testAccuracy("runs/long")),
                       "the table's accuracy is run.json's (the time takes two cells)")
        XCTAssert(cells.contains("60") && cells.contains("0.1"), lines[2])

        let changed = try labbook(["runs", "--only-changed"])
        XCTAssertEqual(changed.status, 0, changed.standardError)
        let changedHeader = try XCTUnwrap(changed.standardOutput.split(separator: "\n").first)
        XCTAssert(changedHeader.contains(" steps "), String(changedHeader))
        XCTAssertFalse(changedHeader.contains("learning_rate"), "learning_rate is the same in both: \(changedHeader)")

        let rows = try jsonRows()
        XCTAssertEqual(rows.map { $0["id"] as? Int }, [1, 2])
        XCTAssertEqual(rows.map { ($0["params"] as? [String: Any])?["steps"] as? Int }, [10, 60])
        XCTAssertEqual(rows.map { $0["status"] as? String }, ["ok", "ok"])
        XCTAssertEqual(rows[0]["run_folder"] as? String, folder.appendingPathComponent("runs/short").path)
        XCTAssertEqual(rows[0]["notebook_path"] as? String, folder.appendingPathComponent("nb.md").path)
        XCTAssertEqual(rows[0]["code_sha256"] as? String, try runJSON("runs/short")["notebook_sha256"] as? String)
        XCTAssertEqual((rows[1]["metrics"] as? [String: Any])?["test_accuracy"] as? Double, try testAccuracy("runs/long"))
    }

    func testSortingByAMetricAndNamingAnUnknownOne() throws {
        for (steps, output) in [(2, "a"), (60, "b"), (12, "c")] {
            try runNotebook(["steps=\(steps)"], output: output)
        }
        let accuracies = try ["a", "b", "c"].map(testAccuracy)
        XCTAssertNotEqual(Set(accuracies).count, 1, "the runs must differ for the sort to show anything")
        let expected = zip([1, 2, 3], accuracies).sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
        let sorted = try jsonRows(["--sort", "test_accuracy"])
        XCTAssertEqual(sorted.map { $0["id"] as? Int }, expected)
        let table = try labbook(["runs", "--sort", "test_accuracy"])
        XCTAssertEqual(table.standardOutput.split(separator: "\n").dropFirst().map { String($0.prefix(1)) },
                       expected.map(String.init))

        let unknown = try labbook(["runs", "--sort", "accuracy"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssert(unknown.standardError.contains("--sort accuracy: no listed run has that metric; choose one of test_accuracy, "),
                  unknown.standardError)
        XCTAssert(unknown.standardError.contains("best_train_loss"), unknown.standardError)
    }

    func testRunsOfOneNotebook() throws {
        try runNotebook([], output: "a")
        try FileManager.default.copyItem(at: folder.appendingPathComponent("nb.md"), to: folder.appendingPathComponent("other.md"))
        XCTAssertEqual(try labbook(["run", "other.md", "-o", "b", "--quiet"]).status, 0)
        for argument in ["nb", "nb.md", "./nb.md", folder.appendingPathComponent("nb.md").path] {
            XCTAssertEqual(try jsonRows([argument]).map { $0["id"] as? Int }, [1], argument)
        }
        XCTAssertEqual(try jsonRows(["other"]).map { $0["notebook"] as? String }, ["other"])
        let none = try labbook(["runs", "missing.md"])
        XCTAssertEqual(none.status, 0, none.standardError)
        XCTAssert(none.standardOutput.hasPrefix("No runs of missing.md in "), none.standardOutput)
        XCTAssert(none.standardOutput.contains("it has runs of: nb, other."), none.standardOutput)
    }

    func testAnEmptyOrMissingHistorySaysSo() throws {
        let missing = try labbook(["runs"])
        XCTAssertEqual(missing.status, 0, missing.standardError)
        XCTAssertEqual(missing.standardOutput, "No run history at \(folder.appendingPathComponent("h.sqlite").path) yet: "
                       + "`labbook run NOTEBOOK` records each run there.\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("h.sqlite").path),
                       "listing creates nothing")
        let diff = try labbook(["diff", "1", "2"])
        XCTAssertEqual(diff.status, 1)
        XCTAssert(diff.standardError.hasPrefix("labbook: error: no run history at "), diff.standardError)
        XCTAssert(FileManager.default.createFile(atPath: folder.appendingPathComponent("h.sqlite").path, contents: Data()))
        let empty = try labbook(["runs"])
        XCTAssertEqual(empty.status, 0, empty.standardError)
        XCTAssert(empty.standardOutput.hasPrefix("No runs recorded in "), empty.standardOutput)
    }

    // MARK: - diff

    func testDiffShowsParametersMetricsBlocksAndCode() throws {
        try runNotebook(["steps=10"], output: "runs/a")
        try runNotebook(["steps=40"], output: "runs/b")
        let result = try labbook(["diff", "1", "runs/b"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let text = result.standardOutput
        XCTAssert(text.hasPrefix("A: run 1 (nb, "), text)
        XCTAssert(text.contains("\nB: run 2 (nb, "), text)
        XCTAssert(text.contains("Parameters changed:\n  steps  10 → 40\n"), text)
        let old = try testAccuracy("runs/a"), new = try testAccuracy("runs/b")
        XCTAssert(text.contains("  test_accuracy  ") && text.contains(String(format: "%.4f → %.4f", old, new)), text)
        // The data and the network are the same; training and everything after it differ.
        XCTAssert(text.contains("line 11 {data}      same\n"), text)
        XCTAssert(text.contains("line 17 {network}   same\n"), text)
        XCTAssert(text.contains("line 24 {train}     differs\n"), text)
        XCTAssert(text.contains("line 31 {evaluate}  differs\n"), text)
        XCTAssert(text.contains("The runs part ways at line 24 {train}"), text)
        XCTAssert(text.contains("Code: the same notebook"), text)

        // Editing the notebook's prose changes its hash but no block's key.
        let edited = Self.notebook.replacingOccurrences(of: "Prose.", with: "Other prose.")
        try Data(edited.utf8).write(to: folder.appendingPathComponent("nb.md"))
        try runNotebook(["steps=10"], output: "runs/c")
        let prose = try labbook(["diff", "runs/a", "runs/c"])
        XCTAssertEqual(prose.status, 0, prose.standardError)
        XCTAssert(prose.standardOutput.contains("Parameters: none changed"), prose.standardOutput)
        XCTAssert(prose.standardOutput.contains("Every block has the same key"), prose.standardOutput)
        XCTAssert(prose.standardOutput.contains("Code: the notebook changed (SHA-256 "), prose.standardOutput)
    }

    /// A block's key is the same whether the cache was used or not: run.json records it either way.
    func testCacheKeysDoNotDependOnTheCache() throws {
        try runNotebook([], output: "cached")
        try runNotebook([], output: "cached")
        try runNotebook([], output: "fresh", expecting: 0)
        _ = try labbook(["run", "nb.md", "-o", "nocache", "--quiet", "--no-cache"])
        func keys(_ output: String) throws -> [String] {
            try (try runJSON(output)["blocks"] as? [[String: Any]] ?? []).map { try XCTUnwrap($0["cache_key"] as? String) }
        }
        let statuses = (try runJSON("cached")["blocks"] as? [[String: Any]])?.map { $0["status"] as? String }
        XCTAssertEqual(statuses, ["cached", "cached", "cached", "cached"])
        XCTAssertEqual(try keys("cached").count, 4)
        XCTAssertEqual(Set(try keys("cached")).count, 4)
        XCTAssertEqual(try keys("cached"), try keys("nocache"))
        XCTAssertEqual(try keys("cached"), try keys("fresh"))
        let diff = try labbook(["diff", "cached", "nocache"])
        XCTAssertEqual(diff.status, 0, diff.standardError)
        XCTAssert(diff.standardOutput.contains("Every block has the same key"), diff.standardOutput)
    }

    func testDiffWritesASelfContainedPageWithBothRunsCurves() throws {
        try runNotebook(["steps=20"], output: "runs/a")
        try runNotebook(["steps=40", "learning_rate=0.05"], output: "runs/b")
        let result = try labbook(["diff", "runs/a", "2", "--html", "diff.html"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssert(result.standardOutput.hasSuffix("Page: \(folder.appendingPathComponent("diff.html").path)\n"),
                  result.standardOutput)
        let page = try String(contentsOf: folder.appendingPathComponent("diff.html"), encoding: .utf8)
        XCTAssert(page.hasPrefix("<!DOCTYPE html>"), String(page.prefix(100)))
        let parser = XMLParser(data: Data(page.dropFirst("<!DOCTYPE html>".count).utf8))
        XCTAssert(parser.parse(), "not well-formed: \(String(describing: parser.parserError)) at line \(parser.lineNumber)")
        XCTAssert(page.contains("<title>Run 1 → run 2: nb</title>"), page)
        XCTAssert(page.contains("<td>steps</td><td>20</td><td>40</td>"), "the changed parameter")
        XCTAssert(page.contains("<td>learning_rate</td><td>0.1</td><td>0.05</td>"), "the changed parameter")
        // Both runs' loss and accuracy curves, overlaid, with a legend naming each run.
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 2, "a loss chart and an accuracy chart")
        XCTAssert(page.contains("{train} line 24 (network-1): loss"), page)
        XCTAssert(page.contains(">A: run 1</text>") && page.contains(">B: run 2</text>"), "the loss chart's legend")
        XCTAssert(page.contains(">A: run 1 train</text>") && page.contains(">B: run 2 train</text>"))
        XCTAssertEqual(page.components(separatedBy: "class=\"line series-").count - 1, 4, "two curves in each chart")
        // Nothing from elsewhere, nothing to run.
        for forbidden in ["<script", "<link", "src=", "href=", "url(", "@import", "<iframe", "<img"] {
            XCTAssertFalse(page.contains(forbidden), "the page has \(forbidden)")
        }
        let addresses = page.components(separatedBy: "http").count - 1
        XCTAssertEqual(addresses, page.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1,
                       "the only address is SVG's namespace")
    }

    func testDiffOfAnUnknownRunNamesIt() throws {
        try runNotebook([], output: "a")
        for (argument, message) in [("7", "labbook: error: no run with id 7 in \(folder.appendingPathComponent("h.sqlite").path) "
                                         + "(its ids go from 1 to 1)\n"),
                                    ("nowhere", "labbook: error: no run named 'nowhere' in ")] {
            let result = try labbook(["diff", "1", argument])
            XCTAssertEqual(result.status, 1, result.standardError)
            XCTAssert(result.standardError.hasPrefix(message), result.standardError)
            XCTAssertEqual(result.standardOutput, "")
        }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let folderWithoutRun = try labbook(["diff", "empty", "1"])
        XCTAssertEqual(folderWithoutRun.status, 1)
        XCTAssert(folderWithoutRun.standardError.contains("no run was recorded for the folder "), folderWithoutRun.standardError)
        let html = try labbook(["diff", "1", "1", "--html", "missing-folder/diff.html"])
        XCTAssertEqual(html.status, 1)
        XCTAssert(html.standardError.hasPrefix("labbook: error: cannot write missing-folder/diff.html: "), html.standardError)
    }

    // MARK: - Recording

    func testAFailedRunIsRecordedAsFailed() throws {
        try runNotebook(["learning_rate=1000000", "steps=200"], output: "out", expecting: 1)
        let rows = try jsonRows()
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["status"] as? String, "failed")
        XCTAssert((rows[0]["error"] as? String)?.contains("the loss became NaN") == true, "\(rows[0])")
        XCTAssertEqual(rows[0]["run_folder"] as? String, folder.appendingPathComponent("out").path)
        let table = try labbook(["runs"])
        XCTAssert(table.standardOutput.split(separator: "\n").last?.contains(" failed ") == true, table.standardOutput)
    }

    func testVerifyRecordsNothing() throws {
        try runNotebook([], output: "out")
        let verified = try labbook(["verify", "out"])
        XCTAssertEqual(verified.status, 0, verified.standardOutput + verified.standardError)
        XCTAssertEqual(try jsonRows().count, 1)
    }

    func testWhereTheHistoryLives() throws {
        // By default, the current folder's labbook-history.sqlite.
        XCTAssertEqual(try labbook(["run", "nb.md", "-o", "a", "--quiet"], environment: ["LABBOOK_HISTORY": ""]).status, 0)
        let local = folder.appendingPathComponent("labbook-history.sqlite")
        XCTAssert(FileManager.default.fileExists(atPath: local.path))
        // $LABBOOK_HISTORY, relative to the current folder; --history over it.
        XCTAssertEqual(try labbook(["run", "nb.md", "-o", "b", "--quiet"], environment: ["LABBOOK_HISTORY": "shared.sqlite"]).status, 0)
        XCTAssertEqual(try labbook(["run", "nb.md", "-o", "c", "--quiet", "--history", "option.sqlite"],
                                   environment: ["LABBOOK_HISTORY": "shared.sqlite"]).status, 0)
        func folders(_ history: [String: String], _ option: [String] = []) throws -> [String] {
            let result = try labbook(["runs", "--json"] + option, environment: history)
            XCTAssertEqual(result.status, 0, result.standardError)
            let rows = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]] ?? []
            return rows.compactMap { ($0["run_folder"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } }
        }
        XCTAssertEqual(try folders(["LABBOOK_HISTORY": ""]), ["a"])
        XCTAssertEqual(try folders(["LABBOOK_HISTORY": "shared.sqlite"]), ["b"])
        XCTAssertEqual(try folders(["LABBOOK_HISTORY": "shared.sqlite"], ["--history", "option.sqlite"]), ["c"])
        let empty = try labbook(["runs", "--history", ""])
        XCTAssertEqual(empty.status, 2)
        XCTAssertEqual(empty.standardError, "labbook: error: --history '' names no file\n")
    }

    /// A history that can not be written costs a warning; the run folder is written all the same.
    func testAHistoryThatCannotBeWrittenIsOnlyAWarning() throws {
        let notes = folder.appendingPathComponent("notes.txt")
        let text = Data(String(repeating: "Not a database, but my notes.\n", count: 100).utf8)
        try text.write(to: notes)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("a-folder"), withIntermediateDirectories: true)
        let cases = [("notes.txt", "is not a LabBook run history: it is not an SQLite database"),
                     ("a-folder", "a-folder: a folder, not a history file"), ("notes.txt/h.sqlite", "cannot open it")]
        for (index, (history, message)) in cases.enumerated() {
            let result = try labbook(["run", "nb.md", "-o", "out\(index)", "--quiet", "--history", history])
            XCTAssertEqual(result.status, 0, result.standardError)
            XCTAssert(result.standardError.hasPrefix("labbook: warning: the run was not recorded in the run history: "),
                      result.standardError)
            XCTAssert(result.standardError.contains(message), result.standardError)
            XCTAssert(result.standardError.contains("(the run folder \(folder.appendingPathComponent("out\(index)").path) is complete)"),
                      result.standardError)
            XCTAssertEqual(try runJSON("out\(index)")["status"] as? String, "ok")
        }
        XCTAssertEqual(try Data(contentsOf: notes), text, "the notes are untouched")
        for command in [["runs", "--history", "notes.txt"], ["diff", "1", "2", "--history", "notes.txt"]] {
            let result = try labbook(command)
            XCTAssertEqual(result.status, 1, command.joined(separator: " "))
            XCTAssertEqual(result.standardError, "labbook: error: \(notes.path) is not a LabBook run history: "
                           + "it is not an SQLite database\n")
        }
        let directory = try labbook(["runs", "--history", "a-folder"])
        XCTAssertEqual(directory.status, 1)
        XCTAssertEqual(directory.standardError, "labbook: error: run history "
                       + "\(folder.appendingPathComponent("a-folder").path): a folder, not a history file\n")
    }

    /// Parallel trials writing one history: several processes start on a new file at once, create
    /// its tables, and each records its run; every record arrives and the file is sound.
    func testConcurrentRunsWritingOneHistoryLoseNothing() throws {
        let count = 8
        let history = folder.appendingPathComponent("shared.sqlite")
        var processes: [(Process, URL)] = []
        for trial in 0..<count {
            let process = Process()
            process.executableURL = LabBookBinary.url
            process.arguments = ["run", "nb.md", "-o", "trial-\(trial)", "--quiet", "--history", history.path,
                                 "-p", "steps=\(5 + trial)"]
            process.currentDirectoryURL = folder
            let errors = folder.appendingPathComponent("trial-\(trial).err")
            XCTAssert(FileManager.default.createFile(atPath: errors.path, contents: nil))
            process.standardError = try FileHandle(forWritingTo: errors)
            process.standardOutput = FileHandle.nullDevice
            processes.append((process, errors))
        }
        for (process, _) in processes { try process.run() }
        for (trial, (process, errors)) in processes.enumerated() {
            process.waitUntilExit()
            let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            XCTAssertEqual(process.terminationStatus, 0, "trial \(trial): \(message)")
            XCTAssertEqual(message, "", "trial \(trial) wrote no warning")
        }

        let rows = try jsonRows(["--history", history.path])
        XCTAssertEqual(rows.count, count)
        XCTAssertEqual(Set(rows.compactMap { $0["id"] as? Int }), Set(1...count))
        XCTAssertEqual(Set(rows.compactMap { ($0["params"] as? [String: Any])?["steps"] as? Int }), Set(5..<(5 + count)))
        XCTAssertEqual(Set(rows.compactMap { $0["run_folder"] as? String }).count, count)

        // Checked with SQLite itself, not through LabBook.
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open_v2(history.path, &db, SQLITE_OPEN_READONLY, nil), SQLITE_OK)
        defer { sqlite3_close(db) }
        func scalar(_ sql: String) -> String? {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { return nil }
            defer { sqlite3_finalize(statement) }
            guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else { return nil }
            return String(cString: text)
        }
        XCTAssertEqual(scalar("PRAGMA integrity_check"), "ok")
        XCTAssertEqual(scalar("PRAGMA journal_mode"), "wal")
        XCTAssertEqual(scalar("SELECT count(*) FROM run"), "\(count)")
        XCTAssertEqual(scalar("SELECT count(DISTINCT run_id) FROM block"), "\(count)")
        XCTAssertEqual(scalar("SELECT count(*) FROM block"), "\(count * 4)")
    }
}
