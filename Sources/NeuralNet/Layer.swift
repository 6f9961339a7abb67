/// One layer of a network, as the trainer, evaluation, checkpoints, the memory check and the report
/// all see it: shapes, parameters, cost, and a forward and backward pass over raw buffers.
///
/// Like Keras's `Layer` and PyTorch's `nn.Module`, a layer owns its parameters (`parameters`, in
/// `parameterSpecs` order) and says what they are called. Unlike them, its passes read and write
/// buffers the caller owns, given in a `LayerPass`: the trainer allocates every buffer once, keeps
/// the parameters in buffers of its own while it trains, and cuts each step into the same parts on
/// one core or two (see `Trainer`), so a pass must never allocate and must give the same bits
/// whichever thread runs which part.
///
/// Shapes are one example's, without the batch: `[3072]` for a vector, `[height, width, channels]`
/// for an image (NHWC, TensorFlow's layout). A batch is `rows` examples one after another.
///
/// A training step runs, per part of the batch (its rows): every layer's `forward`, the loss, and
/// every layer's `backward` from the last layer down. Layers that need the whole batch (batch norm)
/// ask for more than one phase: every part finishes phase `k` of a layer before any part starts
/// phase `k + 1`, so phase `k + 1` may read what all parts wrote to `shared` in phase `k`. After the
/// backward passes, `parameterGradient` computes each trainable parameter's gradient over the whole
/// batch, a block of its rows at a time.
public protocol Layer: Sendable, CustomStringConvertible {
    /// The settings the layer was built from (what a notebook writes and a checkpoint records).
    var spec: LayerSpec { get }
    var inputShape: [Int] { get }
    var outputShape: [Int] { get }

    /// What each parameter is, in the order of `parameters`.
    var parameterSpecs: [ParameterSpec] { get }
    /// The layer's parameters, in `parameterSpecs` order and shapes. Empty in a layer just built from
    /// its settings (`LayerSpec.makeLayer`), so that checking a notebook's shapes allocates nothing;
    /// `Network` fills them.
    var parameters: [Tensor] { get set }

    /// Floating-point operations of one example's forward pass (a multiply-add counts two).
    var forwardOperations: Int { get }
    /// Floats per example that the forward pass keeps for the backward pass, besides the output
    /// (a convolution's unrolled input, a dropout mask, batch norm's normalized values).
    var savedCount: Int { get }
    /// Floats of scratch one part needs for `rows` examples, valid during one pass only.
    func scratchCount(rows: Int) -> Int
    /// Floats each part may write in one phase for every part to read in the next.
    var sharedCount: Int { get }
    /// How many phases the forward pass has; 1 unless it needs statistics of the whole batch.
    func forwardPhases(training: Bool) -> Int
    /// How many phases the backward pass has.
    var backwardPhases: Int { get }

    /// Writes `pass.output` from `pass.input` for the part's rows. With `pass.training` false (evaluation)
    /// it must not write `saved` beyond what `savedCount` allows, nor change any parameter.
    func forward(_ pass: LayerPass, phase: Int)
    /// From dLoss/dOutput in `pass.outputGradient` (which it may overwrite, typically with
    /// dLoss/dPreActivation) writes dLoss/dInput into `pass.inputGradient` when that is not nil.
    /// `pass.output`, `pass.input` and `pass.saved` hold what the forward pass left.
    func backward(_ pass: LayerPass, phase: Int)
    /// Rows `rows` of trainable parameter `index`'s gradient over the whole batch, where a row is the
    /// parameter's last dimension (a dense weight `[in, out]` has `in` rows of `out`), written at
    /// their place in `gradient` (the whole parameter's gradient buffer). `pass` covers the whole
    /// batch after every part's backward pass. Each element must be the same sum, in the same order,
    /// whichever block of rows is asked for, so blocks can be shared between threads.
    func parameterGradient(_ index: Int, rows: Range<Int>, pass: LayerPass, into gradient: UnsafeMutablePointer<Float>)
    /// Whether the backward pass can apply the ReLU derivative of the layer before it while writing
    /// the input gradient (see `LayerPass.inputIsReLUOutput`), for less than a pass over it.
    var appliesInputReLUDerivative: Bool { get }
}

extension Layer {
    public var savedCount: Int { 0 }
    public func scratchCount(rows: Int) -> Int { 0 }
    public var sharedCount: Int { 0 }
    public func forwardPhases(training: Bool) -> Int { 1 }
    public var backwardPhases: Int { 1 }
    public var appliesInputReLUDerivative: Bool { false }
    public func parameterGradient(_ index: Int, rows: Range<Int>, pass: LayerPass, into gradient: UnsafeMutablePointer<Float>) {
        preconditionFailure("\(Self.self) has no trainable parameters")
    }

    public var inputCount: Int { inputShape.reduce(1, *) }
    public var outputCount: Int { outputShape.reduce(1, *) }
    public var parameterCount: Int { parameterSpecs.reduce(0) { $0 + $1.count } }
    /// The activation applied to the output, for tables; nil for layers without one.
    public var activation: Activation? { spec.activation }
}

/// A layer without parameters (pooling, flatten, dropout).
public protocol ParameterFreeLayer: Layer {}

extension ParameterFreeLayer {
    public var parameterSpecs: [ParameterSpec] { [] }
    public var parameters: [Tensor] {
        get { [] }
        set { precondition(newValue.isEmpty, "a \(spec.kind) layer has no parameters") }
    }
}

/// What one parameter tensor of a layer is.
public struct ParameterSpec: Sendable, Equatable {
    /// How the parameter starts.
    public enum Initialization: Sendable, Equatable {
        /// The network's initializer (the notebook's `init`), with these fans.
        case network(fanIn: Int, fanOut: Int)
        case zeros
        case ones
    }

