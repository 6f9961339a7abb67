/// Max pooling over square windows (valid: only windows that fit), each channel on its own.
///
/// The forward pass saves where each maximum came from (the element's index within the example, as
/// a Float, exact below 2^24), so the backward pass is one scatter: finding the maxima again by
/// comparing input and output took a fifth of a convolutional network's step. The gradient goes to
/// the first maximal element in row-major window order, as TensorFlow's `MaxPoolGrad` does, so
/// ties never double it.
public struct MaxPool2D: ParameterFreeLayer, Equatable {
    let windows: PoolWindows

    public init(window: Int, stride: Int, inputShape: [Int]) throws(LayerShapeError) {
        windows = try PoolWindows(kind: "max_pool", window: window, stride: stride, inputShape: inputShape)
    }

    public var window: Int { windows.window }
    public var stride: Int { windows.stride }

    // MARK: Layer

    public var spec: LayerSpec { .maxPool(window: window, stride: stride) }
    public var inputShape: [Int] { windows.input.shape }
    public var outputShape: [Int] { windows.output.shape }
    /// One comparison per window element.
    public var forwardOperations: Int { outputCount * window * window }
    /// The index of each output's maximum within the example.
    public var savedCount: Int { outputCount }
    public var description: String { windows.describe("max_pool") }

    public func forward(_ pass: LayerPass, phase: Int) {
        let (channels, width) = (windows.input.channels, windows.input.width)
        let (window, stride) = (windows.window, windows.stride)
        typealias Lanes = SIMD16<Float>
        let offsets = Lanes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        for row in 0..<pass.rows {
            let input = pass.input + row * inputCount, output = pass.output + row * outputCount
            let origins = pass.saved + row * outputCount
            for oy in 0..<windows.output.height {
                for ox in 0..<windows.output.width {
                    let outputStart = (oy * windows.output.width + ox) * channels
                    let corner = (oy * stride * width + ox * stride) * channels
                    // Sixteen channels at a time, each window's maximum and its index kept in
                    // registers, with masks rather than branches: a scalar loop's comparison was a
                    // branch as unpredictable as the data, and a seventh of a step.
                    var c = 0
                    while c + Lanes.scalarCount <= channels {
                        var best = UnsafeRawPointer(input + corner + c).loadUnaligned(as: Lanes.self)
                        var index = offsets + Lanes(repeating: Float(corner + c))
                        for wy in 0..<window {
                            for wx in 0..<window where wy != 0 || wx != 0 {
                                let element = corner + (wy * width + wx) * channels + c
                                let values = UnsafeRawPointer(input + element).loadUnaligned(as: Lanes.self)
                                // Strictly greater, so a later tie does not replace the first maximum.
                                let larger = values .> best
                                best.replace(with: values, where: larger)
                                index.replace(with: offsets + Lanes(repeating: Float(element)), where: larger)
                            }
                        }
                        UnsafeMutableRawPointer(output + outputStart + c).storeBytes(of: best, as: Lanes.self)
                        UnsafeMutableRawPointer(origins + outputStart + c).storeBytes(of: index, as: Lanes.self)
                        c += Lanes.scalarCount
                    }
                    while c < channels {
                        var (best, index) = (input[corner + c], corner + c)
                        for wy in 0..<window {
                            for wx in 0..<window {
                                let element = corner + (wy * width + wx) * channels + c
                                if input[element] > best { (best, index) = (input[element], element) }
                            }
                        }
                        output[outputStart + c] = best
                        origins[outputStart + c] = Float(index)
                        c += 1
                    }
                }
            }
        }
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        guard let inputGradient = pass.inputGradient else { return }
        inputGradient.update(repeating: 0, count: pass.rows * inputCount)
        for row in 0..<pass.rows {
            let gradient = inputGradient + row * inputCount, delta = pass.outputGradient + row * outputCount
            let origins = pass.saved + row * outputCount
            // Accumulated: overlapping windows (stride below the window) may pick the same element.
            for element in 0..<outputCount { gradient[Int(origins[element])] += delta[element] }
        }
    }
}
