import FileFormats
import Foundation
import Report
import XCTest

/// `labbook predict` through the built binary: networks trained by notebooks on a CSV table and on a
/// folder of PNG images classify new rows and pictures of other sizes, from the run folder and from
/// a checkpoint alone; the output's forms; and every mistake with its exit status.
final class PredictCommandTests: XCTestCase {
    // MARK: Fixtures

    /// Trains the fruit notebook (UserDataNotebookTests') in `folder`, into `out/`, with `extra` blocks after it.
    func trainFruit(in folder: URL, extra: String = "", output: String = "out", noCache: Bool = false) throws {
        try UserDataNotebookTests.fruitTable(rows: 300, seed: 1)
            .write(to: folder.appendingPathComponent("fruit.csv"), atomically: true, encoding: .utf8)
        let text = UserDataNotebookTests.notebook(data: UserDataNotebookTests.fruitData) + extra
        try text.write(to: folder.appendingPathComponent("fruit.md"), atomically: true, encoding: .utf8)
        let result = try LabBookBinary.run(["run", "fruit.md", "-o", output, "--quiet"] + (noCache ? ["--no-cache"] : []),
                                           in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
    }

    /// New fruit to classify: the columns in another order, no label column, one of each kind
    /// clearly (a light short plum, a heavy long melon, an apple in between).
    static let newFruit = "origin,length_cm,\"weight, g\"\r\nnorth,5.1,58\r\nsouth,19,940\r\neast,8.2,176\r\n"

    static func parseJSON(_ text: String) throws -> [[String: Any]] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], text)
    }

    /// The names of the files in `folder` and below, with their sizes: to check that predicting writes nothing.
    static func listing(_ folder: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey])
        return (enumerator?.allObjects as? [URL] ?? []).map { url in
            let size = (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? -1
            return url.path.replacingOccurrences(of: folder.path, with: "") + " \(size)"
        }.sorted()
    }

    // MARK: Tables

    func testATableNetworkClassifiesNewRowsFromTheRunFolderAndFromItsCheckpointAlone() throws {
        let folder = try makeTemporaryFolder(self)
        try trainFruit(in: folder)
        try Self.newFruit.write(to: folder.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        let before = Self.listing(folder)

        let result = try LabBookBinary.run(["predict", "out", "new.csv"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardError, "")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, result.standardOutput)
        for (line, (name, kind)) in zip(lines, [("new.csv:2", "plum"), ("new.csv:3", "melon"), ("new.csv:4", "apple")]) {
            XCTAssert(line.hasPrefix("\(name): \(kind) "), "\(line) should say \(kind) first")
            XCTAssertEqual(line.components(separatedBy: "%").count - 1, 3, "three classes by default: \(line)")
        }

        let json = try LabBookBinary.run(["predict", "out", "new.csv", "--json"], in: folder)
        XCTAssertEqual(json.status, 0, json.standardError)
        let entries = try Self.parseJSON(json.standardOutput)
        XCTAssertEqual(entries.map { $0["input"] as? String }, ["new.csv:2", "new.csv:3", "new.csv:4"])
        for entry in entries {
            let predictions = try XCTUnwrap(entry["predictions"] as? [[String: Any]])
            XCTAssertEqual(Set(predictions.compactMap { $0["class"] as? String }), ["apple", "melon", "plum"])
            let probabilities = predictions.compactMap { $0["probability"] as? Double }
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-6)
            XCTAssertEqual(probabilities, probabilities.sorted(by: >), "most probable first")
            XCTAssertGreaterThan(probabilities[0], 0.9, "clear examples are clearly classified")
        }

        let two = try LabBookBinary.run(["predict", "out", "new.csv", "--top", "2"], in: folder)
        XCTAssertEqual(two.status, 0, two.standardError)
        for line in two.standardOutput.split(separator: "\n") {
            XCTAssertEqual(line.components(separatedBy: "%").count - 1, 2, String(line))
        }
        // More than there are classes is all of them.
        let many = try Self.parseJSON(try LabBookBinary.run(["predict", "out", "new.csv", "--json", "--top", "9"],
                                                           in: folder).standardOutput)
        XCTAssertEqual((many[0]["predictions"] as? [Any])?.count, 3)
        XCTAssertEqual(Self.listing(folder), before, "predict writes nothing")

        // The checkpoint alone, away from its run folder, gives the same output.
        let elsewhere = try makeTemporaryFolder(self)
        let copy = elsewhere.appendingPathComponent("fruit-net.safetensors")
        try FileManager.default.copyItem(at: folder.appendingPathComponent("out/model.safetensors"), to: copy)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("out"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("fruit.csv"))
        let alone = try LabBookBinary.run(["predict", copy.path, "new.csv"], in: folder)
        XCTAssertEqual(alone.status, 0, alone.standardError)
        XCTAssertEqual(alone.standardOutput, result.standardOutput)
        let aloneJSON = try LabBookBinary.run(["predict", copy.path, "new.csv", "--json"], in: folder)
        XCTAssertEqual(aloneJSON.standardOutput, json.standardOutput)
    }

    /// A {checkpoint} block added after blocks that come from the cache writes the same bytes as a
    /// run without the cache (it loads the cached {data} block to describe the data), and a run
    /// folder without model.safetensors predicts with the last checkpoint its run.json lists.
    func testACheckpointAfterCachedBlocksMatchesAnUncachedRunAndServesPrediction() throws {
        let folder = try makeTemporaryFolder(self)
        let network = """

            ```{network}
            layers:
              - dense: 5
              - dense: 3
            ```

            ```{checkpoint}
            name: untrained
            ```

            """
        try trainFruit(in: folder)
        try trainFruit(in: folder, extra: "\n```{checkpoint}\nname: final\n```\n")
        try trainFruit(in: folder, extra: "\n```{checkpoint}\nname: final\n```\n", output: "fresh", noCache: true)
        let cached = try Data(contentsOf: folder.appendingPathComponent("out/final.safetensors"))
        let fresh = try Data(contentsOf: folder.appendingPathComponent("fresh/final.safetensors"))
        XCTAssertEqual(cached, fresh, "the checkpoint written after cached blocks is the uncached run's")
        XCTAssertNotNil(try Checkpoint.decode(Array(cached)).input)

        // A second network, saved but never trained: model.safetensors is the first network's, so
        // a folder of this notebook's run without it predicts with untrained.safetensors.
        try trainFruit(in: folder, extra: network, output: "second")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("second/model.safetensors"))
        try Self.newFruit.write(to: folder.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        let fromFolder = try LabBookBinary.run(["predict", "second", "new.csv", "--json"], in: folder)
        XCTAssertEqual(fromFolder.status, 0, fromFolder.standardError)
        let fromFile = try LabBookBinary.run(["predict", "second/untrained.safetensors", "new.csv", "--json"], in: folder)
        XCTAssertEqual(fromFolder.standardOutput, fromFile.standardOutput)
    }

    // MARK: Images

    /// A 12x12 RGB picture of `colour` (0 red, 1 green, 2 blue): dark noise with a square of side 6
    /// of the colour at a random place, as PNG.
    static func picture(colour: Int, side: Int = 12, square: Int = 6, next: () -> Int) -> [UInt8] {
        let (top, left) = (next() % (side - square + 1), next() % (side - square + 1))
        var pixels: [UInt8] = []
        for y in 0..<side {
            for x in 0..<side {
                let inSquare = (top..<(top + square)).contains(y) && (left..<(left + square)).contains(x)
                for channel in 0..<3 {
                    pixels.append(inSquare ? (channel == colour ? 240 : 20) : UInt8(next() % 64))
                }
            }
        }
        return PNG.encode(width: side, height: side, colorType: .rgb, pixels: pixels)
    }

    static let colours = ["red", "green", "blue"]

    /// Trains a small convolutional network on a folder of PNG pictures of three colours into `out/`.
    func trainPictures(in folder: URL) throws {
        var state: UInt32 = 7
        func next() -> Int {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int(state >> 8)
        }
        for (colour, name) in Self.colours.enumerated() {
            let classFolder = folder.appendingPathComponent("pictures/\(name)")
            try FileManager.default.createDirectory(at: classFolder, withIntermediateDirectories: true)
            for index in 0..<30 {
                try Data(Self.picture(colour: colour, next: next))
                    .write(to: classFolder.appendingPathComponent("\(index).png"))
            }
        }
        let text = """
            ---
            seed: 3
            ---

            ```{data}
            dataset: image-folder
            path: pictures
            test_fraction: 0.2
            normalize: scale
            ```

            ```{network}
            layers:
              - conv2d: 8
              - max_pool: 2
              - conv2d: 8
                padding: same
              - global_avg_pool
              - dense: 3
            init: he
            ```

            ```{train}
            steps: 150
            batch_size: 24
            optimizer: adam
            learning_rate: 0.01
            ```

            ```{evaluate}
            split: test
            ```

            """
        try text.write(to: folder.appendingPathComponent("pictures.md"), atomically: true, encoding: .utf8)
        let result = try LabBookBinary.run(["run", "pictures.md", "-o", "out", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
    }

    func testAnImageNetworkClassifiesPicturesOfAnySizeFromTheRunFolderAndFromItsCheckpointAlone() throws {
        let folder = try makeTemporaryFolder(self)
        try trainPictures(in: folder)
        // A large red picture, a small green one and a blue one of the training size named as
        // something else: each is told by its bytes and resized as needed.
        var state: UInt32 = 99
        func next() -> Int {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int(state >> 8)
        }
        let files = [("big-red.png", Self.picture(colour: 0, side: 40, square: 24, next: next)),
                     ("small-green.png", Self.picture(colour: 1, side: 7, square: 5, next: next)),
                     ("blue.bin", Self.picture(colour: 2, next: next))]
        for (name, bytes) in files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        let names = files.map(\.0)

        let result = try LabBookBinary.run(["predict", "out"] + names, in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, result.standardOutput)
        for (line, (name, colour)) in zip(lines, zip(names, Self.colours)) {
            XCTAssert(line.hasPrefix("\(name): \(colour) "), "\(line) should say \(colour) first")
        }
        let json = try LabBookBinary.run(["predict", "out", "--json", "--top", "2"] + names, in: folder)
        XCTAssertEqual(json.status, 0, json.standardError)
        let entries = try Self.parseJSON(json.standardOutput)
        XCTAssertEqual(entries.compactMap { $0["input"] as? String }, names)
        XCTAssertEqual(entries.compactMap { ($0["predictions"] as? [Any])?.count }, [2, 2, 2])
        let all = try Self.parseJSON(try LabBookBinary.run(["predict", "out", "--json"] + names, in: folder).standardOutput)
        for entry in all {
            let probabilities = (entry["predictions"] as? [[String: Any]] ?? []).compactMap { $0["probability"] as? Double }
            XCTAssertEqual(probabilities.count, 3)
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-6)
        }

        let elsewhere = try makeTemporaryFolder(self)
        let copy = elsewhere.appendingPathComponent("colours.safetensors")
        try FileManager.default.copyItem(at: folder.appendingPathComponent("out/model.safetensors"), to: copy)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("out"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("pictures"))
        let alone = try LabBookBinary.run(["predict", copy.path] + names, in: folder)
        XCTAssertEqual(alone.status, 0, alone.standardError)
        XCTAssertEqual(alone.standardOutput, result.standardOutput)
    }

    // MARK: Mistakes

    func testMistakesAreNamedWithTheirExitStatus() throws {
        let folder = try makeTemporaryFolder(self)
        try trainFruit(in: folder)
        try Self.newFruit.write(to: folder.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        func run(_ arguments: [String]) throws -> CommandResult {
            let result = try LabBookBinary.run(["predict"] + arguments, in: folder)
            XCTAssertEqual(result.standardOutput, "", "nothing is printed when something is wrong: \(arguments)")
            return result
        }

        // Usage errors: exit status 2.
        let noFile = try run(["out"])
        XCTAssertEqual(noFile.status, 2)
        XCTAssertEqual(noFile.standardError, "labbook: error: predict needs at least one file to classify after out\n")
        let topZero = try run(["out", "new.csv", "--top", "0"])
        XCTAssertEqual(topZero.status, 2)
        XCTAssertEqual(topZero.standardError, "labbook: error: --top must be at least 1, not 0\n")
        XCTAssertEqual(try run(["out", "new.csv", "--tpo", "2"]).status, 2)
        XCTAssertEqual(try run([]).status, 2)

        // The target: exit status 1, naming it.
        let missing = try run(["runs/nothing", "new.csv"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.standardError, "labbook: error: runs/nothing: no such run folder or checkpoint\n")
        let notCheckpoint = try run(["new.csv", "new.csv"])
        XCTAssertEqual(notCheckpoint.status, 1)
        XCTAssert(notCheckpoint.standardError.hasPrefix("labbook: error: new.csv: not a LabBook checkpoint: "),
                  notCheckpoint.standardError)
        // A checkpoint as LabBook 0.6.0 wrote it, without the description of its data.
        let file = try Safetensors.decode(Array(try Data(contentsOf: folder.appendingPathComponent("out/model.safetensors"))))
        let tensors = try file.names.filter { !$0.hasPrefix("Input/") }.map { name in
            let info = try file.info(name)
            return try SafetensorsTensor(name: name, dtype: info.dtype, shape: info.shape, bytes: Array(try file.data(name)))
        }
        try Data(try Safetensors.encode(tensors: tensors, metadata: file.metadata.filter { $0.key != "input" }))
            .write(to: folder.appendingPathComponent("old.safetensors"))
        let old = try run(["old.safetensors", "new.csv"])
        XCTAssertEqual(old.status, 1)
        XCTAssertEqual(old.standardError, "labbook: error: old.safetensors: the checkpoint does not describe its data "
                       + "(written by a LabBook before 0.7.0, or before any {data} block); rerun the notebook\n")

        // The files: every one that is wrong is named, exit status 1.
        try Data([0x00, 0x01, 0x02, 0xFF]).write(to: folder.appendingPathComponent("junk.dat"))
        try "\"weight, g\",length_cm,origin\n60,5,north\n70,x,south\n".write(
            to: folder.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        try "weight,length_cm,origin\n60,5,north\n".write(
            to: folder.appendingPathComponent("renamed.csv"), atomically: true, encoding: .utf8)
        try Data(PNG.encode(width: 2, height: 2, colorType: .grayscale, pixels: [1, 2, 3, 4]))
            .write(to: folder.appendingPathComponent("photo.png"))
        let files = try run(["out", "new.csv", "junk.dat", "bad.csv", "renamed.csv", "photo.png", "absent.csv"])
        XCTAssertEqual(files.status, 1)
        let errors = files.standardError.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors.count, 5, files.standardError)
        XCTAssertEqual(errors[0], "labbook: error: junk.dat: is not a PNG or JPEG image, a CSV table or an .npy array "
                       + "(it starts with the bytes 00 01 02 FF)")
        XCTAssertEqual(errors[1], "labbook: error: bad.csv:3: column 'length_cm': 'x' is not a number")
        XCTAssert(errors[2].hasPrefix("labbook: error: renamed.csv:1: ") && errors[2].contains("weight, g"), errors[2])
        XCTAssert(errors[3].hasPrefix("labbook: error: photo.png: is a PNG image, but the network classifies rows of "
                                      + "5 features (csv data); give a CSV table"), errors[3])
        XCTAssertEqual(errors[4], "labbook: error: absent.csv: no such file")
    }
}
