import Crypto
import Foundation
import XCTest

/// Small notebooks and data files for the run-folder and cache tests.
enum RunFolderFixtures {
    /// A spiral notebook that trains in a fraction of a second; `extra` is appended as more blocks.
    static func spiralNotebook(steps: Int = 40, extra: String = "") -> String {
        """
        ---
        title: Fixture
        seed: 3
        params:
          steps: \(steps)
        ---

        Prose.

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

        ```{train}
        steps: ${steps}
        batch_size: 30
        log_every: 10
        ```
        \(extra)
        """
    }

    /// An MNIST-layout notebook reading `path` (see `writeTinyMNIST`).
    static func mnistNotebook(path: String = "data", extra: String = "") -> String {
        """
        ---
        seed: 2
        ---

        ```{data}
        dataset: mnist
        path: \(path)
        normalize: scale
        ```

        ```{network}
        layers:
          - dense: 8
          - dense: 10
        ```

        ```{train}
        steps: 20
        batch_size: 10
        log_every: 5
        ```

        ```{evaluate}
        split: test
        ```
        \(extra)
        """
    }

    static let mnistFiles = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    /// Four IDX files of 4x4 images (40 training, 20 test) whose labels follow their brightest pixel.
    static func writeTinyMNIST(into folder: URL, seed: UInt8 = 1) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func header(_ magic: UInt32, _ dimensions: [UInt32]) -> [UInt8] {
            ([magic] + dimensions).flatMap { value in (0..<4).reversed().map { UInt8((value >> (8 * $0)) & 0xFF) } }
        }
        var state = UInt32(seed) &* 2_654_435_761
        func next() -> UInt8 {
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(state >> 24)
        }
        for (prefix, count) in [("train", 40), ("t10k", 20)] {
            var images: [UInt8] = [], labels: [UInt8] = []
            for _ in 0..<count {
                let pixels = (0..<16).map { _ in next() }
                images += pixels
                labels.append(UInt8(pixels.indices.max { pixels[$0] < pixels[$1] }! % 10))
            }
            try Data(header(0x0803, [UInt32(count), 4, 4]) + images)
                .write(to: folder.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
            try Data(header(0x0801, [UInt32(count)]) + labels)
                .write(to: folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
        }
    }

    /// Every file below `folder` (hidden ones left out) by relative path, with its bytes.
    static func snapshot(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey],
                                                        options: [.skipsHiddenFiles])
        while let url = enumerator?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))
            files[relative] = try Data(contentsOf: url)
        }
        return files
    }

    static func record(_ folder: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: folder.appendingPathComponent("run.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func statuses(_ folder: URL) throws -> [String] {
        (try record(folder)["blocks"] as? [[String: Any]])?.compactMap { $0["status"] as? String } ?? []
    }

    /// Checks that `folder` holds one whole run: run.json parses, and every file it lists is there
    /// with the SHA-256 it lists, and the report exists.
    static func isWholeRun(_ folder: URL) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("run.json").path),
              let record = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let files = record["files"] as? [[String: String]], !files.isEmpty,
              FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.html").path) else { return false }
        for file in files {
            guard let path = file["path"], let hash = file["sha256"],
                  let bytes = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path),
                  sha256Hex(bytes) == hash else { return false }
        }
        return true
    }
}

func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
