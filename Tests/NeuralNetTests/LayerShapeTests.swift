import XCTest
@testable import NeuralNet

/// What a notebook author sees before training: output shapes, parameter counts, descriptions, and
/// the messages of layers that do not fit their input (shown verbatim, after "layer N: ").
final class LayerShapeTests: XCTestCase {
    func assertThrows(_ message: String, file: StaticString = #filePath, line: UInt = #line,
                      _ make: () throws -> any Layer) {
        do {
            let layer = try make()
            XCTFail("expected '\(message)', got \(layer)", file: file, line: line)
        } catch {
            XCTAssertEqual((error as? LayerShapeError)?.message, message, file: file, line: line)
        }
    }

    func testConvolutionShapeErrors() {
        assertThrows("a conv2d layer needs image-shaped input [height, width, channels], but it gets [3072]") {
            try Conv2D(filters: 8, kernel: 3, activation: .relu, inputShape: [3072])
        }
        assertThrows("kernel 5 is larger than its 3x3 input") {
            try Conv2D(filters: 8, kernel: 5, activation: .relu, inputShape: [3, 3, 4])
        }
        assertThrows("kernel 5 is larger than its 8x3 input") {
            try Conv2D(filters: 8, kernel: 5, activation: .relu, inputShape: [8, 3, 4])
        }
        assertThrows("a conv2d layer needs at least one filter, but it has 0") {
            try Conv2D(filters: 0, kernel: 3, activation: .relu, inputShape: [8, 8, 1])
        }
        assertThrows("conv2d kernel 0 must be at least 1") {
            try Conv2D(filters: 2, kernel: 0, activation: .relu, inputShape: [8, 8, 1])
        }
        assertThrows("conv2d stride 0 must be at least 1") {
            try Conv2D(filters: 2, kernel: 3, stride: 0, activation: .relu, inputShape: [8, 8, 1])
        }
        assertThrows("a conv2d layer needs image-shaped input [height, width, channels], but it gets [8, 0, 3]") {
            try Conv2D(filters: 2, kernel: 1, activation: .relu, inputShape: [8, 0, 3])
        }
    }

    func testPoolingDropoutAndBatchNormShapeErrors() {
        assertThrows("max_pool 4 on a 3x3 input pools to nothing") {
            try MaxPool2D(window: 4, stride: 4, inputShape: [3, 3, 2])
        }
        assertThrows("avg_pool 3 on a 8x2 input pools to nothing") {
            try AvgPool2D(window: 3, stride: 1, inputShape: [8, 2, 2])
        }
        assertThrows("max_pool on [4096, 4096, 2] is too large: it takes images of at most 16777216 values") {
            try MaxPool2D(window: 2, stride: 2, inputShape: [4096, 4096, 2])
        }
        XCTAssertNoThrow(try MaxPool2D(window: 2, stride: 2, inputShape: [4096, 4096, 1]))
        assertThrows("max_pool window 0 must be at least 1") { try MaxPool2D(window: 0, stride: 1, inputShape: [3, 3, 2]) }
        assertThrows("avg_pool stride 0 must be at least 1") { try AvgPool2D(window: 2, stride: 0, inputShape: [3, 3, 2]) }
        assertThrows("a max_pool layer needs image-shaped input [height, width, channels], but it gets [10]") {
            try MaxPool2D(window: 2, stride: 2, inputShape: [10])
        }
        assertThrows("a global_avg_pool layer needs image-shaped input [height, width, channels], but it gets [64]") {
            try GlobalAvgPool(inputShape: [64])
        }
        assertThrows("dropout rate 1.5 must be at least 0 and below 1") { try Dropout(rate: 1.5, inputShape: [4]) }
        assertThrows("dropout rate 1.0 must be at least 0 and below 1") { try Dropout(rate: 1, inputShape: [4]) }
        assertThrows("dropout rate -0.1 must be at least 0 and below 1") { try Dropout(rate: -0.1, inputShape: [4]) }
        XCTAssertNoThrow(try Dropout(rate: 0, inputShape: [4]))
        assertThrows("batch_norm momentum 1.5 must be between 0 and 1") {
            try BatchNorm(momentum: 1.5, epsilon: 1e-3, inputShape: [4])
        }
        assertThrows("batch_norm epsilon 0.0 must be above 0") { try BatchNorm(momentum: 0.9, epsilon: 0, inputShape: [4]) }
        assertThrows("a batch_norm layer needs values to normalize, but it gets []") {
            try BatchNorm(momentum: 0.9, epsilon: 1e-3, inputShape: [])
        }
    }

