import Foundation
import XCTest

/// The run folder belongs to LabBook: what `-o` may name, what a run keeps of the user's, atomic
/// publishing under kills, and no writes through links.
final class RunFolderTests: XCTestCase {
    typealias Fixtures = RunFolderFixtures

    func testAFolderOfSomeoneElsesFilesIsRefusedAndLeftAsItWas() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        let own = ["notebook.md": "my notes", "report.html": "<p>mine</p>", "run.json": "{\"mine\": true}",
                   "events.out.tfevents.1.other": "another experiment"]
        for (name, text) in own { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        let before = try Fixtures.snapshot(folder)

        let result = try LabBookBinary.run(["run", "nb.md", "-o", ".", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 2, result.standardError)
        XCTAssert(result.standardError.contains("is not empty and is not a LabBook run folder"), result.standardError)
        XCTAssertEqual(try Fixtures.snapshot(folder), before)
        let hidden = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(hidden, [], "nothing hidden was written either")
    }

    func testEmptyRootAndFileOutputsAreUsageErrors() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        for output in ["", "/", "nb.md"] {
            let result = try LabBookBinary.run(["run", "nb.md", "-o", output, "--quiet"], in: folder)
            XCTAssertEqual(result.status, 2, "-o '\(output)': \(result.standardError)")
            XCTAssert(result.standardError.hasPrefix("labbook: error: -o"), result.standardError)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["nb.md"])
    }

    func testTheUsersOwnFilesInARunFolderSurviveReruns() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        let out = folder.appendingPathComponent("out")
        try Data("notes".utf8).write(to: out.appendingPathComponent("notes.txt"))
        try FileManager.default.createDirectory(at: out.appendingPathComponent("figures"), withIntermediateDirectories: true)
        try Data("png".utf8).write(to: out.appendingPathComponent("figures/plot.png"))
        // Even inside the folder LabBook keeps TensorBoard's logs in.
        try Data("about these logs".utf8).write(to: out.appendingPathComponent("logs/README.txt"))

