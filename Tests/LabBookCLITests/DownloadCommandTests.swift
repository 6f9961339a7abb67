import Crypto
import Foundation
import XCTest

/// Missing datasets downloaded by `labbook run` and `labbook fetch`, against a mirror served on
/// 127.0.0.1 by python3's http.server, with HOME pointed at a fresh folder.
final class DownloadCommandTests: XCTestCase {
    private var folder: URL!
    private var home: URL!
    private var served: URL!
    private var port = 0

    /// A notebook whose {data} block, on line 1, names no path.
    private let notebook = """
        ```{data}
        dataset: mnist
        ```

        ```{network}
        layers:
          - dense: 10
        ```

        ```{train}
        steps: 2
        batch_size: 3
        ```

        ```{evaluate}
        ```
        """

    /// MNIST's four files in miniature: 3 training and 2 test images of 2x2 pixels. They are plain IDX
    /// under the `.gz` names, which the loader accepts, judging by content.
    private let mnistFiles: [(name: String, bytes: [UInt8])] = [
        ("train-images-idx3-ubyte.gz", [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2] + Array(0..<12)),
        ("train-labels-idx1-ubyte.gz", [0, 0, 8, 1, 0, 0, 0, 3, 4, 2, 9]),
        ("t10k-images-idx3-ubyte.gz", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2] + Array(20..<28)),
        ("t10k-labels-idx1-ubyte.gz", [0, 0, 8, 1, 0, 0, 0, 2, 1, 0]),
    ]

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder(self)
        home = folder.appendingPathComponent("home")
        served = folder.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served.appendingPathComponent("mnist"),
                                                withIntermediateDirectories: true)
        for file in mnistFiles {
            try Data(file.bytes).write(to: served.appendingPathComponent("mnist/" + file.name))
        }
        try Data(notebook.utf8).write(to: folder.appendingPathComponent("nb.md"))
        port = try startServer(served)
    }

    /// Starts `python3 -m http.server` on a free port of 127.0.0.1; it is stopped when the test ends.
    private func startServer(_ root: URL) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
        }
        var text = ""
        while !text.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let words = text.split(separator: " ")
        guard let index = words.firstIndex(of: "port"), index + 1 < words.count, let port = Int(words[index + 1]) else {
            throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey:
                                                             "python3 -m http.server did not start: \(text)"])
        }
        return port
    }

    private var mirror: String { "http://127.0.0.1:\(port)/" }
    private var cacheRoot: URL { home.appendingPathComponent(".cache/labbook/datasets") }

    /// A manifest that lists the served files with their own checksums, as a mirror of its own would.
    private func writeManifest() throws -> String {
        let entries = mnistFiles.map { file in
            ["url": mirror + "mnist/" + file.name,
             "md5": Insecure.MD5.hash(data: file.bytes).map { String(format: "%02x", $0) }.joined()]
        }
        let path = folder.appendingPathComponent("manifest.json").path
        try JSONSerialization.data(withJSONObject: ["mnist": entries]).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func run(_ arguments: [String], _ environment: [String: String]) throws -> CommandResult {
        try LabBookBinary.run(arguments, in: folder, environment: ["HOME": home.path].merging(environment) { $1 })
    }

    private func cacheEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: cacheRoot.path).sorted()
    }

    func testRunRejectsACorruptMirrorCopyAndLeavesNothingBehind() throws {
        // The mirror's files are not the official ones, so the official checksums reject them.
        let result = try run(["run", "nb.md", "-o", "out"], ["LABBOOK_DATA_MIRROR": mirror])
        XCTAssertEqual(result.status, 1, result.standardError)
        let error = result.standardError
        XCTAssert(error.contains("nb.md:1: error: no mnist data: searched \(cacheRoot.path)/mnist; downloading "
                                 + "\(mirror)mnist/train-images-idx3-ubyte.gz failed: checksum mismatch: expected md5 "
                                 + "f68b3c2dcbeaaa9fbdd348bbdeb94873"), error)
        XCTAssert(error.contains("Get it with: labbook fetch mnist, or by hand: mkdir -p \(cacheRoot.path)/mnist"), error)
        XCTAssertEqual(try cacheEntries(), [], "no file and no staging folder is left")
    }

    func testRunDownloadsMissingDataFromAMirrorWithItsOwnManifest() throws {
        let manifest = try writeManifest()
        let result = try run(["run", "nb.md", "-o", "out"], ["LABBOOK_DATA_MANIFEST": manifest])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssert(result.standardError.contains("No mnist data on this machine: downloading it into \(cacheRoot.path)"),
                  result.standardError)
        XCTAssert(result.standardError.contains("Downloading \(mirror)mnist/t10k-labels-idx1-ubyte.gz"), result.standardError)
        XCTAssert(result.standardError.contains("t10k-labels-idx1-ubyte.gz: done, 0.0 kB in "), result.standardError)
        XCTAssertEqual(try cacheEntries(), ["mnist"])
        let record = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("out/run.json"))) as? [String: Any]
        let data = ((record?["blocks"] as? [[String: Any]])?.first?["metrics"] as? [String: Any])
        XCTAssertEqual(data?["train_examples"] as? Int, 3)
        XCTAssertEqual(data?["test_examples"] as? Int, 2)

        // The second run finds the cached copy, even offline.
        let again = try run(["run", "nb.md", "-o", "out2", "--no-cache"], ["LABBOOK_OFFLINE": "1"])
        XCTAssertEqual(again.status, 0, again.standardError)
        XCTAssertFalse(again.standardError.contains("Downloading"), again.standardError)
    }

    func testOfflineRunSaysWhereItLookedAndDoesNotDownload() throws {
        let result = try run(["run", "nb.md", "-o", "out"], ["LABBOOK_OFFLINE": "1", "LABBOOK_DATA_MIRROR": mirror])
        XCTAssertEqual(result.status, 1)
        XCTAssert(result.standardError.contains("nb.md:1: error: no mnist data: searched \(cacheRoot.path)/mnist; it was "
                                                + "not downloaded because LABBOOK_OFFLINE is set. To get it, unset "
                                                + "LABBOOK_OFFLINE and run: labbook fetch mnist"),
                  result.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cacheRoot.path))

        // `labbook fetch` offline does not tell the user to run itself again.
        let fetch = try run(["fetch", "mnist"], ["LABBOOK_OFFLINE": "1"])
        XCTAssertEqual(fetch.status, 1)
        XCTAssertFalse(fetch.standardError.contains("Get it with: labbook fetch mnist"), fetch.standardError)
        XCTAssert(fetch.standardError.contains("unset LABBOOK_OFFLINE and run: labbook fetch mnist"), fetch.standardError)
    }

    func testCheckNeverDownloads() throws {
        let result = try run(["check", "nb.md"], ["LABBOOK_DATA_MIRROR": mirror])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cacheRoot.path))
    }

    func testFetchDownloadsOnceAndReplacesOnlyWithForce() throws {
        let environment = ["LABBOOK_DATA_MANIFEST": try writeManifest()]
        let first = try run(["fetch", "mnist", "--quiet"], environment)
        XCTAssertEqual(first.status, 0, first.standardError)
        XCTAssertEqual(first.standardOutput, "mnist is in \(cacheRoot.path)/mnist\n")
        XCTAssertEqual(first.standardError, "")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cacheRoot.path + "/mnist").sorted(),
                       mnistFiles.map(\.name).sorted())

        let second = try run(["fetch", "mnist"], environment)
        XCTAssertEqual(second.standardOutput, "mnist is already in \(cacheRoot.path)/mnist\n")

        let forced = try run(["fetch", "mnist", "--force"], environment)
        XCTAssertEqual(forced.status, 0, forced.standardError)
        XCTAssertEqual(forced.standardOutput, "mnist is in \(cacheRoot.path)/mnist\n")
        XCTAssertEqual(try cacheEntries(), ["mnist"])

        let corrupt = try run(["fetch", "mnist", "--force"], ["LABBOOK_DATA_MIRROR": mirror])
        XCTAssertEqual(corrupt.status, 1)
        XCTAssert(corrupt.standardError.contains("labbook: error: downloading \(mirror)mnist/train-images-idx3-ubyte.gz "
                                                 + "failed: checksum mismatch"), corrupt.standardError)
        XCTAssertEqual(try cacheEntries(), ["mnist"], "the copy in the cache is kept")
    }
}