    /// The network names the layer that does not fit, counting from 1 as the notebook's list does.
    func testNetworkNamesTheLayerThatDoesNotFit() {
        func build(_ shape: [Int], _ specs: [LayerSpec]) throws {
            var generator = SeededGenerator(seed: 1)
            _ = try Network(inputShape: shape, specs: specs, initializer: .glorot, l2: 0, generator: &generator)
        }
        XCTAssertThrowsError(try build([8, 8, 1], [
            .conv2d(filters: 4, kernel: 3, stride: 1, padding: .valid, activation: .relu), .flatten,
            .conv2d(filters: 4, kernel: 3, stride: 1, padding: .valid, activation: .relu),
        ])) { error in
            XCTAssertEqual("\(error)", "layer 3: a conv2d layer needs image-shaped input [height, width, channels], but it gets [144]")
        }
        XCTAssertThrowsError(try build([6, 6, 1], [
            .conv2d(filters: 4, kernel: 3, stride: 1, padding: .valid, activation: .relu), .maxPool(window: 2, stride: 2),
            .maxPool(window: 2, stride: 2), .maxPool(window: 2, stride: 2),
        ])) { error in
            XCTAssertEqual("\(error)", "layer 4: max_pool 2 on a 1x1 input pools to nothing")
        }
    }

    func testConvolutionShapesAndParameters() throws {
        let conv = try Conv2D(filters: 32, kernel: 3, activation: .relu, inputShape: [32, 32, 3])
        XCTAssertEqual(conv.outputShape, [30, 30, 32])
        XCTAssertEqual(conv.parameterCount, 896)
        XCTAssertEqual(conv.parameterSpecs.map(\.name), ["weights", "biases"])
        XCTAssertEqual(conv.parameterSpecs[0].shape, [3, 3, 3, 32])
        XCTAssertEqual(conv.parameterSpecs[0].initialization, .network(fanIn: 27, fanOut: 288))
        XCTAssert(conv.parameterSpecs[0].regularized && !conv.parameterSpecs[1].regularized)
        XCTAssertEqual(conv.forwardOperations, 2 * 900 * 27 * 32)
        XCTAssertEqual(conv.description, "conv2d [32, 32, 3] -> [30, 30, 32], 3x3, relu")
        func output(_ shape: [Int], kernel: Int, stride: Int, _ padding: Padding) throws -> [Int] {
            try Conv2D(filters: 5, kernel: kernel, stride: stride, padding: padding, activation: .none,
                       inputShape: shape).outputShape
        }
        XCTAssertEqual(try output([32, 32, 3], kernel: 3, stride: 1, .same), [32, 32, 5])
        XCTAssertEqual(try output([32, 32, 3], kernel: 3, stride: 2, .same), [16, 16, 5])
        XCTAssertEqual(try output([7, 9, 3], kernel: 3, stride: 2, .same), [4, 5, 5])
        XCTAssertEqual(try output([7, 9, 3], kernel: 3, stride: 2, .valid), [3, 4, 5])
        XCTAssertEqual(try output([3, 3, 1], kernel: 5, stride: 1, .same), [3, 3, 5])
        XCTAssertEqual(try Conv2D(filters: 8, kernel: 5, stride: 2, padding: .same, activation: .none,
                                  inputShape: [9, 9, 1]).description, "conv2d [9, 9, 1] -> [5, 5, 8], 5x5, stride 2, padding same")
    }

