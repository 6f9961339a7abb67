import Foundation
import XCTest
@testable import NeuralNet

/// Convolutional networks in the trainer: the same bits on one core or two, whole-batch batch norm
/// statistics although each step runs in parts, and a small image problem actually learned.
final class ConvolutionalTrainingTests: XCTestCase {
    static let smallCNN: [LayerSpec] = [
        .conv2d(filters: 4, kernel: 3, stride: 1, padding: .same, activation: .relu),
        .batchNorm(momentum: 0.9, epsilon: 1e-3), .maxPool(window: 2, stride: 2), .dropout(rate: 0.25), .flatten,
        .dense(units: 3, activation: .none),
    ]

    func randomBatch(rows: Int, features: Int, classes: Int, seed: UInt64) -> ([Float], [Int32]) {
        var generator = SeededGenerator(seed: seed)
        return ((0..<(rows * features)).map { _ in Float(generator.nextNormal()) },
                (0..<rows).map { _ in Int32(generator.nextInt(below: classes)) })
    }

    func testOneShardAndTwoGiveTheSameBits() throws {
        var generator = SeededGenerator(seed: 41)
        let network = try Network(inputShape: [6, 6, 2], specs: Self.smallCNN, initializer: .he, l2: 0.01,
                                  generator: &generator)
        func trained(shards: Int) -> (Network, [Double]) {
            let trainer = Trainer(network: network, optimizer: Adam(learningRate: 0.01), batchSize: 8, shards: shards,
                                  randomSeed: 9)
            var losses: [Double] = []
            for step in 0..<4 {
                let (input, labels) = randomBatch(rows: 8, features: 72, classes: 3, seed: 50 + UInt64(step))
                trainer.input.update(from: input, count: input.count)
                trainer.labels.update(from: labels, count: labels.count)
                losses.append(trainer.step(includeRegularizationLoss: true).loss)
            }
            return (trainer.network, losses)
        }
        let (one, oneLosses) = trained(shards: 1)
        let (two, twoLosses) = trained(shards: 2)
        XCTAssertEqual(one, two)
        XCTAssertEqual(oneLosses, twoLosses)
        XCTAssertNotEqual(one, network, "the steps must have changed the parameters")
        XCTAssertNotEqual(one.layers[1].parameters[2], network.layers[1].parameters[2], "and the moving mean")
    }

    /// The trainer cuts the batch in two parts; batch norm must still normalize with the whole
    /// batch's statistics, so the trainer's gradients match the layers' single-part ones, chained by
    /// hand, up to Float rounding (per-part statistics would differ in the first digit).
    func testTrainerGradientsUseWholeBatchStatistics() throws {
        var generator = SeededGenerator(seed: 42)
        let specs: [LayerSpec] = [
            .conv2d(filters: 3, kernel: 3, stride: 1, padding: .valid, activation: .tanh),
            .batchNorm(momentum: 0.9, epsilon: 1e-3), .flatten, .dropout(rate: 0.3),
            .dense(units: 6, activation: .relu), .batchNorm(momentum: 0.9, epsilon: 1e-3),
            .dense(units: 3, activation: .none),
        ]
        var network = try Network(inputShape: [5, 5, 2], specs: specs, initializer: .he, l2: 0, generator: &generator)
        for index in [1, 5] {  // γ and β away from 1 and 0
            network.layers[index].parameters[0] = Tensor(shape: network.layers[index].parameters[0].shape,
                scalars: network.layers[index].parameters[0].scalars.map { _ in Float(0.5 + generator.nextDouble()) })
            network.layers[index].parameters[1] = Tensor(shape: network.layers[index].parameters[1].shape,
                scalars: network.layers[index].parameters[1].scalars.map { _ in Float(generator.nextNormal() * 0.3) })
        }
        assertTrainerMatchesChainedLayers(network, rows: 8, seed: 13)
    }

