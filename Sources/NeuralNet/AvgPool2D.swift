/// Average pooling over square windows (valid: only windows that fit, so every average has the
/// same `window²` terms and the backward pass spreads each gradient evenly), each channel on its own.
public struct AvgPool2D: ParameterFreeLayer, Equatable {
    let windows: PoolWindows

    public init(window: Int, stride: Int, inputShape: [Int]) throws(LayerShapeError) {
        windows = try PoolWindows(kind: "avg_pool", window: window, stride: stride, inputShape: inputShape)
    }

    public var window: Int { windows.window }
    public var stride: Int { windows.stride }

    // MARK: Layer

    public var spec: LayerSpec { .avgPool(window: window, stride: stride) }
    public var inputShape: [Int] { windows.input.shape }
    public var outputShape: [Int] { windows.output.shape }
    /// One addition per window element and a scaling per output.
    public var forwardOperations: Int { outputCount * (window * window + 1) }
    public var description: String { windows.describe("avg_pool") }

    private var scale: Float { 1 / Float(window * window) }

    public func forward(_ pass: LayerPass, phase: Int) {
        let channels = windows.input.channels, scale = scale
        for row in 0..<pass.rows {
            let input = pass.input + row * inputCount, output = pass.output + row * outputCount
            windows.forEachWindow { outputPixel, inputPixel, first in
                let source = input + inputPixel * channels, target = output + outputPixel * channels
                if first {
                    target.update(from: source, count: channels)
                } else {
                    for c in 0..<channels { target[c] += source[c] }
                }
            }
            for i in 0..<outputCount { output[i] *= scale }
        }
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        guard let inputGradient = pass.inputGradient else { return }
        let channels = windows.input.channels, scale = scale
        inputGradient.update(repeating: 0, count: pass.rows * inputCount)
        for row in 0..<pass.rows {
            let gradient = inputGradient + row * inputCount, delta = pass.outputGradient + row * outputCount
            windows.forEachWindow { outputPixel, inputPixel, _ in
                // Accumulated: with a stride below the window, an input pixel is in several windows.
                let target = gradient + inputPixel * channels, source = delta + outputPixel * channels
                for c in 0..<channels { target[c] += source[c] * scale }
            }
        }
    }
}
