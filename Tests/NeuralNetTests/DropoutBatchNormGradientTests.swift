import Foundation
import XCTest
@testable import NeuralNet

/// The layers whose training pass differs from their evaluation pass, checked in both modes with
/// `LayerGradientTests`' forward and gradient checks.
extension LayerGradientTests {
    // MARK: Dropout

    func testDropoutTrainingAppliesTheCounterMaskAndItsGradient() throws {
        let (rate, key) = (Float(0.4), UInt64(0xD20F))
        let layer = try Dropout(rate: rate, inputShape: [3, 2, 4])
        let count = layer.inputCount
        // The reference draws the mask itself, by the example's row and the value's index.
        let mask = (0..<(3 * count)).map { CounterRandom.uniform(key: key, index: $0) >= rate ? 1 / (1 - Double(rate)) : 0 }
        XCTAssert(mask.contains(0) && mask.contains { $0 != 0 }, "the test needs kept and dropped values")
        check(layer, rows: 3, training: true, randomKey: key, seed: 700, "\(layer) training") { x, _ in
            zip(x, mask).map { $0 * $1 }
        }
        check(layer, rows: 3, training: false, randomKey: key, seed: 701, "\(layer) evaluation") { x, _ in x }
    }

    func testDropoutDropsAboutItsRateAndKeepsTheMean() throws {
        let layer = try Dropout(rate: 0.3, inputShape: [10_000])
        let output = layer(Tensor(shape: [1, 10_000], repeating: 1), training: true, randomKey: 5)
        let dropped = output.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(dropped) / 10_000, 0.3, accuracy: 0.02)
        XCTAssertEqual(Double(output.scalars.reduce(0, +)) / 10_000, 1, accuracy: 0.03)
        XCTAssertEqual(layer(Tensor(shape: [1, 10_000], repeating: 1), training: true, randomKey: 6).scalars == output.scalars,
                       false, "another step's key draws another mask")
    }

    /// A part of the batch that starts at row 2 draws the mask rows 2... of the whole batch draw.
    func testDropoutMaskDoesNotDependOnHowTheBatchIsCut() throws {
        let layer = try Dropout(rate: 0.5, inputShape: [6])
        let (rows, count, key) = (4, 6, UInt64(77))
        let input = (0..<(rows * count)).map { Float($0 + 1) }
        let whole = layer(Tensor(shape: [rows, count], scalars: input), training: true, randomKey: key)
        var output = [Float](repeating: 0, count: 2 * count), saved = output, unused = [Float](repeating: 0, count: 1)
        input.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                saved.withUnsafeMutableBufferPointer { saved in
                    unused.withUnsafeMutableBufferPointer { unused in
                        let pass = LayerPass(
                            input: input.baseAddress! + 2 * count, output: output.baseAddress!,
                            outputGradient: unused.baseAddress!, inputGradient: nil, rows: 2, firstRow: 2, batchSize: rows,
                            parameters: UnsafeBufferPointer(start: nil, count: 0), saved: saved.baseAddress!,
                            scratch: unused.baseAddress!, shared: unused.baseAddress!, part: 1, parts: 2, training: true,
                            randomKey: key)
                        layer.forward(pass, phase: 0)
                    }
                }
            }
        }
        XCTAssertEqual(output, Array(whole.scalars[(2 * count)...]))
    }

    // MARK: Batch normalization

    /// Per channel (the last dimension) over every row and pixel: `γ(x − mean)/√(var + ε) + β`,
    /// with the batch's mean and biased variance in training, the moving ones in evaluation.
    static func batchNormalize(_ x: [Double], channels: Int, parameters p: [[Double]], epsilon: Double,
                               training: Bool) -> [Double] {
        let n = x.count / channels
        var (mean, variance) = (p[2], p[3])
        if training {
            for c in 0..<channels {
                mean[c] = (0..<n).reduce(0.0) { $0 + x[$1 * channels + c] } / Double(n)
                variance[c] = (0..<n).reduce(0.0) { $0 + pow(x[$1 * channels + c] - mean[c], 2) } / Double(n)
            }
        }
        return x.indices.map { i in
            let c = i % channels
            return p[0][c] * (x[i] - mean[c]) / (variance[c] + epsilon).squareRoot() + p[1][c]
        }
    }

    func testBatchNormGradientsInTrainingAndEvaluation() throws {
        for (index, shape) in [[5], [3, 4, 3], [2, 2, 1]].enumerated() {
            var layer = try BatchNorm(momentum: 0.9, epsilon: 1e-3, inputShape: shape)
            // Moving statistics far from 0 and 1, so evaluation really uses them.
            Self.randomize(&layer, seed: 800 + UInt64(index), positive: ["moving_variance"])
            let channels = shape.last!
            for training in [true, false] {
                check(layer, rows: 4, training: training, seed: 900 + UInt64(index),
                      "\(layer) \(training ? "training" : "evaluation")") { x, p in
                    Self.batchNormalize(x, channels: channels, parameters: p, epsilon: 1e-3, training: training)
                }
            }
        }
    }

    /// Keras's rule, `moving = moving·momentum + batch·(1 − momentum)`, with the biased variance;
    /// a training step updates the moving statistics once, however many parts it runs in.
    func testBatchNormMovingStatisticsFollowKeras() throws {
        var generator = SeededGenerator(seed: 31)
        var network = try Network(inputShape: [2, 2, 2], specs: [.batchNorm(momentum: 0.8, epsilon: 1e-3), .flatten,
                                                                  .dense(units: 2, activation: .none)],
                                  initializer: .glorot, l2: 0, generator: &generator)
        network.layers[0].parameters[2] = Tensor(shape: [2], scalars: [0.5, -1])
        network.layers[0].parameters[3] = Tensor(shape: [2], scalars: [2, 0.25])
        let input = Self.randomValues(6 * 8, &generator, scale: 2)
        let trainer = Trainer(network: network, optimizer: SGD(learningRate: 0), batchSize: 6, shards: 2)
        trainer.input.update(from: input, count: input.count)
        trainer.labels.update(from: [0, 1, 0, 1, 1, 0], count: 6)
        _ = trainer.step()
        let moving = trainer.network.layers[0].parameters
        for c in 0..<2 {
            let values = stride(from: c, to: input.count, by: 2).map { Double(input[$0]) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            XCTAssertEqual(Double(moving[2].scalars[c]), [0.5, -1][c] * 0.8 + mean * 0.2, accuracy: 1e-5)
            XCTAssertEqual(Double(moving[3].scalars[c]), [2, 0.25][c] * 0.8 + variance * 0.2, accuracy: 1e-5)
        }
    }
}
