import Foundation
import XCTest
@testable import NeuralNet

/// Every image layer's forward pass against an independent Float64 reference, and its parameter and
/// input gradients against central differences of that reference, as `GradientCheckTests` does for
/// dense layers. The loss is Σ output·R for a fixed random R, so dLoss/dOutput = R.
///
/// The references index NHWC arrays directly, loop by loop, sharing no code with the layers (not
/// even the padding arithmetic), so a mistake in the im2col geometry or a backward rule shows up
/// as a disagreement rather than being reproduced by both sides.
final class LayerGradientTests: XCTestCase {
    /// The dense checks' Float64 activation and central differences, shared.
    static func activate(_ x: Double, _ activation: Activation) -> Double { GradientCheckTests.activate(x, activation) }
    static func numericGradient(_ values: [Double], _ f: ([Double]) -> Double) -> [Double] {
        GradientCheckTests.numericGradient(values, f)
    }

    static func randomValues(_ count: Int, _ generator: inout SeededGenerator, scale: Double = 1) -> [Float] {
        (0..<count).map { _ in Float(generator.nextNormal() * scale) }
    }

    /// Within 2e-3 of the largest reference value: Float32 layers against a Float64 reference.
    static func assertClose(_ analytic: [Float], _ reference: [Double], _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(analytic.count, reference.count, what, file: file, line: line)
        let scale = max(reference.map(abs).max() ?? 0, 1e-3)
        var failures = 0
        for (index, (a, r)) in zip(analytic, reference).enumerated() where !(abs(Double(a) - r) <= 2e-3 * scale) {
            failures += 1
            if failures <= 3 { XCTFail("\(what)[\(index)]: \(a) vs \(r)", file: file, line: line) }
        }
        if failures > 3 { XCTFail("\(what): \(failures) values differ in all", file: file, line: line) }
    }

    /// Sets every parameter to random values (positive where `positive` names it: a variance).
    static func randomize(_ layer: inout some Layer, seed: UInt64, positive: Set<String> = []) {
        var generator = SeededGenerator(seed: seed)
        layer.parameters = layer.parameterSpecs.map { spec in
            let values = randomValues(spec.count, &generator, scale: 0.5)
            return Tensor(shape: spec.shape, scalars: positive.contains(spec.name) ? values.map { abs($0) + 0.2 } : values)
        }
    }

    /// Checks `layer` on `rows` random examples: its output against `reference(input, parameters)`,
    /// the gradient of each trainable parameter and of the input against central differences.
    func check(
        _ layer: some Layer, rows: Int, training: Bool = true, randomKey: UInt64 = 0, seed: UInt64, _ what: String,
        file: StaticString = #filePath, line: UInt = #line,
        reference: (_ input: [Double], _ parameters: [[Double]]) -> [Double]
    ) {
        var generator = SeededGenerator(seed: seed)
        let input = Tensor(shape: [rows] + layer.inputShape, scalars: Self.randomValues(rows * layer.inputCount, &generator))
        let projection = Self.randomValues(rows * layer.outputCount, &generator).map(Double.init)
        let analytic = layer.gradients(
            input: input, outputGradient: Tensor(shape: [rows] + layer.outputShape, scalars: projection.map(Float.init)),
            training: training, randomKey: randomKey)
        let output = layer(input, training: training, randomKey: randomKey)
        XCTAssertEqual(output.shape, [rows] + layer.outputShape, what, file: file, line: line)

        let x = input.scalars.map(Double.init)
        let p = layer.parameters.map { $0.scalars.map(Double.init) }
        func loss(_ x: [Double], _ p: [[Double]]) -> Double {
            zip(reference(x, p), projection).reduce(0) { $0 + $1.0 * $1.1 }
        }
        Self.assertClose(output.scalars, reference(x, p), "\(what) forward", file: file, line: line)
        let trainable = layer.parameterSpecs.indices.filter { layer.parameterSpecs[$0].trainable }
        XCTAssertEqual(analytic.parameters.count, trainable.count, what, file: file, line: line)
        for (slot, index) in trainable.enumerated() {
            let numeric = Self.numericGradient(p[index]) { values in
                var q = p
                q[index] = values
                return loss(x, q)
            }
            Self.assertClose(analytic.parameters[slot].scalars, numeric, "\(what) d\(layer.parameterSpecs[index].name)",
                             file: file, line: line)
        }
        Self.assertClose(analytic.input.scalars, Self.numericGradient(x) { loss($0, p) }, "\(what) dx",
                         file: file, line: line)
    }

