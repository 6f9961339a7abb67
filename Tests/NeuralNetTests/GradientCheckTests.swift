import Foundation
import XCTest
@testable import NeuralNet

/// Analytic gradients against central finite differences of an independent Float64 reference.
///
/// Each reference below recomputes the forward pass in Double from the same parameters, so the
/// finite differences are free of Float32 noise; the layer code under test runs in Float32, hence
/// tolerances of about 1e-3 relative.
final class GradientCheckTests: XCTestCase {
    static let epsilon = 1e-5

    static func activate(_ x: Double, _ activation: Activation) -> Double {
        switch activation {
        case .relu: max(x, 0)
        case .tanh: Foundation.tanh(x)
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .none: x
        }
    }

    /// Double-precision dense forward: rows of `input` times `weight` plus `bias`, activated.
    static func denseReference(
        input: [Double], rows: Int, weight: [Double], bias: [Double], inputs: Int, outputs: Int,
        activation: Activation
    ) -> [Double] {
        var result = [Double](repeating: 0, count: rows * outputs)
        for r in 0..<rows {
            for o in 0..<outputs {
                var z = bias[o]
                for i in 0..<inputs { z += input[r * inputs + i] * weight[i * outputs + o] }
                result[r * outputs + o] = activate(z, activation)
            }
        }
        return result
    }

