import FileFormats
import Foundation
import NeuralNet
import XCTest

/// Checkpoints that resume bit-identically, the cache, and `labbook verify`, through the CLI.
final class ReproducibilityTests: XCTestCase {
    func notebook(train: String, before: String = "", seed: Int = 4) -> String {
        """
        ---
        title: Reproducibility
        seed: \(seed)
        params:
          steps: 40
        ---

        Some prose.

        ```{data}
        dataset: spiral
        classes: 3
        points: 60
        ```

        ```{network}
        layers:
          - dense: 12
          - dense: 3
        ```
        \(before)
        ```{train}
        \(train)
        ```

        ```{evaluate}
        ```
        """
    }

    func sha256(_ url: URL) throws -> String {
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: url.deletingLastPathComponent()
            .appendingPathComponent("run.json"))) as? [String: Any]
        let checkpoints = record?["checkpoints"] as? [[String: String]] ?? []
        return try XCTUnwrap(checkpoints.first { $0["path"] == url.lastPathComponent }?["sha256"])
    }

    func statuses(_ folder: URL) throws -> [String] {
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("run.json"))) as? [String: Any]
        return (record?["blocks"] as? [[String: Any]])?.compactMap { $0["status"] as? String } ?? []
    }

    func testTrainingResumedFromACheckpointIsBitIdenticalToTrainingStraight() throws {
        let folder = try makeTemporaryFolder(self)
        let settings = "batch_size: 30\noptimizer: adam\nlog_every: 10"
        try Data(notebook(train: "steps: 40\ncheckpoint_every: 20\n" + settings).utf8)
            .write(to: folder.appendingPathComponent("straight.md"))
        try Data(notebook(train: "steps: 20\n" + settings,
                          before: "\n```{restore}\npath: straight/checkpoint-20.safetensors\n```\n").utf8)
            .write(to: folder.appendingPathComponent("resumed.md"))
        let straight = try LabBookBinary.run(["run", "straight.md", "-o", "straight", "--quiet"], in: folder)
        XCTAssertEqual(straight.status, 0, straight.standardError)
        let resumed = try LabBookBinary.run(["run", "resumed.md", "-o", "resumed", "--quiet"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.standardError)
        for name in ["checkpoint-20.safetensors", "checkpoint-40.safetensors", "model.safetensors"] {
            XCTAssert(FileManager.default.fileExists(atPath: folder.appendingPathComponent("straight/\(name)").path), name)
        }
        func checkpoint(_ path: String) throws -> Checkpoint {
            try Checkpoint.decode([UInt8](Data(contentsOf: folder.appendingPathComponent(path))))
        }
        // Weights, Adam's moments, the step and the batch order all match; only the notebook code hash in
        // the metadata tells the files apart.
        let straightModel = try checkpoint("straight/model.safetensors")
        let resumedModel = try checkpoint("resumed/model.safetensors")
        XCTAssertEqual(resumedModel.network, straightModel.network)
        XCTAssertEqual(resumedModel.optimizer, straightModel.optimizer)
        XCTAssertEqual(resumedModel.batchOrder, straightModel.batchOrder)
        XCTAssertEqual(resumedModel.globalStep, 40)
        XCTAssertNotEqual(resumedModel.notebookCodeSHA256, straightModel.notebookCodeSHA256)
        XCTAssertEqual(try sha256(folder.appendingPathComponent("straight/checkpoint-40.safetensors")),
                       try sha256(folder.appendingPathComponent("straight/model.safetensors")))
        XCTAssertNotEqual(try checkpoint("straight/checkpoint-20.safetensors").network, straightModel.network)
    }

    func testRestoringIntoADifferentNetworkNamesBothSides() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(notebook(train: "steps: 5\nbatch_size: 30").utf8).write(to: folder.appendingPathComponent("a.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "a.md", "-o", "a", "--quiet"], in: folder).status, 0)
        let other = notebook(train: "steps: 5\nbatch_size: 30", before: "\n```{restore}\npath: a/model.safetensors\n```\n")
            .replacingOccurrences(of: "dense: 12", with: "dense: 7")
        try Data(other.utf8).write(to: folder.appendingPathComponent("b.md"))
        let result = try LabBookBinary.run(["run", "b.md", "-o", "b", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssert(result.standardError.hasPrefix("b.md:22: error: a/model.safetensors: checkpoint does not fit the network: "
                                                 + "checkpoint has Layer1/weights [2, 12] but the network has [2, 7]"),
                  result.standardError)
    }

    /// The records of the run's one network's TensorBoard event file after its header, whose wall
    /// time differs from run to run.
    func eventFileRecords(_ runFolder: URL) throws -> [Data] {
        let folder = runFolder.appendingPathComponent("logs/network-1")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("events.out.tfevents.") }
        XCTAssertEqual(names.count, 1, "one event file in \(names)")
        let bytes = try Data(contentsOf: folder.appendingPathComponent(try XCTUnwrap(names.first)))
        var records: [Data] = []
        var offset = 0
        while offset + 12 <= bytes.count {
            let length = bytes[offset..<(offset + 8)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            records.append(bytes[(offset + 12)..<(offset + 12 + length)])
            offset += 16 + length
        }
        XCTAssertEqual(offset, bytes.count, "whole records only")
        // The HParams session's start and end frame the run's events; they hold this run's times.
        let hparams = records.indices.filter { records[$0].range(of: Data("_hparams_/".utf8)) != nil }
        XCTAssertEqual(hparams, [1, records.count - 1], "the session starts after the header and ends last")
        return Array(records.dropFirst(2).dropLast())
    }

    func testTheCacheReusesWhatDidNotChangeAndNothingElse() throws {
        let folder = try makeTemporaryFolder(self)
        let path = folder.appendingPathComponent("nb.md")
        let original = notebook(train: "steps: ${steps}\nbatch_size: 30\noptimizer: momentum\nlearning_rate: 0.1")
        try Data(original.utf8).write(to: path)
        let out = folder.appendingPathComponent("out")
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try statuses(out), ["ok", "ok", "ok", "ok"])
        let first = try Data(contentsOf: out.appendingPathComponent("model.safetensors"))
        let firstEvents = try eventFileRecords(out)
        XCTAssertGreaterThan(firstEvents.count, 3)

        // Only prose changed: everything comes from the cache, and the report says so.
        try Data(original.replacingOccurrences(of: "Some prose.", with: "Other prose.").utf8).write(to: path)
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try statuses(out), ["cached", "cached", "cached", "cached"])
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssert(report.contains("Other prose.") && report.contains("status-cached"))
        XCTAssertEqual(try eventFileRecords(out), firstEvents, "TensorBoard's events survive a run from the cache")
        // A fresh re-run still proves a run whose blocks came from the cache after a prose edit:
        // checkpoints record the notebook's code, not its prose.
        let verified = try LabBookBinary.run(["verify", "out"], in: folder)
        XCTAssertEqual(verified.status, 0, verified.standardOutput + verified.standardError)

        // A parameter changes the training: exactly the blocks from {train} on run again.
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet", "-p", "steps=30"], in: folder).status, 0)
        XCTAssertEqual(try statuses(out), ["cached", "cached", "ok", "ok"])
        XCTAssertNotEqual(try Data(contentsOf: out.appendingPathComponent("model.safetensors")), first)

        // Back to 40 steps: cached again, and the run folder's model is put back as that run wrote it.
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try statuses(out), ["cached", "cached", "cached", "cached"])
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("model.safetensors")), first)

        // A corrupted entry is detected and recomputed, with the same result.
        try Data(original.utf8).write(to: path)
        let cache = out.appendingPathComponent(".cache")
        for file in try FileManager.default.contentsOfDirectory(atPath: cache.path) where file.hasSuffix(".state.safetensors") {
            try Data("garbage".utf8).write(to: cache.appendingPathComponent(file))
        }
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try statuses(out), ["cached", "ok", "ok", "ok"])
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("model.safetensors")), first)

        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet", "--no-cache"], in: folder).status, 0)
        XCTAssertEqual(try statuses(out), ["ok", "ok", "ok", "ok"])
    }

    func testVerifyProvesARunAndReportsWhatDiffers() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(notebook(train: "steps: 30\nbatch_size: 30\nlog_every: 10").utf8).write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "run", "--quiet"], in: folder).status, 0)
        let verified = try LabBookBinary.run(["verify", "run"], in: folder)
        XCTAssertEqual(verified.status, 0, verified.standardOutput + verified.standardError)
        XCTAssert(verified.standardOutput.hasPrefix("run: bit-identical: 1 checkpoint(s) and 4 blocks' metrics match"),
                  verified.standardOutput)

        let recordURL = folder.appendingPathComponent("run/run.json")
        var text = try String(contentsOf: recordURL, encoding: .utf8)
        let sha = try sha256(folder.appendingPathComponent("run/model.safetensors"))
        text = text.replacingOccurrences(of: sha, with: String(repeating: "0", count: 64))
        text = text.replacingOccurrences(of: "\"final_loss\" : ", with: "\"final_loss\" : 1")
        try Data(text.utf8).write(to: recordURL)
        let differs = try LabBookBinary.run(["verify", "run"], in: folder)
        XCTAssertEqual(differs.status, 1)
        // The file on disk no longer matches run.json, the re-run's model does not match it either,
        // and the loss differs.
        XCTAssert(differs.standardOutput.contains("the re-run differs in 3 place(s)"), differs.standardOutput)
        XCTAssert(differs.standardOutput.contains("model.safetensors  is not the file this run wrote"), differs.standardOutput)
        XCTAssert(differs.standardOutput.contains("metrics differ: final_loss (recorded 1"), differs.standardOutput)

        XCTAssertEqual(try LabBookBinary.run(["verify", "nowhere"], in: folder).status, 1)
    }
}