    /// A ReLU's derivative is applied by the max pooling after it, which routes gradient only to
    /// positive maxima, and the convolution skips its own pass: the gradients must be those of the
    /// layers chained one by one, with windows that overlap (stride 1) and that do not, and with ties.
    func testMaxPoolingAppliesTheReLUDerivativeBeforeIt() throws {
        for stride in [1, 2] {
            var generator = SeededGenerator(seed: 7 + UInt64(stride))
            let specs: [LayerSpec] = [
                .conv2d(filters: 4, kernel: 3, stride: 1, padding: .same, activation: .relu),
                .maxPool(window: 2, stride: stride),
                .conv2d(filters: 3, kernel: 2, stride: 1, padding: .valid, activation: .relu),
                .maxPool(window: 2, stride: 1),
                .dense(units: 3, activation: .none),
            ]
            var network = try Network(inputShape: [6, 6, 2], specs: specs, initializer: .he, l2: 0, generator: &generator)
            // Negative biases leave many windows without a positive value, whose gradient must vanish.
            network.layers[0].parameters[1] = Tensor(shape: [4], scalars: [-0.3, 0.1, -0.6, 0])
            XCTAssertEqual(network.layers[1].appliesInputReLUDerivative, true)
            assertTrainerMatchesChainedLayers(network, rows: 6, seed: 5, file: #filePath, line: #line)
        }
    }

    /// The trainer's loss and gradients for a random batch against the layers' single-part passes
    /// chained by hand, within Float rounding.
    func assertTrainerMatchesChainedLayers(_ network: Network, rows: Int, seed: UInt64,
                                           file: StaticString = #filePath, line: UInt = #line) {
        let (input, labels) = randomBatch(rows: rows, features: network.inputSize, classes: network.outputSize, seed: 60)
        let trainer = Trainer(network: network, optimizer: SGD(learningRate: 0), batchSize: rows, randomSeed: seed)
        XCTAssertEqual(trainer.parts, 2, file: file, line: line)
        trainer.input.update(from: input, count: input.count)
        trainer.labels.update(from: labels, count: labels.count)
        let (dataLoss, gradients) = trainer.gradients()

        let keys = network.layers.indices.map { CounterRandom.key(seed: seed, step: 0, layer: $0) }
        var activations = [Tensor(shape: [rows] + network.inputShape, scalars: input)]
        for (index, layer) in network.layers.enumerated() {
            activations.append(layer(activations[index], training: true, randomKey: keys[index]))
        }
        let (loss, logitGradient) = SoftmaxCrossEntropy.lossAndGradient(logits: activations.last!, labels: labels)
        var delta = logitGradient
        var expected: [[Tensor]] = Array(repeating: [], count: network.layers.count)
        for (index, layer) in network.layers.enumerated().reversed() {
            let result = layer.gradients(input: activations[index], outputGradient: delta, training: true,
                                         randomKey: keys[index])
            expected[index] = result.parameters
            delta = result.input
        }
        XCTAssertEqual(dataLoss, loss, accuracy: 1e-5 * abs(loss), file: file, line: line)
        let flat = expected.flatMap { $0 }
        XCTAssertEqual(gradients.count, flat.count, file: file, line: line)
        for (slot, (actual, reference)) in zip(gradients, flat).enumerated() {
            let scale = reference.scalars.map(abs).max()!
            let difference = zip(actual.scalars, reference.scalars).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(scale, 0, "\(network.trainableParameters[slot].name) has no gradient", file: file, line: line)
            XCTAssertLessThanOrEqual(difference, 1e-5 * scale, "\(network.trainableParameters[slot].name)", file: file, line: line)
        }
    }

    /// 8x8 images holding one bright bar in noise, vertical (class 0) or horizontal (class 1): a
    /// linear model on the pixels finds this hard because the bar moves, a convolution does not.
    func barImages(_ count: Int, _ generator: inout SeededGenerator) -> ([Float], [Int32]) {
        var pixels: [Float] = [], labels: [Int32] = []
        for _ in 0..<count {
            let label = Int32(generator.nextInt(below: 2)), position = generator.nextInt(below: 8)
            for y in 0..<8 {
                for x in 0..<8 {
                    let onBar = label == 0 ? x == position : y == position
                    pixels.append(Float(generator.nextNormal() * 0.2) + (onBar ? 1 : 0))
                }
            }
            labels.append(label)
        }
        return (pixels, labels)
    }

    func testSmallConvNetLearnsBarOrientation() throws {
        var generator = SeededGenerator(seed: 43)
        let network = try Network(inputShape: [8, 8, 1], specs: [
            .conv2d(filters: 4, kernel: 3, stride: 1, padding: .valid, activation: .relu), .maxPool(window: 2, stride: 2),
            .flatten, .dense(units: 2, activation: .none),
        ], initializer: .he, l2: 0, generator: &generator)
        let trainer = Trainer(network: network, optimizer: Adam(learningRate: 0.02), batchSize: 16)
        var losses: [Double] = []
        for _ in 0..<80 {
            let (pixels, labels) = barImages(16, &generator)
            trainer.input.update(from: pixels, count: pixels.count)
            trainer.labels.update(from: labels, count: labels.count)
            losses.append(trainer.step().loss)
        }
        let start = losses.prefix(5).reduce(0, +) / 5, end = losses.suffix(5).reduce(0, +) / 5
        XCTAssertLessThan(end, 0.25 * start, "loss \(start) -> \(end)")
        let (pixels, labels) = barImages(200, &generator)
        let logits = trainer.network(Tensor(shape: [200, 8, 8, 1], scalars: pixels))
        let correct = (0..<200).filter { (logits[$0, 1] > logits[$0, 0] ? 1 : 0) == labels[$0] }.count
        XCTAssertGreaterThan(correct, 190)
    }
}
