import Foundation
import XCTest

/// `labbook run`, `check` and `new` as a user meets them: exit statuses, messages, the run folder.
final class NotebookCommandTests: XCTestCase {
    /// The repository's root, where notebooks/ lives.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A spiral and a network whose hidden layer has no activation: it trains at the default learning
    /// rate and diverges to NaN within a few steps at `-p learning_rate=1000000`.
    static let linearHiddenLayerNotebook = """
        ---
        params:
          steps: 50
          learning_rate: 0.01
        ---

        ```{data}
        dataset: spiral
        ```

        ```{network}
        layers:
          - dense: 64
            activation: none
          - dense: 3
        ```

        ```{train}
        steps: ${steps}
        batch_size: 30
        learning_rate: ${learning_rate}
        ```

        ```{evaluate}
        ```
        """

    func readRunRecord(_ folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("run.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func testQuickstartRunsEndToEnd() throws {
        let output = try makeTemporaryFolder(self).appendingPathComponent("quickstart-run")
        let notebook = Self.root.appendingPathComponent("notebooks/quickstart.md").path
        let result = try LabBookBinary.run(["run", notebook, "-o", output.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardOutput, "")

        let record = try readRunRecord(output)
        XCTAssertEqual(record["status"] as? String, "ok")
        XCTAssertEqual(record["seed"] as? Int, 7)
        XCTAssertEqual(record["title"] as? String, "Quickstart — why the hidden layer matters")
        XCTAssertEqual((record["params"] as? [String: Any])?["steps"] as? Int, 1500)
        let blocks = try XCTUnwrap(record["blocks"] as? [[String: Any]])
        XCTAssertEqual(blocks.map { $0["directive"] as? String },
                       ["data", "network", "train", "evaluate", "network", "train", "plot", "evaluate", "plot"])
        XCTAssert(blocks.allSatisfy { $0["status"] as? String == "ok" })
        let evaluations = blocks.filter { $0["directive"] as? String == "evaluate" }
            .compactMap { $0["metrics"] as? [String: Any] }
        let linear = try XCTUnwrap(evaluations.first?["accuracy"] as? Double)
        let deep = try XCTUnwrap(evaluations.last?["accuracy"] as? Double)
        // The point of the notebook: the hidden ReLU layer separates what a linear model cannot.
        XCTAssertLessThan(linear, 0.7)
        XCTAssertGreaterThan(deep, 0.95)
        XCTAssertEqual(evaluations.last?["examples"] as? Int, 900)
        XCTAssertEqual(evaluations.last?["split"] as? String, "test")
        let train = try XCTUnwrap(blocks[5]["metrics"] as? [String: Any])
        XCTAssertEqual(train["steps"] as? Int, 1500)
        let history = try XCTUnwrap(train["history"] as? [[String: Any]])
        XCTAssertEqual(history.first?["step"] as? Int, 1)
        XCTAssertEqual(history.last?["step"] as? Int, 1500)
        XCTAssertNotNil(history.last?["validation_accuracy"] as? Double)
        XCTAssertEqual(train["final_loss"] as? Double, history.last?["loss"] as? Double)
    }

    /// The notebooks users start from must stay valid as the format changes.
    func testEveryShippedNotebookPassesCheck() throws {
        let folder = Self.root.appendingPathComponent("notebooks")
        let notebooks = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".md") }
        XCTAssertGreaterThanOrEqual(notebooks.count, 4)
        for name in notebooks {
            let result = try LabBookBinary.run(["check", folder.appendingPathComponent(name).path])
            XCTAssertEqual(result.status, 0, "\(name): \(result.standardError)")
            XCTAssert(result.standardOutput.contains(": ok ("), result.standardOutput)
        }
    }

