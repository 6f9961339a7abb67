/// Max pooling over square windows (valid: only windows that fit), each channel on its own.
///
/// Nothing is saved for the backward pass: it finds each window's maximum again by comparing the
/// input with the output it produced, which costs one more pass over the input but no memory per
/// example. The gradient goes to the first maximal element in row-major window order (the one the
/// forward pass picked, as TensorFlow's `MaxPoolGrad` does), so ties never double it.
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
    /// Per channel, whether the current window's maximum is still to be found.
    public func scratchCount(rows: Int) -> Int { windows.input.channels }
    public var description: String { windows.describe("max_pool") }

    public func forward(_ pass: LayerPass, phase: Int) {
        let channels = windows.input.channels
        for row in 0..<pass.rows {
            let input = pass.input + row * inputCount, output = pass.output + row * outputCount
            windows.forEachWindow { outputPixel, inputPixel, first in
                let source = input + inputPixel * channels, target = output + outputPixel * channels
                if first {
                    target.update(from: source, count: channels)
                } else {
                    // Strictly greater, so a later tie does not replace the first maximum.
                    for c in 0..<channels { target[c] = source[c] > target[c] ? source[c] : target[c] }
                }
            }
        }
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        guard let inputGradient = pass.inputGradient else { return }
        let channels = windows.input.channels, pending = pass.scratch
        inputGradient.update(repeating: 0, count: pass.rows * inputCount)
        for row in 0..<pass.rows {
            let input = pass.input + row * inputCount, output = pass.output + row * outputCount
            let gradient = inputGradient + row * inputCount, delta = pass.outputGradient + row * outputCount
            windows.forEachWindow { outputPixel, inputPixel, first in
                if first { pending.update(repeating: 1, count: channels) }
                let values = input + inputPixel * channels, maxima = output + outputPixel * channels
                for c in 0..<channels where pending[c] != 0 && values[c] == maxima[c] {
                    // Accumulated: overlapping windows (stride below the window) may pick the same element.
                    gradient[inputPixel * channels + c] += delta[outputPixel * channels + c]
                    pending[c] = 0
                }
            }
        }
    }
}