    func testOtherLayersShapesAndDescriptions() throws {
        let pool = try MaxPool2D(window: 2, stride: 2, inputShape: [30, 30, 32])
        XCTAssertEqual(pool.outputShape, [15, 15, 32])
        XCTAssertEqual(pool.description, "max_pool [30, 30, 32] -> [15, 15, 32], 2x2")
        XCTAssertEqual(try MaxPool2D(window: 2, stride: 2, inputShape: [13, 13, 64]).outputShape, [6, 6, 64])
        XCTAssertEqual(try AvgPool2D(window: 3, stride: 2, inputShape: [7, 8, 4]).description,
                       "avg_pool [7, 8, 4] -> [3, 3, 4], 3x3, stride 2")
        XCTAssertEqual(try GlobalAvgPool(inputShape: [8, 8, 64]).outputShape, [64])
        XCTAssertEqual(Flatten(inputShape: [4, 4, 64]).outputShape, [1024])
        XCTAssertEqual(try Dropout(rate: 0.25, inputShape: [128]).outputShape, [128])
        let norm = try BatchNorm(momentum: 0.99, epsilon: 1e-3, inputShape: [30, 30, 32])
        XCTAssertEqual(norm.outputShape, [30, 30, 32])
        XCTAssertEqual(norm.parameterSpecs.map(\.name), ["gamma", "beta", "moving_mean", "moving_variance"])
        XCTAssertEqual(norm.parameterSpecs.map(\.shape), Array(repeating: [32], count: 4))
        XCTAssertEqual(norm.parameterSpecs.map(\.trainable), [true, true, false, false])
        XCTAssertEqual(norm.parameterSpecs.map(\.initialization), [.ones, .zeros, .zeros, .ones])
        XCTAssertFalse(norm.parameterSpecs.contains(where: \.regularized))
        XCTAssertEqual(norm.sharedCount % 2, 0, "whole Doubles per part")
        XCTAssertEqual(norm.forwardPhases(training: true), 2)
        XCTAssertEqual(norm.forwardPhases(training: false), 1)
        XCTAssertEqual(norm.backwardPhases, 2)
    }

    /// Every kind builds the layer it names, and the layer reports the settings it was built from.
    func testMakeLayerBuildsEveryKind() throws {
        let specs: [(LayerSpec, [Int], any Layer.Type)] = [
            (.dense(units: 3, activation: .relu), [4, 4, 2], Dense.self),
            (.conv2d(filters: 4, kernel: 3, stride: 2, padding: .same, activation: .tanh), [8, 8, 2], Conv2D.self),
            (.maxPool(window: 3, stride: 2), [8, 8, 2], MaxPool2D.self),
            (.avgPool(window: 2, stride: 1), [8, 8, 2], AvgPool2D.self),
            (.globalAvgPool, [8, 8, 2], GlobalAvgPool.self),
            (.flatten, [8, 8, 2], Flatten.self),
            (.dropout(rate: 0.5), [8, 8, 2], Dropout.self),
            (.batchNorm(momentum: 0.9, epsilon: 1e-4), [8, 8, 2], BatchNorm.self),
        ]
        for (spec, shape, type) in specs {
            let layer = try spec.makeLayer(inputShape: shape)
            XCTAssert(Swift.type(of: layer) == type, "\(spec) built \(Swift.type(of: layer))")
            XCTAssertEqual(layer.spec, spec)
            XCTAssertEqual(layer.inputShape, shape)
        }
    }

    /// TensorFlow's CNN tutorial on CIFAR-10: its `model.summary()` reports 122,570 parameters.
    func testTensorFlowTutorialCNNHasKerasParameterCount() throws {
        var generator = SeededGenerator(seed: 1)
        let network = try Network(inputShape: [32, 32, 3], specs: Self.tutorialCNN, initializer: .glorot, l2: 0,
                                  generator: &generator)
        XCTAssertEqual(network.parameterCount, 122_570)
        XCTAssertEqual(network.layers.map(\.outputShape),
                       [[30, 30, 32], [15, 15, 32], [13, 13, 64], [6, 6, 64], [4, 4, 64], [1024], [64], [10]])
        XCTAssertEqual(network.layers.map(\.parameterCount), [896, 0, 18_496, 0, 36_928, 0, 65_600, 650])
        XCTAssertEqual(network.namedParameters.map(\.name).prefix(3), ["Layer1/weights", "Layer1/biases", "Layer3/weights"])
    }

    static let tutorialCNN: [LayerSpec] = [
        .conv2d(filters: 32, kernel: 3, stride: 1, padding: .valid, activation: .relu), .maxPool(window: 2, stride: 2),
        .conv2d(filters: 64, kernel: 3, stride: 1, padding: .valid, activation: .relu), .maxPool(window: 2, stride: 2),
        .conv2d(filters: 64, kernel: 3, stride: 1, padding: .valid, activation: .relu), .flatten,
        .dense(units: 64, activation: .relu), .dense(units: 10, activation: .none),
    ]
}
