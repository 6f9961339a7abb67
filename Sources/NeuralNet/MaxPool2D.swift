/// Max pooling over square windows (valid: only windows that fit), each channel on its own.
///
/// The forward pass saves where each maximum came from (the element's index within the example, as
/// a Float, exact below 2^24), so the backward pass is one scatter: finding the maxima again by
/// comparing input and output took a fifth of a convolutional network's step. The gradient goes to
/// the first maximal element in row-major window order, as TensorFlow's `MaxPoolGrad` does, so
/// ties never double it.
public struct MaxPool2D: Layer, Equatable {
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
    public var parameterSpecs: [ParameterSpec] { [] }
    public var parameters: [Tensor] {
        get { [] }
        set { precondition(newValue.isEmpty, "a max_pool layer has no parameters") }
    }
    /// One comparison per window element.
    public var forwardOperations: Int { outputCount * window * window }
    /// The index of each output's maximum within the example.
    public var savedCount: Int { outputCount }
    public var description: String { windows.describe("max_pool") }

    public func forward(_ pass: LayerPass, phase: Int) {
        let channels = windows.input.channels
        for row in 0..<pass.rows {
            let input = pass.input + row * inputCount, output = pass.output + row * outputCount
            let origins = pass.saved + row * outputCount
            windows.forEachWindow { outputPixel, inputPixel, first in
                let source = input + inputPixel * channels, target = output + outputPixel * channels
                let origin = origins + outputPixel * channels
                let base = Float(inputPixel * channels)
                if first {
                    target.update(from: source, count: channels)
                    for c in 0..<channels { origin[c] = base + Float(c) }
                } else {
                    Self.keepLarger(source, target, origin, base: base, count: channels)
                }
            }
        }
    }

    /// Where `source` is strictly greater (so a later tie does not replace the first maximum), takes
    /// its value into `target` and its index (`base` plus the channel) into `origin`. Sixteen lanes at
    /// a time with masks: as a scalar loop the comparison was a branch, and a seventh of the step.
    @inline(__always)
    static func keepLarger(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>,
                           _ origin: UnsafeMutablePointer<Float>, base: Float, count: Int) {
        typealias Lanes = SIMD16<Float>
        let lanes = Lanes.scalarCount
        let offsets = Lanes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        var c = 0
        while c + lanes <= count {
            let values = UnsafeRawPointer(source + c).loadUnaligned(as: Lanes.self)
            var maxima = UnsafeRawPointer(target + c).loadUnaligned(as: Lanes.self)
            var indices = UnsafeRawPointer(origin + c).loadUnaligned(as: Lanes.self)
            let larger = values .> maxima
            maxima.replace(with: values, where: larger)
            indices.replace(with: offsets + Lanes(repeating: base + Float(c)), where: larger)
            UnsafeMutableRawPointer(target + c).storeBytes(of: maxima, as: Lanes.self)
            UnsafeMutableRawPointer(origin + c).storeBytes(of: indices, as: Lanes.self)
            c += lanes
        }
        while c < count {
            if source[c] > target[c] {
                target[c] = source[c]
                origin[c] = base + Float(c)
            }
            c += 1
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