    // MARK: Convolution

    /// A direct convolution: every output, every kernel tap, skipping taps in the padding.
    static func convolve(
        _ x: [Double], rows: Int, shape: [Int], weights: [Double], biases: [Double], kernel k: Int, stride s: Int,
        padding: Padding, activation: Activation
    ) -> [Double] {
        let (height, width, channels, filters) = (shape[0], shape[1], shape[2], biases.count)
        // Output size and zeros before, per axis: TensorFlow's rule, written out again here.
        func axis(_ n: Int) -> (Int, Int) {
            if padding == .valid { return ((n - k) / s + 1, 0) }
            let out = Int((Double(n) / Double(s)).rounded(.up))
            return (out, max((out - 1) * s + k - n, 0) / 2)
        }
        let ((outHeight, top), (outWidth, left)) = (axis(height), axis(width))
        var y = [Double]()
        for r in 0..<rows {
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for f in 0..<filters {
                        var z = biases[f]
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let (iy, ix) = (oy * s + ky - top, ox * s + kx - left)
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                for c in 0..<channels {
                                    z += x[((r * height + iy) * width + ix) * channels + c]
                                        * weights[((ky * k + kx) * channels + c) * filters + f]
                                }
                            }
                        }
                        y.append(activate(z, activation))
                    }
                }
            }
        }
        return y
    }

    func testConv2DGradients() throws {
        let cases: [(shape: [Int], filters: Int, kernel: Int, stride: Int, padding: Padding, activation: Activation)] = [
            ([5, 6, 3], 4, 3, 1, .valid, .relu),
            ([7, 7, 2], 3, 3, 2, .valid, .tanh),
            ([5, 6, 2], 3, 3, 1, .same, .sigmoid),
            ([7, 6, 3], 2, 3, 2, .same, .none),
            ([6, 6, 2], 3, 4, 2, .same, .tanh),  // an even kernel: the padding is uneven
            ([4, 4, 1], 2, 5, 1, .same, .relu),  // a kernel larger than the image, allowed when padded
            ([4, 5, 3], 2, 1, 1, .valid, .none),
        ]
        for (index, test) in cases.enumerated() {
            var layer = try Conv2D(filters: test.filters, kernel: test.kernel, stride: test.stride, padding: test.padding,
                                   activation: test.activation, inputShape: test.shape)
            Self.randomize(&layer, seed: 100 + UInt64(index))
            check(layer, rows: 2, seed: 200 + UInt64(index), "\(layer)") { x, p in
                Self.convolve(x, rows: 2, shape: test.shape, weights: p[0], biases: p[1], kernel: test.kernel,
                              stride: test.stride, padding: test.padding, activation: test.activation)
            }
        }
    }

    /// TensorFlow pads `same` convolutions with the smaller half of the zeros at the top and left:
    /// a 6x6 image, 3x3 kernel, stride 2 needs one row and column of zeros, all at the bottom and right.
    func testSamePaddingPutsTheSmallerHalfFirstAsTensorFlowDoes() throws {
        var layer = try Conv2D(filters: 1, kernel: 3, stride: 2, padding: .same, activation: .none, inputShape: [6, 6, 1])
        layer.parameters = [Tensor(shape: [3, 3, 1, 1], repeating: 1), Tensor(shape: [1])]
        XCTAssertEqual(layer.outputShape, [3, 3, 1])
        let image = Tensor(shape: [1, 6, 6, 1], scalars: (1...36).map(Float.init))
        let output = layer(image)
        XCTAssertEqual(output.scalars[0], 72)  // rows and columns 0...2: no padding before
        XCTAssertEqual(output.scalars[8], 130)  // rows and columns 4...5: the padding after
    }

    // MARK: Pooling

    /// Valid pooling by its definition: `combine` over each window's values.
    static func pool(_ x: [Double], rows: Int, shape: [Int], window: Int, stride: Int,
                     combine: ([Double]) -> Double) -> [Double] {
        let (height, width, channels) = (shape[0], shape[1], shape[2])
        var y = [Double]()
        for r in 0..<rows {
            for oy in 0...((height - window) / stride) {
                for ox in 0...((width - window) / stride) {
                    for c in 0..<channels {
                        var values = [Double]()
                        for wy in 0..<window {
                            for wx in 0..<window {
                                values.append(x[((r * height + oy * stride + wy) * width + ox * stride + wx) * channels + c])
                            }
                        }
                        y.append(combine(values))
                    }
                }
            }
        }
        return y
    }

    static let poolCases: [(shape: [Int], window: Int, stride: Int)] = [
        ([4, 6, 3], 2, 2), ([7, 7, 2], 3, 2), ([5, 4, 2], 3, 1), ([6, 5, 1], 2, 3), ([3, 3, 2], 3, 3),
    ]

    func testMaxPoolGradientsIncludingOverlappingWindows() throws {
        for (index, test) in Self.poolCases.enumerated() {
            let layer = try MaxPool2D(window: test.window, stride: test.stride, inputShape: test.shape)
            check(layer, rows: 2, seed: 300 + UInt64(index), "\(layer)") { x, _ in
                Self.pool(x, rows: 2, shape: test.shape, window: test.window, stride: test.stride) { $0.max()! }
            }
        }
    }

    func testAvgPoolGradientsIncludingOverlappingWindows() throws {
        for (index, test) in Self.poolCases.enumerated() {
            let layer = try AvgPool2D(window: test.window, stride: test.stride, inputShape: test.shape)
            check(layer, rows: 2, seed: 400 + UInt64(index), "\(layer)") { x, _ in
                Self.pool(x, rows: 2, shape: test.shape, window: test.window, stride: test.stride) {
                    $0.reduce(0, +) / Double($0.count)
                }
            }
        }
    }

    /// A tie sends the whole gradient to the first maximum in row-major window order, never to both.
    func testMaxPoolTieGoesToTheFirstMaximum() throws {
        let layer = try MaxPool2D(window: 2, stride: 2, inputShape: [2, 2, 1])
        let result = layer.gradients(input: Tensor(shape: [1, 2, 2, 1], scalars: [1, 3, 3, 2]),
                                     outputGradient: Tensor(shape: [1, 1, 1, 1], scalars: [5]))
        XCTAssertEqual(result.input.scalars, [0, 5, 0, 0])
    }

    func testGlobalAvgPoolGradients() throws {
        let shape = [3, 4, 5]
        let layer = try GlobalAvgPool(inputShape: shape)
        check(layer, rows: 3, seed: 500, "\(layer)") { x, _ in
            var means = [Double](repeating: 0, count: 3 * 5)
            for r in 0..<3 {
                for pixel in 0..<12 {
                    for c in 0..<5 { means[r * 5 + c] += x[(r * 12 + pixel) * 5 + c] / 12 }
                }
            }
            return means
        }
    }

    func testFlattenKeepsMemoryOrder() throws {
        let layer = Flatten(inputShape: [2, 3, 4])
        XCTAssertEqual(layer.outputShape, [24])
        check(layer, rows: 2, seed: 600, "\(layer)") { x, _ in x }
    }
}
