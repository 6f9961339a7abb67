import FileFormats
import Foundation
import XCTest

/// The cache is never stale: every input is keyed by its contents, and a run made from the cache is
/// byte for byte the run `--no-cache` makes of the same notebook.
final class CacheTrustTests: XCTestCase {
    typealias Fixtures = RunFolderFixtures

    func dataHashes(_ folder: URL) throws -> [String] {
        (try Fixtures.record(folder)["data_files"] as? [[String: String]] ?? []).compactMap { $0["sha256"] }
    }

    func accuracy(_ folder: URL) throws -> Double? {
        let blocks = try Fixtures.record(folder)["blocks"] as? [[String: Any]] ?? []
        return blocks.compactMap { ($0["metrics"] as? [String: Any])?["accuracy"] as? Double }.last
    }

    /// Rewrites one byte of `file` in place and puts its modification time back, as `touch -r` does.
    func editInPlaceKeepingTheTime(_ file: URL, offset: Int) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        var bytes = try Data(contentsOf: file)
        bytes[offset] = bytes[offset] &+ 101
        let handle = try FileHandle(forWritingTo: file)
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: bytes)
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: attributes[.modificationDate]!], ofItemAtPath: file.path)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int,
                       attributes[.size] as? Int)
    }

    func testAFileEditedInPlaceWithItsTimeRestoredIsNoticed() throws {
        let folder = try makeTemporaryFolder(self)
        try Fixtures.writeTinyMNIST(into: folder.appendingPathComponent("data"))
        try Data(Fixtures.mnistNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        let out = folder.appendingPathComponent("out")
        let before = try dataHashes(out)

        try editInPlaceKeepingTheTime(folder.appendingPathComponent("data/t10k-images-idx3-ubyte"), offset: 20)
        let result = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(try Fixtures.statuses(out), ["ok", "ok", "ok", "ok"], "the data changed, so everything reruns")
        XCTAssertNotEqual(try dataHashes(out), before)
        XCTAssertEqual(try dataHashes(out).count, 4)
    }

    func testLinkedDataFilesAreReadAndKeyedThroughTheirTargets() throws {
        let folder = try makeTemporaryFolder(self)
        let real = folder.appendingPathComponent("real")
        try Fixtures.writeTinyMNIST(into: real)
        let linked = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: linked, withIntermediateDirectories: true)
        for name in Fixtures.mnistFiles {
            try FileManager.default.createSymbolicLink(at: linked.appendingPathComponent(name),
                                                       withDestinationURL: real.appendingPathComponent(name))
        }
        try Data(Fixtures.mnistNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        let first = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(first.status, 0, first.standardError)
        let out = folder.appendingPathComponent("out")
        let before = try dataHashes(out)

        try editInPlaceKeepingTheTime(real.appendingPathComponent("t10k-images-idx3-ubyte"), offset: 20)
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try Fixtures.statuses(out).first, "ok", "editing a link's target is noticed")
        XCTAssertNotEqual(try dataHashes(out), before)
    }

    func testCIFARFilesThatAreLinksLoad() throws {
        let folder = try makeTemporaryFolder(self)
        let real = folder.appendingPathComponent("real"), linked = folder.appendingPathComponent("cifar")
        for url in [real, linked] { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
            var record = Data(count: 2 * 3073)
            record[0] = 3
            record[3073] = 7
            try record.write(to: real.appendingPathComponent(name))
            try FileManager.default.createSymbolicLink(at: linked.appendingPathComponent(name),
                                                       withDestinationURL: real.appendingPathComponent(name))
        }
        try Data("""
            ```{data}
            dataset: cifar10
            path: cifar
            ```
            """.utf8).write(to: folder.appendingPathComponent("nb.md"))
        let result = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
    }

    func testAFIFOInADataFolderIsAnErrorAtItsBlockNotAHang() throws {
        let folder = try makeTemporaryFolder(self)
        let data = folder.appendingPathComponent("data")
        try Fixtures.writeTinyMNIST(into: data)
        // A FIFO the loader does not read is ignored; one it must read is refused.
        XCTAssertEqual(mkfifo(data.appendingPathComponent("unrelated.fifo").path, 0o644), 0)
        try Data(Fixtures.mnistNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        let fine = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(fine.status, 0, fine.standardError)

        let labels = data.appendingPathComponent("t10k-labels-idx1-ubyte")
        try FileManager.default.removeItem(at: labels)
        XCTAssertEqual(mkfifo(labels.path, 0o644), 0)
        let refused = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(refused.status, 1, refused.standardError)
        XCTAssert(refused.standardError.hasPrefix("nb.md:5: error: "), refused.standardError)
        XCTAssert(refused.standardError.contains("t10k-labels-idx1-ubyte: is a named pipe (FIFO), not a regular file"),
                  refused.standardError)

        // A special file that blocks its readers (the kernel log, where this user may read it) is an
        // error too, never a hang.
        try FileManager.default.removeItem(at: labels)
        try FileManager.default.createSymbolicLink(at: labels, withDestinationURL: URL(fileURLWithPath: "/proc/kmsg"))
        let blocked = try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet", "--no-cache"], in: folder)
        XCTAssertEqual(blocked.status, 1, blocked.standardError)
        XCTAssert(blocked.standardError.hasPrefix("nb.md:5: error: "), blocked.standardError)
        XCTAssertFalse(blocked.standardError.contains("Domain"), blocked.standardError)
    }

    func testADamagedFileHashIndexIsNotTrusted() throws {
        let folder = try makeTemporaryFolder(self)
        try Fixtures.writeTinyMNIST(into: folder.appendingPathComponent("data"))
        try Data(Fixtures.mnistNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet", "--no-cache"], in: folder).status, 0)
        let out = folder.appendingPathComponent("out")
        let truth = try dataHashes(out)
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)

        let index = out.appendingPathComponent(".cache/file-hashes.json")
        var text = try String(contentsOf: index, encoding: .utf8)
        for hash in truth { text = text.replacingOccurrences(of: hash, with: String(repeating: "0", count: 64)) }
        try Data(text.utf8).write(to: index)
        // A new prose line keeps every key, so only the index could mislead this run.
        try Data(Fixtures.mnistNotebook(extra: "More prose.").utf8).write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try dataHashes(out), truth)
        XCTAssertEqual(try Fixtures.statuses(out), ["cached", "cached", "cached", "cached"])
    }

    func testARestoredCheckpointIsKeyedByItsContents() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(Fixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("producer.md"))
        let consumer = """
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

            ```{restore}
            path: producer/model.safetensors
            ```

            ```{evaluate}
            ```
            """
        try Data(consumer.utf8).write(to: folder.appendingPathComponent("consumer.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "producer.md", "-o", "producer", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try LabBookBinary.run(["run", "consumer.md", "-o", "consumer", "--quiet"], in: folder).status, 0)
        let out = folder.appendingPathComponent("consumer")
        let first = try accuracy(out)

        XCTAssertEqual(try LabBookBinary.run(["run", "producer.md", "-o", "producer", "--quiet", "-p", "steps=3"],
                                             in: folder).status, 0)
        XCTAssertEqual(try LabBookBinary.run(["run", "consumer.md", "-o", "consumer", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try Fixtures.statuses(out), ["cached", "cached", "ok", "ok"])
        XCTAssertNotEqual(try accuracy(out), first)
        let fresh = try LabBookBinary.run(["run", "consumer.md", "-o", "fresh", "--quiet", "--no-cache"], in: folder)
        XCTAssertEqual(fresh.status, 0, fresh.standardError)
        XCTAssertEqual(try accuracy(out), try accuracy(folder.appendingPathComponent("fresh")))
    }

    /// After each of several edits, the run made with the cache equals a `--no-cache` run of the
    /// same notebook: every checkpoint and event file byte for byte (wall times fixed by
    /// SOURCE_DATE_EPOCH), every block's metrics, and `labbook verify` proves the cached run.
    func testARunFromTheCacheIsTheRunWithoutIt() throws {
        let folder = try makeTemporaryFolder(self)
        let environment = ["SOURCE_DATE_EPOCH": "1700000000"]
        let edits = [
            "",
            "\n```{evaluate}\n```\n",
            "\n```{evaluate}\n```\n\n```{plot}\nchart: histograms\nof: weights\nlayer: 1\n```\n",
            "\n```{plot}\nchart: histograms\nof: activations\nlayer: 2\n```\n\n```{checkpoint}\nname: best\n```\n",
            "\n```{checkpoint}\nname: best\n```\n\n```{train}\nsteps: 10\nbatch_size: 30\nlog_every: 5\n```\n",
        ]
        for (number, extra) in edits.enumerated() {
            try Data(Fixtures.spiralNotebook(extra: extra).utf8).write(to: folder.appendingPathComponent("nb.md"))
            let cached = try LabBookBinary.run(["run", "nb.md", "-o", "cached", "--quiet"], in: folder, environment: environment)
            XCTAssertEqual(cached.status, 0, cached.standardError)
            let fresh = try LabBookBinary.run(["run", "nb.md", "-o", "fresh", "--quiet", "--no-cache"], in: folder,
                                              environment: environment)
            XCTAssertEqual(fresh.status, 0, fresh.standardError)
            let cachedFolder = folder.appendingPathComponent("cached"), freshFolder = folder.appendingPathComponent("fresh")
            if number > 0 { XCTAssert(try Fixtures.statuses(cachedFolder).contains("cached"), "edit \(number)") }
            let outputs = { (url: URL) in try Fixtures.snapshot(url).filter { $0.key.hasSuffix(".safetensors") || $0.key.hasPrefix("logs/") } }
            let cachedOutputs = try outputs(cachedFolder), freshOutputs = try outputs(freshFolder)
            XCTAssertEqual(cachedOutputs.keys.sorted(), freshOutputs.keys.sorted(), "edit \(number)")
            for (name, bytes) in freshOutputs { XCTAssertEqual(cachedOutputs[name], bytes, "edit \(number): \(name)") }
            let metrics = { (url: URL) in
                try (Fixtures.record(url)["blocks"] as? [[String: Any]] ?? []).map { block -> NSDictionary in
                    var metrics = block["metrics"] as? [String: Any] ?? [:]
                    for timing in ["seconds", "steps_per_second"] { metrics[timing] = nil }
                    return metrics as NSDictionary
                }
            }
            XCTAssertEqual(try metrics(cachedFolder), try metrics(freshFolder), "edit \(number)")
            let report = try String(contentsOf: cachedFolder.appendingPathComponent("report.html"), encoding: .utf8)
            XCTAssertFalse(report.contains("Nothing was recorded"), "edit \(number)")
            let verified = try LabBookBinary.run(["verify", "cached"], in: folder, environment: environment)
            XCTAssertEqual(verified.status, 0, "edit \(number): " + verified.standardOutput + verified.standardError)
        }
    }

    /// Prose added above the blocks moves them without changing their keys: the blocks come from the
    /// cache, recorded at the lines where they stand now, and the report shows each where it is.
    func testProseThatMovesBlocksKeepsThemCachedAtTheirNewLines() throws {
        let folder = try makeTemporaryFolder(self)
        let notebook = RunFolderFixtures.spiralNotebook()
        try Data(notebook.utf8).write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        let moved = notebook.replacingOccurrences(of: "Prose.", with: "Prose.\n\nTwo more\nlines of *prose*.")
        try Data(moved.utf8).write(to: folder.appendingPathComponent("nb.md"))
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "out", "--quiet"], in: folder).status, 0)
        XCTAssertEqual(try LabBookBinary.run(["run", "nb.md", "-o", "fresh", "--quiet", "--no-cache"], in: folder).status, 0)
        let out = folder.appendingPathComponent("out")
        XCTAssertEqual(try Fixtures.statuses(out), ["cached", "cached", "cached"])
        func lines(_ url: URL) throws -> [[Int]] {
            try (Fixtures.record(url)["blocks"] as? [[String: Any]] ?? []).map {
                [$0["line"] as? Int ?? 0, $0["last_line"] as? Int ?? 0]
            }
        }
        XCTAssertEqual(try lines(out), try lines(folder.appendingPathComponent("fresh")))
        let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssert(report.contains("<em>prose</em>"), "the new prose is rendered")
        XCTAssertEqual(report.components(separatedBy: "dataset: spiral").count - 1, 1, "the data block's source, once")
    }
}
