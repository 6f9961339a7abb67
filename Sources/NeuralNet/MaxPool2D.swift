import CKernels

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
        guard windows.input.count <= Self.largestImage else {
            throw LayerShapeError("max_pool on \(inputShape) is too large: it takes images of at most \(Self.largestImage) values")
        }
    }

    /// The origins are element indices stored as floats, exact up to 2^24.
    static let largestImage = 1 << 24

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
    public var appliesInputReLUDerivative: Bool { true }

    public func forward(_ pass: LayerPass, phase: Int) {
        let (input, output) = (windows.input, windows.output)
        labbook_max_pool_forward(pass.input, pass.rows, input.height, input.width, input.channels, window, stride,
                                 output.height, output.width, pass.output, pass.saved)
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        guard let inputGradient = pass.inputGradient else { return }
        // Under a ReLU, an element gets a gradient only as its window's maximum, so the ReLU's
        // derivative there is this layer's output being positive.
        labbook_max_pool_backward(pass.outputGradient, pass.saved, pass.inputIsReLUOutput ? pass.output : nil, pass.rows,
                                  inputCount, outputCount, inputGradient)
    }
}