    /// The name within the layer: `weights`, `biases`, `gamma`, `moving_mean`, ...
    public var name: String
    public var shape: [Int]
    public var initialization: Initialization
    /// Updated by the optimizer from its gradient; batch norm's moving statistics are not.
    public var trainable: Bool
    /// Under L2 regularization (the kernels of dense and convolutional layers).
    public var regularized: Bool
    /// Multiply-adds per example of computing the gradient, which decides whether two threads share
    /// it: a convolution's small kernel sums over every output pixel.
    public var gradientWork: Int

    public init(name: String, shape: [Int], initialization: Initialization, trainable: Bool = true,
                regularized: Bool = false, gradientWork: Int? = nil) {
        self.name = name
        self.shape = shape
        self.initialization = initialization
        self.trainable = trainable
        self.regularized = regularized
        self.gradientWork = gradientWork ?? shape.reduce(1, *)
    }

    public var count: Int { shape.reduce(1, *) }
    /// The length of a row: the last dimension (see `Layer.parameterGradient`).
    public var rowLength: Int { shape.last ?? 1 }
    public var rowCount: Int { rowLength == 0 ? 0 : count / rowLength }

    /// A freshly initialized tensor of this parameter.
    public func makeTensor(_ initializer: Initializer, using generator: inout SeededGenerator) -> Tensor {
        switch initialization {
        case .network(let fanIn, let fanOut):
            initializer.makeTensor(shape: shape, fanIn: fanIn, fanOut: fanOut, using: &generator)
        case .zeros:
            Tensor(shape: shape)
        case .ones:
            Tensor(shape: shape, repeating: 1)
        }
    }
}

/// The buffers of one pass of one layer over one part's rows of a batch. Every pointer is the
/// part's own: `input`, `output`, the gradients and `saved` start at the part's first row.
public struct LayerPass {
    /// `rows × inputCount` values.
    public var input: UnsafePointer<Float>
    /// `rows × outputCount` values.
    public var output: UnsafeMutablePointer<Float>
    /// Backward passes: dLoss/dOutput, `rows × outputCount`; the layer may overwrite it.
    public var outputGradient: UnsafeMutablePointer<Float>
    /// Backward passes: where dLoss/dInput goes, `rows × inputCount`; nil for the first layer.
    public var inputGradient: UnsafeMutablePointer<Float>?
    public var rows: Int
    /// The part's first row within the batch.
    public var firstRow: Int
    /// Rows in the whole batch.
    public var batchSize: Int
    /// The layer's parameters, in `parameterSpecs` order, as the current step sees them.
    public var parameters: UnsafeBufferPointer<UnsafeMutablePointer<Float>>
    /// `rows × savedCount` values kept from the forward pass to the backward pass.
    public var saved: UnsafeMutablePointer<Float>
    /// `scratchCount(rows:)` values for this pass alone.
    public var scratch: UnsafeMutablePointer<Float>
    /// `parts × sharedCount` values; part `p` writes its own `sharedCount` values at `p × sharedCount`.
    public var shared: UnsafeMutablePointer<Float>
    public var part: Int
    public var parts: Int
    /// The first part this process runs (part 0 unless ranks share the batch), which alone updates
    /// state every part would update alike: batch norm's moving statistics.
    public var isFirstLocalPart: Bool
    /// Training (dropout drops, batch norm uses the batch's statistics) or evaluation.
    public var training: Bool
    /// Differs for every step and layer; random draws (dropout masks) hash it with the example's row
    /// in the batch, so they do not depend on how the batch is cut into parts.
    public var randomKey: UInt64
    /// Backward passes: the input is a ReLU's output and the layer before leaves its derivative to
    /// this one, which must zero its input gradient wherever the input is not positive. Only for
    /// layers that `appliesInputReLUDerivative`.
    public var inputIsReLUOutput = false
    /// Backward passes: the layer after has already multiplied `outputGradient` by this layer's
    /// activation derivative. A ReLU's derivative is a pass over its whole output, memory-bound,
    /// while max pooling knows it from its own maxima: a tenth of a convolutional network's step.
    public var outputGradientHasActivationDerivative = false

    public init(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>?, rows: Int, firstRow: Int, batchSize: Int,
        parameters: UnsafeBufferPointer<UnsafeMutablePointer<Float>>, saved: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, shared: UnsafeMutablePointer<Float>, part: Int, parts: Int,
        training: Bool, randomKey: UInt64
    ) {
        self.input = input
        self.output = output
        self.outputGradient = outputGradient
        self.inputGradient = inputGradient
        self.rows = rows
        self.firstRow = firstRow
        self.batchSize = batchSize
        self.parameters = parameters
        self.saved = saved
        self.scratch = scratch
        self.shared = shared
        self.part = part
        self.parts = parts
        isFirstLocalPart = part == 0
        self.training = training
        self.randomKey = randomKey
    }

    /// Parameter `index` of the layer.
    public func parameter(_ index: Int) -> UnsafeMutablePointer<Float> { parameters[index] }

    /// The part `part`'s shared values of a layer with `count` shared values per part.
    public func shared(part: Int, count: Int) -> UnsafeMutablePointer<Float> { shared + part * count }
}

/// A layer that does not fit the shape it is given: a kernel larger than its input, pooling to
/// nothing, an image layer on a vector. The message says what, in the notebook's terms.
public struct LayerShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Formats a shape the way the report's model table does: `[batch, 30, 30, 32]`.
public func batchShapeDescription(_ shape: [Int]) -> String {
    "[" + (["batch"] + shape.map(String.init)).joined(separator: ", ") + "]"
}