        for arguments in [["--no-cache"], [], ["-p", "steps=20"]] {
            let result = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"] + arguments, in: folder)
            XCTAssertEqual(result.status, 0, result.standardError)
            XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8), "notes")
            XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("figures/plot.png"), encoding: .utf8), "png")
            XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("logs/README.txt"), encoding: .utf8),
                           "about these logs")
            XCTAssert(try Fixtures.isWholeRun(out))
        }
        // A renamed network's old log folder goes with the old run; the user's note stays.
        try Data(Fixtures.spiralNotebook().replacingOccurrences(of: "layers:", with: "name: renamed\nlayers:").utf8)
            .write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("logs").path).sorted(),
                       ["README.txt", "renamed"])
        let verified = try LabBookBinary.run(["verify", "out"], in: folder)
        XCTAssertEqual(verified.status, 0, verified.standardOutput + verified.standardError)
        let siblings = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(siblings, ["nb.md", "out"], "no staging folder is left beside the run")
    }

    func testNothingIsWrittenThroughALinkedCache() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet", "--no-cache"], in: folder).status, 0)
        let elsewhere = folder.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("out/.cache"), withDestinationURL: elsewhere)

        let result = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 2, result.standardError)
        XCTAssert(result.standardError.contains("is a symbolic link"), result.standardError)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path), [])

        // Someone else's folder as --cache-dir is refused the same way.
        try Data("keep".utf8).write(to: elsewhere.appendingPathComponent("keep.txt"))
        let other = try LabBookBinary.run(["run", "nb.md", "-o", "out2", "--quiet", "--cache-dir", "elsewhere"], in: folder)
        XCTAssertEqual(other.status, 2, other.standardError)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path), ["keep.txt"])
    }

    func testARunFolderThatIsALinkIsWrittenAtItsTarget() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        let target = folder.appendingPathComponent("real-runs/nb")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("link"), withDestinationURL: target)
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "link", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: folder.appendingPathComponent("link").path),
                       target.path, "the link stays a link")
        XCTAssert(try Fixtures.isWholeRun(target))
    }

    func testLeftoversOfKilledRunsAreRemovedByTheNextRun() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        let manager = FileManager.default
        for leftover in [".out.labbook-staging-0badf00d", ".out.labbook-previous-0badf00d"] {
            try manager.createDirectory(at: folder.appendingPathComponent(leftover + "/logs"), withIntermediateDirectories: true)
            try Data(count: 1000).write(to: folder.appendingPathComponent(leftover + "/model.safetensors"))
        }
        // An older LabBook's staging folder inside the run folder.
        try manager.createDirectory(at: folder.appendingPathComponent("out/.partial-12345"), withIntermediateDirectories: true)
        // Someone else's hidden folder beside the run is not LabBook's to remove.
        try manager.createDirectory(at: folder.appendingPathComponent(".other-staging-1"), withIntermediateDirectories: true)

        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try manager.contentsOfDirectory(atPath: folder.path).sorted(), [".other-staging-1", "nb.md", "out"])
        XCTAssertFalse(manager.fileExists(atPath: folder.appendingPathComponent("out/.partial-12345").path))
    }

    /// A run killed as it made its cache could leave an empty `.cache` folder (it now makes and tags
    /// the cache under a temporary name first, which the next run removes): the next run must take
    /// the folder, not refuse it as someone else's.
    func testAnEmptyOrHalfMadeCacheOfAKilledRunIsNoObstacle() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        let manager = FileManager.default
        try manager.createDirectory(at: folder.appendingPathComponent("out/.cache"), withIntermediateDirectories: true)
        try manager.createDirectory(at: folder.appendingPathComponent("out/.partial-cache-0badf00d"), withIntermediateDirectories: true)
        let result = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(manager.fileExists(atPath: folder.appendingPathComponent("out/.cache/CACHEDIR.TAG").path))
        XCTAssertFalse(manager.fileExists(atPath: folder.appendingPathComponent("out/.partial-cache-0badf00d").path))
    }

    /// Kills the run at many moments, publishing included: afterwards the folder always holds one
    /// whole run (the previous one or the new one, never a mix), and the next run cleans up.
    func testAKillAtAnyMomentLeavesAWholeRun() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook(steps: 200).utf8).write(to: folder.appendingPathComponent("nb.md"))
        let out = folder.appendingPathComponent("out")
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet", "--no-cache"], in: folder).status, 0)
        // How long a whole run takes here, to spread the kills over it.
        let started = Date()
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet", "--no-cache", "-p", "steps=201"],
                                             in: folder).status, 0)
        let duration = Date().timeIntervalSince(started)
        var newRunsSeen = 0
        let history = LabBookBinary.environmentWithOwnHistory(self)
        for attempt in 0..<16 {
            let previousModel = try Data(contentsOf: out.appendingPathComponent("model.safetensors"))
            let process = Process()
            process.executableURL = LabBookBinary.url
            process.currentDirectoryURL = folder
            process.arguments = ["run", "nb.md", "-o", "out", "--quiet", "--no-cache", "-p", "steps=\(202 + attempt)"]
            process.environment = history
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // From early in the run to just past its end, where publishing happens.
            Thread.sleep(forTimeInterval: duration * (0.3 + 0.8 * Double(attempt) / 15))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTAssert(try Fixtures.isWholeRun(out), "after a kill at attempt \(attempt)")
            if try Data(contentsOf: out.appendingPathComponent("model.safetensors")) != previousModel { newRunsSeen += 1 }
        }
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["nb.md", "out"])
        XCTAssert(try Fixtures.isWholeRun(out))
        print("kills that came after the new run was published: \(newRunsSeen) of 16")
    }

    func testTwoRunsCanNotWriteOneFolderAtOnce() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook(steps: 100_000).utf8).write(to: folder.appendingPathComponent("long.md"))
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        let process = Process()
        process.executableURL = LabBookBinary.url
        process.currentDirectoryURL = folder
        process.arguments = ["run", "long.md", "-o", "out", "--no-cache"]
        process.environment = LabBookBinary.environmentWithOwnHistory(self)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Training has started (and so the folder is taken) once the first progress line arrives.
        _ = errors.fileHandleForReading.availableData
        let second = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(second.status, 1, second.standardError)
        XCTAssert(second.standardError.contains("another labbook run is writing"), second.standardError)
    }

    func testVerifyLooksAtTheFilesOnDisk() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        for (name, steps) in [("a", 40), ("b", 30)] {
            XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", name, "--quiet", "-p", "steps=\(steps)"],
                                                 in: folder).status, 0)
        }
        let a = folder.appendingPathComponent("a")
        let model = a.appendingPathComponent("model.safetensors")
        let original = try Data(contentsOf: model)
        XCTAssertEqual(try LabBookBinary.run(["verify", "a"], in: folder).status, 0)

        // Swapped for another run's model.
        try Data(contentsOf: folder.appendingPathComponent("b/model.safetensors")).write(to: model)
        var result = try LabBookBinary.run(["verify", "a"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssert(result.standardOutput.contains("model.safetensors  is not the file this run wrote"), result.standardOutput)

        // Deleted.
        try FileManager.default.removeItem(at: model)
        result = try LabBookBinary.run(["verify", "a"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssert(result.standardOutput.contains("model.safetensors  missing from the run folder"), result.standardOutput)

        // An extra checkpoint and an extra event file the run did not write.
        try original.write(to: model)
        try original.write(to: a.appendingPathComponent("extra.safetensors"))
        let logs = try FileManager.default.contentsOfDirectory(atPath: a.appendingPathComponent("logs/network-1").path)
        try Data(contentsOf: a.appendingPathComponent("logs/network-1/\(logs[0])"))
            .write(to: a.appendingPathComponent("logs/network-1/events.out.tfevents.1.copy"))
        result = try LabBookBinary.run(["verify", "a"], in: folder)
        XCTAssertEqual(result.status, 1)
        for extra in ["extra.safetensors", "events.out.tfevents.1.copy"] {
            XCTAssert(result.standardOutput.split(separator: "\n").contains { $0.contains(extra) && $0.contains("was not written by this run") },
                      result.standardOutput)
        }

        // The user's own notes are not a difference.
        try FileManager.default.removeItem(at: a.appendingPathComponent("extra.safetensors"))
        try FileManager.default.removeItem(at: a.appendingPathComponent("logs/network-1/events.out.tfevents.1.copy"))
        try Data("notes".utf8).write(to: a.appendingPathComponent("notes.txt"))
        result = try LabBookBinary.run(["verify", "a"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardOutput)
    }

    func testEachNetworkIsItsOwnTensorBoardRunAndSeries() throws {
        let folder = try makeTemporaryFolder(self)
        let second = """

            ```{network}
            name: wide
            layers:
              - dense: 24
              - dense: 3
            ```

            ```{train}
            steps: 20
            batch_size: 30
            log_every: 10
            ```

            ```{plot}
            chart: histograms
            of: activations
            layer: 1
            ```

            ```{plot}
            chart: curves
            ```
            """
        try Data(Fixtures.spiralNotebook(extra: second).utf8).write(to: folder.appendingPathComponent("nb.md"))
        let result = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
        let out = folder.appendingPathComponent("out")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("logs").path).sorted(),
                       ["network-1", "wide"])
        let blocks = try XCTUnwrap(try Fixtures.record(out)["blocks"] as? [[String: Any]])
        let names = blocks.compactMap { ($0["metrics"] as? [String: Any])?["name"] as? String }
        XCTAssertEqual(names, ["network-1", "wide"])
        // The plots after the second network draw its 20 steps only (logged at 10 and 20), not the first's 40.
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssert(report.contains(">wide<"), "the report names the network")

        let duplicate = Fixtures.spiralNotebook(extra: second.replacingOccurrences(of: "name: wide", with: "name: network-1"))
        try Data(duplicate.utf8).write(to: folder.appendingPathComponent("dup.md"))
        let refused = try LabBookBinary.run(["check", "dup.md"], in: folder)
        XCTAssertEqual(refused.status, 1)
        XCTAssert(refused.standardError.contains("the network name 'network-1' is already used at line"), refused.standardError)
        try Data(duplicate.replacingOccurrences(of: "name: network-1", with: "name: ../x").utf8)
            .write(to: folder.appendingPathComponent("bad.md"))
        let bad = try LabBookBinary.run(["check", "bad.md"], in: folder)
        XCTAssertEqual(bad.status, 1)
        XCTAssert(bad.standardError.contains("network name '../x' must be"), bad.standardError)
    }

    /// A run folder an older LabBook wrote (events at the top, an untagged cache, a staging folder
    /// inside) is LabBook's: a new run replaces its files, keeps its cache and removes the rest.
    func testARunFolderOfAnOlderVersionIsTakenOver() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        let out = folder.appendingPathComponent("out")
        for sub in [".cache", ".partial-4242"] {
            try FileManager.default.createDirectory(at: out.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try Data("{}".utf8).write(to: out.appendingPathComponent(".cache/file-hashes.json"))
        try Data("{\"labbook_version\": \"0.3.0\", \"checkpoints\": [{\"path\": \"old.safetensors\", \"sha256\": \"0\"}]}".utf8)
            .write(to: out.appendingPathComponent("run.json"))
        for name in ["events.out.tfevents.1700000000.old", "old.safetensors", "report.html", "mine.txt"] {
            try Data(name.utf8).write(to: out.appendingPathComponent(name))
        }
        let result = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssert(try Fixtures.isWholeRun(out))
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        XCTAssert(names.isSuperset(of: ["mine.txt", ".cache", "logs", "model.safetensors"]), "\(names)")
        XCTAssert(names.isDisjoint(with: ["events.out.tfevents.1700000000.old", "old.safetensors", ".partial-4242"]),
                  "\(names)")
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("mine.txt"), encoding: .utf8), "mine.txt")
    }
}
