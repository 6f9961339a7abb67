import FileFormats
import Foundation
import NeuralNet
import XCTest

/// Convolutional networks in notebooks, through the built binary: what `labbook check` says about
/// layer lists that can not work, and a small CNN on a tiny CIFAR-10 that runs, reports, verifies,
/// gives the same bits on one core and two, and resumes from its checkpoint bit-identically.
final class ConvolutionalNotebookTests: XCTestCase {
    // MARK: Fixtures

    /// A CIFAR-10 binary folder (`cifar-10-batches-bin/`) of `perBatch` images in each of the five
    /// training files and `test` in the test file. Each image is dark noise with one bright 10x10
    /// square of its class's colour at a random place, so a small convolutional network (whose
    /// global pooling ignores where the square is, and whose flips and crops keep its colour) can
    /// learn the classes in a few dozen steps.
    static func writeTinyCIFAR10(into folder: URL, perBatch: Int = 48, test: Int = 100, seed: UInt32 = 1) throws {
        let batches = folder.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: batches, withIntermediateDirectories: true)
        let colours: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [255, 0, 255],
                                  [0, 255, 255], [255, 255, 255], [255, 128, 0], [128, 0, 255], [0, 128, 128]]
        var state = seed &* 2_654_435_761 | 1
        func next(_ bound: Int) -> Int {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int(state >> 8) % bound
        }
        func records(_ count: Int) -> Data {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count * 3073)
            for _ in 0..<count {
                let label = next(10)
                let (top, left) = (next(23), next(23))
                bytes.append(UInt8(label))
                // Planar: the 1024 red bytes, then green, then blue, rows top to bottom.
                for channel in 0..<3 {
                    for y in 0..<32 {
                        for x in 0..<32 {
                            let inSquare = (top..<(top + 10)).contains(y) && (left..<(left + 10)).contains(x)
                            bytes.append(inSquare ? colours[label][channel] : UInt8(next(64)))
                        }
                    }
                }
            }
            return Data(bytes)
        }
        for index in 1...5 {
            try records(perBatch).write(to: batches.appendingPathComponent("data_batch_\(index).bin"))
        }
        try records(test).write(to: batches.appendingPathComponent("test_batch.bin"))
    }

    /// The layers of the small CNN the run tests train: image in, ten logits out.
    static let cnnLayers = """
          - conv2d: 8
          - batch_norm
          - max_pool: 2
          - dropout: 0.25
          - conv2d: 8
            padding: same
          - global_avg_pool
          - dense: 10
        """

    /// A notebook reading the tiny CIFAR-10 in `data/` (a {data} block at lines 5-9), then a
    /// {network} at line 11 whose `layers:` items start at line 13, then `init: he`, then a {train}
    /// of `train` and the blocks in `extra`. `data` replaces the {data} block's body.
    static func notebook(layers: String = cnnLayers, train: String = "steps: 5\nbatch_size: 32",
                         data: String = "dataset: cifar10\npath: data\nnormalize: scale",
                         extra: String = "") -> String {
        """
        ---
        seed: 1
        ---

        ```{data}
        \(data)
        ```

        ```{network}
        layers:
        \(layers)
        init: he
        ```

        ```{train}
        \(train)
        ```
        \(extra)
        """
    }

    /// Runs `labbook check` on `text` saved as `cnn.md` and returns what it printed to standard error,
    /// asserting the exit status and that nothing went to standard output.
    func check(_ text: String, status: Int32 = 1, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let folder = try makeTemporaryFolder(self)
        try Data(text.utf8).write(to: folder.appendingPathComponent("cnn.md"))
        let result = try LabBookBinary.run(["check", "cnn.md"], in: folder)
        XCTAssertEqual(result.status, status, result.standardError, file: file, line: line)
        return status == 0 ? result.standardOutput : result.standardError
    }

    /// The one error `text` has, as `labbook check` prints it, followed by its count line.
    func assertCheckError(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try check(text, file: file, line: line), expected + "\n1 error in cnn.md\n", file: file, line: line)
    }

    // MARK: labbook check

    /// The notebook the error tests change one thing in is itself valid, so each error below is the
    /// one thing changed.
    func testTheBaseNotebooksAreValid() throws {
        XCTAssertEqual(try check(Self.notebook(), status: 0), "cnn.md: ok (3 blocks)\n")
        XCTAssertEqual(try check(Self.notebook(layers: "  - dense: 12\n  - dense: 3", data: "dataset: spiral"), status: 0),
                       "cnn.md: ok (3 blocks)\n")
    }

    func testAKernelLargerThanItsInputAfterPooling() throws {
        // 32 -> conv 30 -> pool 7 -> conv 5 -> pool 1: the third conv2d's 3x3 kernel has a 1x1 image.
        try assertCheckError(Self.notebook(layers: """
              - conv2d: 8
              - max_pool: 4
              - conv2d: 8
              - max_pool: 4
              - conv2d: 8
              - flatten
              - dense: 10
            """), "cnn.md:17:5: error: kernel 3 is larger than its 1x1 input")
        // The same with the kernel written out, on the 7x7 image of the first pooling.
        try assertCheckError(Self.notebook(layers: """
              - conv2d: 8
              - max_pool: 4
              - conv2d: 8
                kernel: 9
              - flatten
              - dense: 10
            """), "cnn.md:15:5: error: kernel 9 is larger than its 7x7 input")
    }

    func testAPoolingWindowLargerThanItsInputPoolsToNothing() throws {
        try assertCheckError(Self.notebook(layers: """
              - conv2d: 8
              - max_pool: 2
              - max_pool: 16
              - flatten
              - dense: 10
            """), "cnn.md:15:5: error: max_pool 16 on a 15x15 input pools to nothing")
        try assertCheckError(Self.notebook(layers: """
              - avg_pool: 33
              - flatten
              - dense: 10
            """), "cnn.md:13:5: error: avg_pool 33 on a 32x32 input pools to nothing")
    }

    func testConvolutionsNeedImages() throws {
        // The spiral's {data} block is lines 5-7, so the network's layers start at line 11.
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - flatten\n  - dense: 3", data: "dataset: spiral"),
                             "cnn.md:11:5: error: a conv2d layer needs image-shaped input [height, width, channels], "
                             + "but it gets [2] (spiral, line 5, is not images)")
        // An image network whose dense layer comes before its convolution: the conv2d gets a vector.
        try assertCheckError(Self.notebook(layers: "  - dense: 64\n  - conv2d: 8\n  - flatten\n  - dense: 10"),
                             "cnn.md:14:5: error: a conv2d layer needs image-shaped input [height, width, channels], "
                             + "but it gets [64]")
    }

    func testDropoutRatesOfOneAndMoreAreRefused() throws {
        let layers = { (rate: String) in "  - conv2d: 8\n  - dropout: \(rate)\n  - global_avg_pool\n  - dense: 10" }
        try assertCheckError(Self.notebook(layers: layers("1")),
                             "cnn.md:14:14: error: 'dropout' is 1.0, but must be at least 0.0 and below 1.0")
        try assertCheckError(Self.notebook(layers: layers("1.5")),
                             "cnn.md:14:14: error: 'dropout' is 1.5, but must be at least 0.0 and below 1.0")
        try assertCheckError(Self.notebook(layers: layers("-0.5")),
                             "cnn.md:14:14: error: 'dropout' is -0.5, but must be at least 0.0 and below 1.0")
        XCTAssertEqual(try check(Self.notebook(layers: layers("0.999")), status: 0), "cnn.md: ok (3 blocks)\n")
    }

    func testBatchNormMustFollowAConvolutionOrDenseLayer() throws {
        try assertCheckError(Self.notebook(layers: "  - batch_norm\n  - conv2d: 8\n  - global_avg_pool\n  - dense: 10"),
                             "cnn.md:13:5: error: batch_norm cannot be the first layer: "
                             + "it normalizes the output of a conv2d or dense layer")
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - max_pool: 2\n  - batch_norm\n  - global_avg_pool\n  - dense: 10"),
                             "cnn.md:15:5: error: batch_norm must follow a conv2d or dense layer, not max_pool")
        // Its settings, nested or beside it, are read; a bare value is not a setting.
        let nested = "  - conv2d: 8\n  - batch_norm: {momentum: 0.9, epsilon: 0.01}\n  - global_avg_pool\n  - dense: 10"
        XCTAssertEqual(try check(Self.notebook(layers: nested), status: 0), "cnn.md: ok (3 blocks)\n")
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - batch_norm: {momentum: 2}\n  - global_avg_pool\n  - dense: 10"),
                             "cnn.md:14:28: error: 'momentum' is 2.0, but must be at least 0.0 and at most 1.0")
    }

    func testUnknownLayerKindsAreNamedWithTheClosestKind() throws {
        let kinds = "dense, conv2d, max_pool, avg_pool, global_avg_pool, flatten, dropout, batch_norm"
        // A bare word.
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - maxpool\n  - flatten\n  - dense: 10"),
                             "cnn.md:14:5: error: 'maxpool' is not a layer kind (choose from \(kinds)); did you mean 'max_pool'?")
        // A kind with its value.
        try assertCheckError(Self.notebook(layers: "  - conv3d: 8\n  - flatten\n  - dense: 10"),
                             "cnn.md:13:5: error: a layer must name its kind (\(kinds)), as in '- dense: 120'; did you mean 'conv2d'?")
        // Nothing close: no suggestion.
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - lstm: 8\n  - flatten\n  - dense: 10"),
                             "cnn.md:14:5: error: a layer must name its kind (\(kinds)), as in '- dense: 120'")
    }

    func testAnItemNamesOneKindAndBareKindsTakeNoValue() throws {
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n    max_pool: 2\n  - flatten\n  - dense: 10"),
                             "cnn.md:13:5: error: a layer names one kind, but this one names conv2d and max_pool")
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - flatten: 3\n  - dense: 10"),
                             "cnn.md:14:14: error: 'flatten' takes no value; write it as a bare word: '- flatten'")
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - global_avg_pool: true\n  - dense: 10"),
                             "cnn.md:14:22: error: 'global_avg_pool' takes no value; write it as a bare word: '- global_avg_pool'")
        // A setting of another kind is an unknown key of this one.
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - max_pool: 2\n    padding: same\n  - flatten\n  - dense: 10"),
                             "cnn.md:15:5: error: unknown key 'padding' in {network}")
    }

    func testTheLastLayerGivesOneValuePerClass() throws {
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - global_avg_pool\n  - dense: 12"),
                             "cnn.md:15:5: error: the last layer has 12 units, but cifar10 (line 5) has 10 classes: "
                             + "the output layer needs one unit per class")
        try assertCheckError(Self.notebook(layers: "  - conv2d: 8\n  - max_pool: 2"),
                             "cnn.md:14:5: error: the last layer has outputs [15, 15, 8] (1800 values), but cifar10 "
                             + "(line 5) has 10 classes: the output layer needs one unit per class")
    }

    func testAugmentNeedsImagesAndACropSmallerThanThem() throws {
        try assertCheckError(Self.notebook(layers: "  - dense: 12\n  - dense: 3", train: "steps: 5\naugment: {flip: true}",
                                           data: "dataset: spiral"),
                             "cnn.md:18:10: error: 'augment' flips and crops images, but spiral (line 5) is not images")
        try assertCheckError(Self.notebook(train: "steps: 5\naugment: {flip: true, crop: 32}"),
                             "cnn.md:26:10: error: 'crop' is 32, but the images are 32x32: crop by less than their side")
        XCTAssertEqual(try check(Self.notebook(train: "steps: 5\naugment: {flip: true, crop: 31}"), status: 0),
                       "cnn.md: ok (3 blocks)\n")
    }

    func testImageChartsNameLayersThatHaveWhatTheyDraw() throws {
        // Layer 7 is the dense output layer, layer 6 the global pooling, layer 3 the max_pool.
        try assertCheckError(Self.notebook(extra: "\n```{plot}\nchart: feature_maps\nlayer: 7\n```\n"),
                             "cnn.md:29:4: error: chart 'feature_maps' shows image-shaped outputs, but layer 7 (dense) outputs [10]")
        try assertCheckError(Self.notebook(extra: "\n```{plot}\nchart: feature_maps\nlayer: 6\n```\n"),
                             "cnn.md:29:4: error: chart 'feature_maps' shows image-shaped outputs, but layer 6 (global_avg_pool) outputs [8]")
        try assertCheckError(Self.notebook(extra: "\n```{plot}\nchart: feature_maps\nlayer: 8\n```\n"),
                             "cnn.md:29:4: error: chart 'feature_maps' asks for layer 8, but the network has 7 layers")
        try assertCheckError(Self.notebook(extra: "\n```{plot}\nchart: weights\nlayer: 3\n```\n"),
                             "cnn.md:29:4: error: chart 'weights' draws the weights of a conv2d layer or of a first dense layer, "
                             + "not of layer 3 (max_pool)")
        let fine = "\n```{plot}\nchart: feature_maps\nlayer: 3\ncount: 2\n```\n\n```{plot}\nchart: weights\nlayer: 5\n```\n"
        XCTAssertEqual(try check(Self.notebook(extra: fine), status: 0), "cnn.md: ok (5 blocks)\n")
    }

    /// Mistakes in how layers are written are all reported together, in order...
    func testEveryMistakeInTheLayerListIsReportedAtOnce() throws {
        let text = Self.notebook(layers: """
              - conv3d: 8
              - conv2d: 8
                max_pool: 2
              - flatten: 3
              - dropout: 1.5
              - dense: 10
            """, train: "steps: 5\naugment: {crop: 65}")
        XCTAssertEqual(try check(text), """
            cnn.md:13:5: error: a layer must name its kind (dense, conv2d, max_pool, avg_pool, global_avg_pool, flatten, dropout, batch_norm), as in '- dense: 120'; did you mean 'conv2d'?
            cnn.md:14:5: error: a layer names one kind, but this one names conv2d and max_pool
            cnn.md:16:14: error: 'flatten' takes no value; write it as a bare word: '- flatten'
            cnn.md:17:14: error: 'dropout' is 1.5, but must be at least 0.0 and below 1.0
            cnn.md:24:17: error: 'crop' is 65, but must be between 0 and 64
            5 errors in cnn.md

            """)
    }

    /// ...and so are layers that do not fit together and the blocks that use them wrongly.
    func testEveryMisfitInANotebookIsReportedAtOnce() throws {
        let text = Self.notebook(layers: """
              - conv2d: 8
              - max_pool: 2
              - batch_norm
              - global_avg_pool
              - dense: 12
            """, train: "steps: 5\naugment: {flip: true, crop: 40}",
            extra: "\n```{evaluate}\nsplit: validation\n```\n\n```{plot}\nchart: weights\nlayer: 2\n```\n")
        XCTAssertEqual(try check(text), """
            cnn.md:15:5: error: batch_norm must follow a conv2d or dense layer, not max_pool
            cnn.md:17:5: error: the last layer has 12 units, but cifar10 (line 5) has 10 classes: the output layer needs one unit per class
            cnn.md:23:10: error: 'crop' is 40, but the images are 32x32: crop by less than their side
            cnn.md:27:8: error: there is no validation split to evaluate: add 'validation: N' to the {data} block at line 5
            cnn.md:30:4: error: chart 'weights' draws the weights of a conv2d layer or of a first dense layer, not of layer 2 (max_pool)
            5 errors in cnn.md

            """)
    }

    // MARK: Running a CNN

    /// The small CNN with two {train} blocks (batch 32 runs on one core, batch 64 is cut in two
    /// halves on machines with two), an evaluation, a checkpoint and the image charts.
    static let cnnRun = notebook(train: """
        steps: 20
        batch_size: 32
        optimizer: adam
        learning_rate: 0.01
        augment: {flip: true, crop: 2}
        log_every: 10
        ```

        ```{train}
        steps: 20
        batch_size: 64
        optimizer: adam
        learning_rate: 0.01
        augment: {flip: true, crop: 2}
        log_every: 10
        """, extra: """

        ```{evaluate}
        ```

        ```{checkpoint}
        name: cnn
        ```

        ```{plot}
        chart: feature_maps
        count: 2
        ```

        ```{plot}
        chart: feature_maps
        layer: 5
        count: 1
        ```

        ```{plot}
        chart: weights
        ```

        ```{plot}
        chart: weights
        layer: 5
        count: 6
        ```
        """)

    /// A folder with the tiny CIFAR-10 in `data/` and `text` as `cnn.md`.
    func makeNotebookFolder(_ text: String) throws -> URL {
        let folder = try makeTemporaryFolder(self)
        try Self.writeTinyCIFAR10(into: folder.appendingPathComponent("data"))
        try Data(text.utf8).write(to: folder.appendingPathComponent("cnn.md"))
        return folder
    }

    func blocks(_ run: URL) throws -> [[String: Any]] {
        try XCTUnwrap(RunFolderFixtures.record(run)["blocks"] as? [[String: Any]])
    }

    func metrics(_ run: URL, _ directive: String) throws -> [[String: Any]] {
        try blocks(run).filter { $0["directive"] as? String == directive }.map { try XCTUnwrap($0["metrics"] as? [String: Any]) }
    }

    func testASmallCNNRunsRecordsItsLayersDrawsItsChartsAndVerifies() throws {
        let folder = try makeNotebookFolder(Self.cnnRun)
        let result = try LabBookBinary.run(["run", "cnn.md", "-o", "run", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.standardError)
        let run = folder.appendingPathComponent("run")
        XCTAssert(try RunFolderFixtures.isWholeRun(run))
        XCTAssertEqual(try RunFolderFixtures.statuses(run), Array(repeating: "ok", count: 10))

        // Every layer with its kind, output shape and parameters, counted by hand: a 3x3 conv2d of 8
        // filters on 3 channels has 3*3*3*8 weights and 8 biases; batch norm keeps gamma, beta and the
        // two moving statistics per channel; the same-padded conv2d reads 8 channels; the dense layer
        // 8 pooled values per class.
        let network = try XCTUnwrap(try metrics(run, "network").first)
        XCTAssertEqual(network["input_shape"] as? [Int], [32, 32, 3])
        let layers = try XCTUnwrap(network["layers"] as? [[String: Any]])
        let expected: [(kind: String, shape: [Int], parameters: Int)] = [
            ("conv2d", [30, 30, 8], 3 * 3 * 3 * 8 + 8),
            ("batch_norm", [30, 30, 8], 4 * 8),
            ("max_pool", [15, 15, 8], 0),
            ("dropout", [15, 15, 8], 0),
            ("conv2d", [15, 15, 8], 3 * 3 * 8 * 8 + 8),
            ("global_avg_pool", [8], 0),
            ("dense", [10], 8 * 10 + 10),
        ]
        XCTAssertEqual(layers.count, expected.count)
        for (index, (layer, want)) in zip(layers, expected).enumerated() {
            XCTAssertEqual(layer["name"] as? String, "Layer\(index + 1)")
            XCTAssertEqual(layer["kind"] as? String, want.kind, "layer \(index + 1)")
            XCTAssertEqual(layer["output_shape"] as? [Int], want.shape, "layer \(index + 1)")
            XCTAssertEqual(layer["outputs"] as? Int, want.shape.reduce(1, *), "layer \(index + 1)")
            XCTAssertEqual(layer["parameters"] as? Int, want.parameters, "layer \(index + 1)")
        }
        XCTAssertEqual(layers.first?["parameters"] as? Int, 224)
        XCTAssertEqual(network["parameters"] as? Int, 224 + 32 + 584 + 90)
        XCTAssertEqual(layers.map { $0["activation"] as? String }, ["relu", "none", "none", "none", "relu", "none", "none"])

        let training = try metrics(run, "train")
        XCTAssertEqual(training.map { $0["batch_size"] as? Int }, [32, 64])
        XCTAssertEqual(training.last?["global_step"] as? Int, 40)
        let evaluation = try XCTUnwrap(try metrics(run, "evaluate").first)
        XCTAssertEqual(evaluation["examples"] as? Int, 100)
        // Colour squares are easy: well above the 10% of guessing after 40 steps.
        XCTAssertGreaterThan(try XCTUnwrap(evaluation["accuracy"] as? Double), 0.3)

        // The checkpoint and the image charts: two feature-map grids (two test images of the first
        // conv2d's 8 maps, one image of the second's), the first conv2d's 8 colour filters, and the
        // second's first 6 filter-and-input tiles.
        let checkpoints = try XCTUnwrap(RunFolderFixtures.record(run)["checkpoints"] as? [[String: String]])
        XCTAssertEqual(Set(checkpoints.compactMap { $0["path"] }), ["cnn.safetensors", "model.safetensors"])
        let report = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        let plots = try metrics(run, "plot")
        XCTAssertEqual(plots.map { $0["title"] as? String },
                       ["Feature maps", "Feature maps of layer 5", "First-layer weights", "Weights of layer 5"])
        for title in ["Feature maps", "Feature maps of layer 5", "First-layer weights", "Weights of layer 5"] {
            XCTAssert(report.contains(">\(title)<"), "the report has the chart '\(title)'")
        }
        func tiles(_ caption: String) -> Int { report.components(separatedBy: ">\(caption)</text>").count - 1 }
        // Both feature-map charts show the first image's 8 maps; only the first shows a second image.
        XCTAssertEqual((1...8).map { tiles("image 1, map \($0)") }, Array(repeating: 2, count: 8))
        XCTAssertEqual((1...8).map { tiles("image 2, map \($0)") }, Array(repeating: 1, count: 8))
        XCTAssertEqual(tiles("image 3, map 1") + tiles("image 1, map 9"), 0)
        XCTAssertEqual((1...8).map { tiles("filter \($0)") }, Array(repeating: 1, count: 8))
        XCTAssertEqual(tiles("filter 9"), 0)
        XCTAssertEqual((1...6).map { tiles("filter 1, input \($0)") }, Array(repeating: 1, count: 6))
        XCTAssertEqual(tiles("filter 1, input 7") + tiles("filter 2, input 1"), 0)

        let verified = try LabBookBinary.run(["verify", "run"], in: folder)
        XCTAssertEqual(verified.status, 0, verified.standardOutput + verified.standardError)
        XCTAssert(verified.standardOutput.hasPrefix("run: bit-identical: 2 checkpoint(s) and 10 blocks' metrics match"),
                  verified.standardOutput)
    }

    /// One core and two write the same bits. LabBook cuts batches of 64 or more in two parts, one per
    /// core, when `UsableProcessors.count` (read by `Trainer.defaultShards`) says there are two
    /// cores or more, and this network's batches of 32 never; `taskset -c 0` restricts a run to one
    /// CPU. (Foundation's `activeProcessorCount` alone still says 2 there: it counts the cgroup's
    /// cpuset, not the affinity mask, which is why LabBook reads the mask too.)
    func testOneCoreAndTwoWriteTheSameCheckpoint() throws {
        let taskset = URL(fileURLWithPath: "/usr/bin/taskset")
        guard FileManager.default.isExecutableFile(atPath: taskset.path) else { throw XCTSkip("no taskset on this machine") }
        guard ProcessInfo.processInfo.activeProcessorCount >= 2 else { throw XCTSkip("one CPU: nothing to compare") }
        let folder = try makeNotebookFolder(Self.cnnRun)
        let two = try LabBookBinary.run(["run", "cnn.md", "-o", "two", "--quiet"], in: folder)
        XCTAssertEqual(two.status, 0, two.standardError)
        let one = try LabBookBinary.run(["-c", "0", LabBookBinary.url.path, "run", "cnn.md", "-o", "one", "--quiet"],
                                        in: folder, executable: taskset)
        XCTAssertEqual(one.status, 0, one.standardError)
        let runs = ["one", "two"].map { folder.appendingPathComponent($0) }
        XCTAssertEqual(try metrics(runs[1], "train").map { $0["shards"] as? Int }, [1, 2], "two CPUs: batches of 64 in two")
        for name in ["cnn.safetensors", "model.safetensors"] {
            let hashes = try runs.map { sha256Hex(try Data(contentsOf: $0.appendingPathComponent(name))) }
            XCTAssertEqual(hashes[0], hashes[1], name)
        }
        XCTAssertEqual(try metrics(runs[0], "evaluate").first?["confusion"] as? [[Int]],
                       try metrics(runs[1], "evaluate").first?["confusion"] as? [[Int]])
        XCTAssertEqual(try metrics(runs[0], "train").map { $0["shards"] as? Int }, [1, 1], "taskset -c 0: one part")
    }

    /// Training resumed from a CNN checkpoint continues as if it had never stopped: batch norm's
    /// moving statistics, Adam's moments, the batch order, and the dropout masks and augmentation
    /// drawn for each step all carry over.
    func testACNNResumedFromItsCheckpointIsBitIdenticalToTrainingStraight() throws {
        let layers = """
              - conv2d: 8
              - batch_norm: {momentum: 0.9}
              - max_pool: 2
              - dropout: 0.25
              - conv2d: 8
                padding: same
              - flatten
              - dense: 10
            """
        let settings = "batch_size: 64\noptimizer: adam\nlearning_rate: 0.005\naugment: {flip: true, crop: 2}\nlog_every: 5"
        let folder = try makeNotebookFolder(Self.notebook(layers: layers, train: "steps: 20\ncheckpoint_every: 10\n" + settings))
        try Data(Self.notebook(layers: layers, train: "steps: 10\n" + settings)
            .replacingOccurrences(of: "```{train}", with: "```{restore}\npath: straight/checkpoint-10.safetensors\n```\n\n```{train}")
            .utf8).write(to: folder.appendingPathComponent("resumed.md"))
        let straight = try LabBookBinary.run(["run", "cnn.md", "-o", "straight", "--quiet"], in: folder)
        XCTAssertEqual(straight.status, 0, straight.standardError)
        let resumed = try LabBookBinary.run(["run", "resumed.md", "-o", "resumed", "--quiet"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.standardError)

        func checkpoint(_ path: String) throws -> Checkpoint {
            try Checkpoint.decode([UInt8](Data(contentsOf: folder.appendingPathComponent(path))))
        }
        let straightModel = try checkpoint("straight/model.safetensors")
        let resumedModel = try checkpoint("resumed/model.safetensors")
        XCTAssertEqual(resumedModel.network.specs.map(\.kind),
                       ["conv2d", "batch_norm", "max_pool", "dropout", "conv2d", "flatten", "dense"])
        XCTAssertEqual(resumedModel.network, straightModel.network)
        XCTAssertEqual(resumedModel.optimizer, straightModel.optimizer)
        XCTAssertEqual(resumedModel.batchOrder, straightModel.batchOrder)
        XCTAssertEqual(resumedModel.globalStep, 20)
        XCTAssertNotEqual(resumedModel.notebookCodeSHA256, straightModel.notebookCodeSHA256)
        // Batch norm's moving statistics moved after step 10, so matching them above means something.
        let halfway = try checkpoint("straight/checkpoint-10.safetensors")
        let movingMean = { (model: Checkpoint) in model.network.namedParameters.first { $0.name == "Layer2/moving_mean" }?.tensor }
        XCTAssertNotNil(movingMean(straightModel))
        XCTAssertNotEqual(movingMean(halfway), movingMean(straightModel))
        XCTAssertNotEqual(halfway.network, straightModel.network)
        // The training curves of the second half agree too.
        let straightHistory = try XCTUnwrap(try metrics(folder.appendingPathComponent("straight"), "train").first?["history"] as? [[String: Any]])
        let resumedHistory = try XCTUnwrap(try metrics(folder.appendingPathComponent("resumed"), "train").first?["history"] as? [[String: Any]])
        func losses(_ history: [[String: Any]], at steps: [Int]) -> [Double?] {
            steps.map { step in history.first { $0["step"] as? Int == step }?["loss"] as? Double }
        }
        XCTAssertEqual(resumedHistory.compactMap { $0["step"] as? Int }, [11, 15, 20])
        XCTAssertEqual(losses(resumedHistory, at: [15, 20]), losses(straightHistory, at: [15, 20]))
        XCTAssertNotNil(losses(straightHistory, at: [20])[0])
    }
}