    func testParameterOverridesReachTheRun() throws {
        let output = try makeTemporaryFolder(self)
        let notebook = Self.root.appendingPathComponent("notebooks/quickstart.md").path
        let result = try LabBookBinary.run(["run", notebook, "-o", output.path, "-p", "steps=30", "--param", "hidden_units=5"])
        XCTAssertEqual(result.status, 0, result.standardError)
        // Not a terminal: one plain progress line per logged step.
        XCTAssert(result.standardError.contains("step 30: loss"), result.standardError)
        let record = try readRunRecord(output)
        XCTAssertEqual((record["params"] as? [String: Any])?["steps"] as? Int, 30)
        let layers = ((record["blocks"] as? [[String: Any]])?[4]["metrics"] as? [String: Any])?["layers"] as? [[String: Any]]
        XCTAssertEqual(layers?.first?["outputs"] as? Int, 5)

        let bad = try LabBookBinary.run(["run", notebook, "-o", output.path, "-p", "steps=many"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.standardError, "labbook: error: -p steps=many: 'steps' is an integer, and 'many' is not\n")
    }

    func testCheckReportsEveryErrorWithItsPosition() throws {
        let folder = try makeTemporaryFolder(self)
        let notebook = folder.appendingPathComponent("broken.md")
        try Data("""
            # Broken

            ```{data}
            dataset: spirl
            ```

            ```{train}
            stpes: 10
            ```
            """.utf8).write(to: notebook)
        let result = try LabBookBinary.run(["check", "broken.md"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.standardError, """
            broken.md:4:10: error: 'spirl' is not a valid 'dataset' (choose from cifar10, cifar10-python, mnist, fashion-mnist, spiral, csv, npz, npy, image-folder); did you mean 'spiral'?
            broken.md:7:4: error: {train} needs 'steps'
            broken.md:8:1: error: unknown key 'stpes' in {train}; did you mean 'steps'?
            3 errors in broken.md

            """)
        let missing = try LabBookBinary.run(["check", "nowhere.md"], in: folder)
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.standardError, "labbook: error: nowhere.md: no such file\n")
    }

    func testRuntimeErrorStopsAtItsBlockAndStillWritesTheRecord() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Self.linearHiddenLayerNotebook.utf8).write(to: folder.appendingPathComponent("diverges.md"))
        let result = try LabBookBinary.run(["run", "diverges.md", "-o", "out", "--quiet",
                                                "-p", "steps=200", "-p", "learning_rate=1000000"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssert(result.standardError.hasPrefix("diverges.md:18: error: the loss became NaN at step "), result.standardError)
        let data = try Data(contentsOf: folder.appendingPathComponent("out/run.failed.json"))
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(record["status"] as? String, "failed")
        XCTAssert(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/report.failed.html").path))
        let statuses = (record["blocks"] as? [[String: Any]])?.map { $0["status"] as? String }
        XCTAssertEqual(statuses, ["ok", "ok", "failed", "skipped"])
    }

    func testNewCreatesARunnableNotebookAndNeverOverwrites() throws {
        let folder = try makeTemporaryFolder(self)
        let created = try LabBookBinary.run(["new", "my-experiment"], in: folder)
        XCTAssertEqual(created.status, 0, created.standardError)
        let text = try String(contentsOf: folder.appendingPathComponent("my-experiment.md"), encoding: .utf8)
        XCTAssert(text.contains("title: My experiment"))
        let check = try LabBookBinary.run(["check", "my-experiment.md"], in: folder)
        XCTAssertEqual(check.status, 0, check.standardError)
        XCTAssertEqual(check.standardOutput, "my-experiment.md: ok (6 blocks)\n")

        let again = try LabBookBinary.run(["new", "my-experiment.md"], in: folder)
        XCTAssertEqual(again.status, 2)
        XCTAssert(again.standardError.contains("already exists"))
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("my-experiment.md"), encoding: .utf8), text)
    }

    func testUsageErrorsExitWith2() throws {
        XCTAssertEqual(try LabBookBinary.run(["run"]).status, 2)
        XCTAssertEqual(try LabBookBinary.run(["frobnicate"]).status, 2)
        let help = try LabBookBinary.run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssert(help.standardOutput.contains("run"), help.standardOutput)
    }

    /// A failed run, or one stopped by SIGTERM, leaves the last good run's files as they were, with its
    /// own record and partial report beside them under other names.
    func testFailedAndInterruptedRunsNeverCostThePreviousRun() throws {
        let folder = try makeTemporaryFolder(self)
        let notebook = folder.appendingPathComponent("nb.md").path
        try Data(Self.linearHiddenLayerNotebook.utf8).write(to: URL(fileURLWithPath: notebook))
        XCTAssertEqual(try LabBookBinary.run(["run", notebook, "-o", "out", "--quiet"], in: folder).status, 0)
        let out = folder.appendingPathComponent("out")
        func snapshot() throws -> [String: Data] {
            try Dictionary(uniqueKeysWithValues: ["run.json", "report.html", "model.safetensors", "notebook.md"].map {
                ($0, try Data(contentsOf: out.appendingPathComponent($0)))
            })
        }
        let good = try snapshot()

        let failing = try LabBookBinary.run(["run", notebook, "-o", "out", "--quiet", "-p", "learning_rate=1000000"], in: folder)
        XCTAssertEqual(failing.status, 1)
        XCTAssert(failing.standardError.contains("previous run's files are untouched"), failing.standardError)
        XCTAssertEqual(try snapshot(), good)
        XCTAssert(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.failed.html").path))
        // Its TensorBoard logs are kept apart, so TensorBoard shows where it went wrong.
        let failedLogs = out.appendingPathComponent("logs.failed/network-1")
        let failedEvents = try FileManager.default.contentsOfDirectory(atPath: failedLogs.path)
        XCTAssertEqual(failedEvents.filter { $0.hasPrefix("events.out.tfevents.") }.count, 1, "\(failedEvents)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("logs/network-1").path).count, 1)

        let process = Process()
        process.executableURL = LabBookBinary.url
        process.arguments = ["run", notebook, "-o", out.path, "--no-cache", "-p", "steps=100000000"]
        process.environment = LabBookBinary.environmentWithOwnHistory(self)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The first progress line says training has started (and the signal handler is in place);
        // what follows is drained so the run never blocks on a full pipe.
        _ = errors.fileHandleForReading.availableData
        DispatchQueue.global().async { _ = errors.fileHandleForReading.readDataToEndOfFile() }
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 128 + SIGTERM)
        XCTAssertEqual(try snapshot(), good)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.failed.json"))) as? [String: Any]
        XCTAssert((record?["error"] as? String)?.contains("interrupted (signal 15)") == true, "\(String(describing: record?["error"]))")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("labbook-staging") }
        XCTAssertEqual(leftovers, [], "the staging folder is removed")

        // The next good run replaces the files and clears the failed attempt's.
        XCTAssertEqual(try LabBookBinary.run(["run", notebook, "-o", "out", "--quiet", "-p", "steps=60"], in: folder).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.failed.html").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("logs.failed").path))
        XCTAssertNotEqual(try snapshot()["model.safetensors"], good["model.safetensors"])
    }
}
