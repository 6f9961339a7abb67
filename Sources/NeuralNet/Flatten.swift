/// An image as one vector, `[H, W, C] -> [H·W·C]`, in memory order (NHWC), as Keras's `Flatten`
/// gives on channels-last data, so weights trained there read the same features here.
///
/// A dense layer already reads an image as this vector; `flatten` exists so that notebooks written
/// for Keras run unchanged and their model tables show the same shapes. It copies rather than
/// aliasing because every layer owns its output buffer.
public struct Flatten: ParameterFreeLayer, Equatable {
    public let inputShape: [Int]

    public init(inputShape: [Int]) {
        self.inputShape = inputShape
    }

    // MARK: Layer

    public var spec: LayerSpec { .flatten }
    public var outputShape: [Int] { [inputCount] }
    public var forwardOperations: Int { 0 }
    public var description: String { "flatten \(inputShape) -> \(outputShape)" }

    public func forward(_ pass: LayerPass, phase: Int) {
        pass.output.update(from: pass.input, count: pass.rows * inputCount)
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        pass.inputGradient?.update(from: pass.outputGradient, count: pass.rows * inputCount)
    }
}