    static func crossEntropyReference(logits: [Double], labels: [Int32], classes: Int) -> Double {
        let rows = labels.count
        var total = 0.0
        for r in 0..<rows {
            let row = logits[(r * classes)..<((r + 1) * classes)]
            let largest = row.max()!
            let logSumExp = largest + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - largest) })
            total += logSumExp - row[r * classes + Int(labels[r])]
        }
        return total / Double(rows)
    }

    /// Central difference of `f` with respect to each of `values`.
    static func numericGradient(_ values: [Double], _ f: ([Double]) -> Double) -> [Double] {
        values.indices.map { i in
            var plus = values, minus = values
            plus[i] += epsilon
            minus[i] -= epsilon
            return (f(plus) - f(minus)) / (2 * epsilon)
        }
    }

    func assertClose(_ analytic: [Float], _ numeric: [Double], _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(analytic.count, numeric.count, what, file: file, line: line)
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        for (a, n) in zip(analytic, numeric) {
            XCTAssertEqual(Double(a), n, accuracy: 2e-3 * scale, "\(what): \(a) vs \(n)", file: file, line: line)
        }
    }

    func randomValues(_ count: Int, _ generator: inout SeededGenerator, scale: Double = 1) -> [Float] {
        (0..<count).map { _ in Float(generator.nextNormal() * scale) }
    }

    func testDenseGradientsForEveryActivation() {
        let (rows, inputs, outputs) = (4, 5, 3)
        for activation in Activation.allCases {
            var generator = SeededGenerator(seed: 11)
            let weight = Tensor(shape: [inputs, outputs], scalars: randomValues(inputs * outputs, &generator))
            let bias = Tensor(shape: [outputs], scalars: randomValues(outputs, &generator, scale: 0.1))
            let input = Tensor(shape: [rows, inputs], scalars: randomValues(rows * inputs, &generator))
            // The loss is Σ output · R for a fixed random R, so dLoss/dOutput = R.
            let projection = randomValues(rows * outputs, &generator).map(Double.init)
            let layer = Dense(weight: weight, bias: bias, activation: activation)
            let analytic = layer.gradients(
                input: input, outputGradient: Tensor(shape: [rows, outputs], scalars: projection.map(Float.init)))

            let x = input.scalars.map(Double.init)
            let w = weight.scalars.map(Double.init)
            let b = bias.scalars.map(Double.init)
            func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
                let y = Self.denseReference(input: x, rows: rows, weight: w, bias: b, inputs: inputs,
                                            outputs: outputs, activation: activation)
                return zip(y, projection).reduce(0) { $0 + $1.0 * $1.1 }
            }
            let forward = Self.denseReference(input: x, rows: rows, weight: w, bias: b, inputs: inputs,
                                              outputs: outputs, activation: activation)
            assertClose(layer(input).scalars, forward, "\(activation) forward")
            assertClose(analytic.weight.scalars, Self.numericGradient(w) { loss(x, $0, b) }, "\(activation) dW")
            assertClose(analytic.bias.scalars, Self.numericGradient(b) { loss(x, w, $0) }, "\(activation) db")
            assertClose(analytic.input.scalars, Self.numericGradient(x) { loss($0, w, b) }, "\(activation) dx")
        }
    }

    func testSoftmaxCrossEntropyValueAndGradient() {
        var generator = SeededGenerator(seed: 12)
        let (rows, classes) = (5, 4)
        let logits = Tensor(shape: [rows, classes], scalars: randomValues(rows * classes, &generator, scale: 3))
        let labels: [Int32] = [0, 3, 1, 1, 2]
        let (loss, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels)
        let z = logits.scalars.map(Double.init)
        XCTAssertEqual(loss, Self.crossEntropyReference(logits: z, labels: labels, classes: classes), accuracy: 1e-5)
        assertClose(gradient.scalars, Self.numericGradient(z) {
            Self.crossEntropyReference(logits: $0, labels: labels, classes: classes)
        }, "dLoss/dLogits")
    }

    func testCrossEntropyIsStableForHugeLogits() {
        let logits = Tensor(rows: [[1000, 0, -1000], [-5000, 5000, 0]])
        let (loss, gradient) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: [0, 2])
        // Row 1 is certain and right (loss 0); row 2 is certain and 5000 off: loss 5000, mean 2500.
        XCTAssertEqual(loss, 2500, accuracy: 1e-3)
        XCTAssert(gradient.scalars.allSatisfy(\.isFinite))
        XCTAssertEqual(gradient[1, 1], 0.5, accuracy: 1e-6)
        XCTAssertEqual(gradient[1, 2], -0.5, accuracy: 1e-6)
    }

    func testL2RegularizerFollowsTensorFlowsConvention() {
        var generator = SeededGenerator(seed: 13)
        let weight = Tensor(shape: [3, 4], scalars: randomValues(12, &generator))
        let l2 = L2Regularization(strength: 0.1)
        let w = weight.scalars.map(Double.init)
        let reference: ([Double]) -> Double = { 0.1 * $0.reduce(0) { $0 + $1 * $1 } / 2 }
        XCTAssertEqual(l2.loss(weight), reference(w), accuracy: 1e-6)
        var gradient = [Float](repeating: 0, count: 12)
        weight.scalars.withUnsafeBufferPointer { l2.addGradient(weight: $0.baseAddress!, to: &gradient, count: 12) }
        assertClose(gradient, Self.numericGradient(w, reference), "dL2/dW")
    }

    /// The whole two-layer network, back-propagated by the trainer, against the Double reference.
    func testNetworkGradientsIncludingL2() {
        var generator = SeededGenerator(seed: 14)
        let (rows, inputs, hidden, classes) = (6, 5, 4, 3)
        let network = Network(
            inputSize: inputs, layers: [LayerSpec(units: hidden, activation: .tanh), LayerSpec(units: classes, activation: .none)],
            initializer: .glorot, l2: 0.05, generator: &generator)
        var layers = network.layers
        layers[0].parameters[1] = Tensor(shape: [hidden], scalars: randomValues(hidden, &generator, scale: 0.1))
        let tested = Network(layers: layers, l2: network.l2)
        let trainer = Trainer(network: tested, optimizer: SGD(learningRate: 0), batchSize: rows)
        let input = randomValues(rows * inputs, &generator)
        let labels: [Int32] = [0, 1, 2, 2, 1, 0]
        trainer.input.update(from: input, count: input.count)
        trainer.labels.update(from: labels, count: labels.count)
        let (dataLoss, gradients) = trainer.gradients()

        let x = input.map(Double.init)
        var parameters = tested.namedParameters.map { $0.tensor.scalars.map(Double.init) }
        func loss(_ p: [[Double]]) -> Double {
            let h = Self.denseReference(input: x, rows: rows, weight: p[0], bias: p[1], inputs: inputs,
                                        outputs: hidden, activation: .tanh)
            let z = Self.denseReference(input: h, rows: rows, weight: p[2], bias: p[3], inputs: hidden,
                                        outputs: classes, activation: .none)
            let penalty = 0.05 * (p[0] + p[2]).reduce(0) { $0 + $1 * $1 } / 2
            return Self.crossEntropyReference(logits: z, labels: labels, classes: classes) + penalty
        }
        XCTAssertEqual(dataLoss + tested.regularizationLoss(), loss(parameters), accuracy: 1e-5)
        for slot in parameters.indices {
            let numeric = Self.numericGradient(parameters[slot]) { values in
                let saved = parameters[slot]
                parameters[slot] = values
                defer { parameters[slot] = saved }
                return loss(parameters)
            }
            assertClose(gradients[slot].scalars, numeric, tested.namedParameters[slot].name)
        }
    }
}
