import Foundation
import XCTest

/// `labbook sweep` through the built binary: trials as run folders, sweep.json, failures, reruns.
final class SweepCommandTests: XCTestCase {
    func sweepJSON(_ folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("sweep.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func trials(_ sweep: [String: Any]) throws -> [[String: Any]] {
        try XCTUnwrap(sweep["trials"] as? [[String: Any]])
    }

    func readRunRecord(_ folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("run.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func writeNotebook(_ folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("spiral.md")
        try NotebookCommandTests.linearHiddenLayerNotebook.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testGridTrialsAreRunFoldersRankedInSweepJSON() throws {
        let folder = try makeTemporaryFolder(self)
        // The quickstart's batches are large enough that a run on two cores trains on two threads.
        let notebook = NotebookCommandTests.root.appendingPathComponent("notebooks/quickstart.md")
        let output = folder.appendingPathComponent("sweep")
        let result = try LabBookBinary.run(["sweep", notebook.path, "-p", "learning_rate=0.003,0.03", "-p", "steps=20,40",
                                            "-j", "2", "-o", output.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssert(result.standardOutput.contains("Sweep of 4 trials"), result.standardOutput)
        XCTAssert(result.standardOutput.contains("4 of 4 done"), result.standardOutput)
        let sweep = try sweepJSON(output)
        let list = try trials(sweep)
        XCTAssertEqual(list.count, 4)
        var accuracies: [String: Double] = [:]
        for trial in list {
            let id = try XCTUnwrap(trial["id"] as? String)
            XCTAssertEqual(trial["status"] as? String, "ok", id)
            let metrics = try XCTUnwrap(trial["metrics"] as? [String: Double])
            accuracies[id] = try XCTUnwrap(metrics["test_accuracy"])
            // Each trial is a plain run folder, with the trial's parameters in its record.
            let record = try readRunRecord(output.appendingPathComponent(id))
            let params = try XCTUnwrap(record["params"] as? [String: Any])
            let parameters = try XCTUnwrap(trial["parameters"] as? [String: String])
            XCTAssertEqual("\(params["learning_rate"]!)", "\(Double(parameters["learning_rate"]!)!)")
            XCTAssertEqual(params["steps"] as? Int, Int(parameters["steps"]!))
            // Two trials at once on two cores: each is pinned to one core, so it trains on one thread.
            if ProcessInfo.processInfo.activeProcessorCount == 2 {
                let blocks = try XCTUnwrap(record["blocks"] as? [[String: Any]])
                let shards = blocks.compactMap { ($0["metrics"] as? [String: Any])?["shards"] as? Int }
                XCTAssertEqual(Set(shards), [1], id)
            }
        }
        XCTAssertEqual(Set(accuracies.values).count > 1, true, "different settings give different results")
        // Each trial's log holds its training progress, step of total, which the sweep shows live on a terminal.
        for (id, _) in accuracies {
            let log = try String(contentsOf: output.appendingPathComponent("\(id).log"), encoding: .utf8)
            let steps = id.contains("steps-20") ? 20 : 40
            XCTAssert(log.contains("[\(steps)/\(steps)]\n"), log)
        }
        let best = try XCTUnwrap(sweep["best"] as? String)
        XCTAssertEqual(accuracies[best], accuracies.values.max())
        XCTAssert(result.standardOutput.contains("Best: \(best)"), result.standardOutput)
        let page = try String(contentsOf: output.appendingPathComponent("index.html"), encoding: .utf8)
        for id in accuracies.keys { XCTAssert(page.contains(">\(id)</a>"), "the comparison page lists \(id)") }
        XCTAssert(page.contains("<span class=\"badge\">best</span>"))
        let history = folder.appendingPathComponent("history.sqlite")
        let recorded = try LabBookBinary.run(["sweep", notebook.path, "-p", "learning_rate=0.003,0.03", "-p", "steps=20,40",
                                              "-o", output.path, "--quiet", "--history", history.path])
        XCTAssertEqual(recorded.status, 0, recorded.standardError)
        let listed = try LabBookBinary.run(["runs", "--json", "--history", history.path])
        XCTAssertEqual(listed.status, 0, listed.standardError)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.count, 4, "every trial is in the run history")
        let verified = try LabBookBinary.run(["verify", output.appendingPathComponent(best).path])
        XCTAssertEqual(verified.status, 0, verified.standardError + verified.standardOutput)

        // Running the same sweep again finds every trial's blocks in its folder's cache.
        let again = try LabBookBinary.run(["sweep", notebook.path, "-p", "learning_rate=0.003,0.03", "-p", "steps=20,40",
                                           "-o", output.path, "--quiet"])
        XCTAssertEqual(again.standardOutput.components(separatedBy: "\n").filter { $0.hasPrefix("[") }, [],
                       "--quiet prints no progress")
        XCTAssertEqual(again.status, 0, again.standardError)
        let record = try readRunRecord(output.appendingPathComponent(best))
        let blocks = try XCTUnwrap(record["blocks"] as? [[String: Any]])
        XCTAssertEqual(Set(blocks.compactMap { $0["status"] as? String }), ["cached"])
        XCTAssertEqual(try sweepJSON(output)["best"] as? String, best)
    }

    /// On a terminal the running trials' progress is redrawn in place under the lines that stay.
    func testATerminalShowsEachRunningTrialsProgress() throws {
        let folder = try makeTemporaryFolder(self)
        let notebook = try writeNotebook(folder)
        let output = folder.appendingPathComponent("live")
        let command = [LabBookBinary.url.path, "sweep", notebook.path, "-p", "learning_rate=0.01,0.02", "-p", "steps=8000",
                       "-j", "2", "-o", output.path].joined(separator: " ")
        // util-linux's script(1) runs the sweep on a pseudo-terminal and copies what it printed.
        let result = try LabBookBinary.run(["-qec", command, "/dev/null"], executable: URL(fileURLWithPath: "/usr/bin/script"))
        XCTAssertEqual(result.status, 0, result.standardOutput + result.standardError)
        let screen = result.standardOutput
        XCTAssert(screen.contains("running, "), screen)
        XCTAssertNotNil(screen.range(of: #"learning_rate-0\.0[12]_steps-8000_seed-0: step [0-9]+/8000, loss [0-9.]+, "#,
                                     options: .regularExpression), screen)
        XCTAssert(screen.contains("\u{1B}[3F\u{1B}[J"), "the block of two trials and the count is redrawn: \(screen)")
        XCTAssert(screen.contains("2 of 2 done"), screen)
        XCTAssertFalse(screen.contains(": started"), "on a terminal the live block replaces the start lines")
    }

    func testRandomSearchWithSeedsAndAFailingTrial() throws {
        let folder = try makeTemporaryFolder(self)
        let notebook = try writeNotebook(folder)
        let output = folder.appendingPathComponent("random")
        let result = try LabBookBinary.run(["sweep", notebook.path, "-p", "learning_rate=log-uniform(0.001,0.05)",
                                            "--trials", "2", "--seeds", "2", "-o", output.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let list = try trials(try sweepJSON(output))
        XCTAssertEqual(list.count, 4)
        XCTAssertEqual(Set(list.compactMap { $0["seed"] as? Int }), [0, 1])
        for trial in list {
            let record = try readRunRecord(output.appendingPathComponent(try XCTUnwrap(trial["id"] as? String)))
            XCTAssertEqual(record["seed"] as? Int, trial["seed"] as? Int, "the trial ran with its own seed")
        }
        XCTAssertEqual(Set(list.compactMap { ($0["parameters"] as? [String: String])?["learning_rate"] }).count, 2)

        // A diverging trial fails at run time; the other still runs, and the sweep ends with status 1.
        let mixed = folder.appendingPathComponent("mixed")
        let failing = try LabBookBinary.run(["sweep", notebook.path, "-p", "learning_rate=1000000,0.01", "-o", mixed.path])
        XCTAssertEqual(failing.status, 1, failing.standardOutput)
        XCTAssert(failing.standardError.contains("1 of 2 trials failed"), failing.standardError)
        let outcomes = try trials(try sweepJSON(mixed))
        XCTAssertEqual(outcomes.map { $0["status"] as? String }, ["failed", "ok"])
        XCTAssert((outcomes[0]["error"] as? String)?.contains("NaN") == true, "\(outcomes[0])")
        let log = try String(contentsOf: mixed.appendingPathComponent("\(outcomes[0]["id"]!).log"), encoding: .utf8)
        XCTAssert(log.contains("NaN"), log)
    }

    func testTrialsAreCheckedBeforeAnythingRuns() throws {
        let folder = try makeTemporaryFolder(self)
        let notebook = try writeNotebook(folder)
        let output = folder.appendingPathComponent("refused")
        let badValue = try LabBookBinary.run(["sweep", notebook.path, "-p", "steps=10,0", "-o", output.path])
        XCTAssertEqual(badValue.status, 2)
        XCTAssert(badValue.standardError.contains("-p steps=0"), badValue.standardError)
        let distribution = try LabBookBinary.run(["sweep", notebook.path, "-p", "learning_rate=uniform(0.1,0.2)", "-o", output.path])
        XCTAssertEqual(distribution.status, 2)
        XCTAssert(distribution.standardError.contains("give --trials N"), distribution.standardError)
        let large = try LabBookBinary.run(["sweep", notebook.path, "-p", "steps=" + (1...40).map(String.init).joined(separator: ","),
                                           "-p", "learning_rate=" + (1...30).map { "0.00\($0)" }.joined(separator: ","),
                                           "-o", output.path])
        XCTAssertEqual(large.status, 2)
        XCTAssert(large.standardError.contains("--max-trials"), large.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing ran")

        // A folder of the user's is not a sweep folder: nothing in it is replaced.
        let own = folder.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        try Data("my page".utf8).write(to: own.appendingPathComponent("index.html"))
        let refused = try LabBookBinary.run(["sweep", notebook.path, "-p", "steps=10,20", "-o", own.path])
        XCTAssertEqual(refused.status, 2)
        XCTAssert(refused.standardError.contains("holds no sweep"), refused.standardError)
        XCTAssertEqual(try String(contentsOf: own.appendingPathComponent("index.html"), encoding: .utf8), "my page")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: own.path), ["index.html"])
    }

    func testFrontMatterGivesDefaultAxesAndTheRankingMetric() throws {
        let folder = try makeTemporaryFolder(self)
        let notebook = folder.appendingPathComponent("swept.md")
        let text = NotebookCommandTests.linearHiddenLayerNotebook.replacingOccurrences(of: "---\n\n```{data}", with: """
            sweep:
              learning_rate: [0.003, 0.03]
              steps: 10,20
              metric: test_loss
              goal: min
            ---

            ```{data}
            """)
        try text.write(to: notebook, atomically: true, encoding: .utf8)
        XCTAssertEqual(try LabBookBinary.run(["check", notebook.path]).status, 0)
        let output = folder.appendingPathComponent("out")
        let result = try LabBookBinary.run(["sweep", notebook.path, "-o", output.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let sweep = try sweepJSON(output)
        XCTAssertEqual(sweep["metric"] as? String, "test_loss")
        XCTAssertEqual(sweep["goal"] as? String, "min")
        let list = try trials(sweep)
        XCTAssertEqual(list.count, 4)
        let losses = try list.map { try XCTUnwrap(($0["metrics"] as? [String: Double])?["test_loss"]) }
        let best = try XCTUnwrap(list.first { $0["id"] as? String == sweep["best"] as? String })
        XCTAssertEqual((best["metrics"] as? [String: Double])?["test_loss"], losses.min())

        // A -p axis replaces the front matter's axis of the same name.
        let replaced = folder.appendingPathComponent("replaced")
        let narrowed = try LabBookBinary.run(["sweep", notebook.path, "-p", "steps=15", "-o", replaced.path, "--quiet"])
        XCTAssertEqual(narrowed.status, 0, narrowed.standardError)
        XCTAssertEqual(Set(try trials(try sweepJSON(replaced)).compactMap { ($0["parameters"] as? [String: String])?["steps"] }), ["15"])

        // Mistakes in `sweep:` are notebook errors, with their line and column.
        let broken = folder.appendingPathComponent("broken.md")
        try text.replacingOccurrences(of: "  steps: 10,20", with: "  step: 10,20\n  learning_rat: uniform(1,0)")
            .write(to: broken, atomically: true, encoding: .utf8)
        let check = try LabBookBinary.run(["check", broken.path])
        XCTAssertEqual(check.status, 1)
        XCTAssert(check.standardError.contains("broken.md:7:3: error: sweep: 'step' is not a parameter of this notebook"),
                  check.standardError)
        XCTAssert(check.standardError.contains("broken.md:8:17: error: sweep: learning_rat=uniform(1,0): uniform needs"),
                  check.standardError)
    }

    /// SIGTERM stops the running trial and starts no other; the same command then finishes the
    /// sweep, the finished trial from its cache.
    func testAnInterruptedSweepResumes() throws {
        let folder = try makeTemporaryFolder(self)
        let notebook = NotebookCommandTests.root.appendingPathComponent("notebooks/quickstart.md")
        let output = folder.appendingPathComponent("sweep")
        let arguments = ["sweep", notebook.path, "-p", "learning_rate=0.05,0.1,0.2", "-p", "steps=1500", "-j", "1", "-o", output.path]
        let process = Process()
        process.executableURL = LabBookBinary.url
        process.arguments = arguments
        process.environment = LabBookBinary.environmentWithOwnHistory(self)
        let log = folder.appendingPathComponent("sweep.out")
        XCTAssert(FileManager.default.createFile(atPath: log.path, contents: nil))
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("[2/3]"), Date() < deadline, process.isRunning {
            usleep(5_000)
        }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 128 + SIGTERM)
        let interrupted = try trials(try sweepJSON(output))
        XCTAssertEqual(interrupted.map { $0["status"] as? String }, ["ok", "failed", "pending"])
        let first = try XCTUnwrap(interrupted[0]["id"] as? String)

        let resumed = try LabBookBinary.run(arguments + ["--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.standardError)
        XCTAssertEqual(try trials(try sweepJSON(output)).map { $0["status"] as? String }, ["ok", "ok", "ok"])
        let blocks = try XCTUnwrap(try readRunRecord(output.appendingPathComponent(first))["blocks"] as? [[String: Any]])
        XCTAssertEqual(Set(blocks.compactMap { $0["status"] as? String }), ["cached"], "the finished trial was not run again")
    }
}
