/// A fully connected layer: `activation(input · weight + bias)`.
///
/// `weight` is `[inputCount, units]` (TensorFlow's layout, the tutorial's `weights`), `bias` is
/// `[units]`. An image-shaped input is read as the vector it is in memory, as Keras's `Flatten`
/// would give it, so a dense layer may follow a convolution directly.
public struct Dense: Layer, Equatable {
    public let inputShape: [Int]
    public let units: Int
    public var activationFunction: Activation
    public var parameters: [Tensor]

    public init(weight: Tensor, bias: Tensor, activation: Activation) {
        precondition(weight.rank == 2 && bias.shape == [weight.shape[1]],
                     "Dense needs weight [in, out] and bias [out], got \(weight.shape) and \(bias.shape)")
        inputShape = [weight.shape[0]]
        units = weight.shape[1]
        activationFunction = activation
        parameters = [weight, bias]
    }

    /// A layer of `units` on inputs of `inputShape`, without parameter tensors until a network gives them.
    public init(units: Int, activation: Activation, inputShape: [Int]) throws(LayerShapeError) {
        guard units > 0 else { throw LayerShapeError("a dense layer needs at least one unit") }
        guard inputShape.reduce(1, *) > 0 else {
            throw LayerShapeError("a dense layer needs inputs, but its input \(inputShape) is empty")
        }
        self.inputShape = inputShape
        self.units = units
        activationFunction = activation
        parameters = []
    }

    /// `[inputSize, units]`, TensorFlow's layout.
    public var weight: Tensor {
        get { parameters[0] }
        set { parameters[0] = newValue }
    }
    public var bias: Tensor {
        get { parameters[1] }
        set { parameters[1] = newValue }
    }

    public init(
        inputSize: Int, outputSize: Int, activation: Activation,
        weightInitializer: Initializer, biasInitializer: Initializer = .zeros,
        generator: inout SeededGenerator
    ) {
        self.init(
            weight: weightInitializer.makeTensor(
                shape: [inputSize, outputSize], fanIn: inputSize, fanOut: outputSize, using: &generator),
            bias: biasInitializer.makeTensor(
                shape: [outputSize], fanIn: inputSize, fanOut: outputSize, using: &generator),
            activation: activation)
    }

    public var inputSize: Int { inputCount }
    public var outputSize: Int { units }

    // MARK: Layer

    public var spec: LayerSpec { .dense(units: outputSize, activation: activationFunction) }
    public var outputShape: [Int] { [outputSize] }
    public var parameterSpecs: [ParameterSpec] {
        [ParameterSpec(name: "weights", shape: [inputSize, units],
                       initialization: .network(fanIn: inputSize, fanOut: units), regularized: true),
         ParameterSpec(name: "biases", shape: [units], initialization: .zeros)]
    }
    public var forwardOperations: Int { 2 * inputSize * outputSize }

    public var description: String {
        "dense \(inputSize) -> \(outputSize)" + (activationFunction == .none ? "" : ", \(activationFunction.rawValue)")
    }

    public func forward(_ pass: LayerPass, phase: Int) {
        Self.forward(pass.input, rows: pass.rows, inputs: inputSize, weight: pass.parameter(0), bias: pass.parameter(1),
                     outputs: outputSize, activation: activationFunction, into: pass.output)
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        if !pass.outputGradientHasActivationDerivative {
            activationFunction.multiplyByDerivative(pass.outputGradient, output: pass.output, count: pass.rows * outputSize)
        }
        guard let inputGradient = pass.inputGradient else { return }
        MatrixProduct.multiply(
            pass.outputGradient, transposeA: false, rowsA: pass.rows, columnsA: outputSize,
            pass.parameter(0), transposeB: true, rowsB: inputSize, columnsB: outputSize,
            into: inputGradient, alpha: 1, beta: 0)
    }

    public func parameterGradient(_ index: Int, rows: Range<Int>, pass: LayerPass, into gradient: UnsafeMutablePointer<Float>) {
        if index == 0 {
            Self.weightGradient(input: pass.input, inputSize: inputSize, delta: pass.outputGradient, outputSize: outputSize,
                                batchSize: pass.rows, inputs: rows, into: gradient + rows.lowerBound * outputSize)
        } else {
            Self.biasGradient(delta: pass.outputGradient, outputSize: outputSize, batchSize: pass.rows, into: gradient)
        }
    }

    // MARK: The products, shared with convolutions

    /// `activation(input · weight + bias)` for `rows` rows of `inputs` values into `rows × outputs`.
    public static func forward(
        _ input: UnsafePointer<Float>, rows: Int, inputs: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        outputs: Int, activation: Activation, into output: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            (output + row * outputs).update(from: bias, count: outputs)
        }
        MatrixProduct.multiply(
            input, transposeA: false, rowsA: rows, columnsA: inputs,
            weight, transposeB: false, rowsB: inputs, columnsB: outputs,
            into: output, alpha: 1, beta: 1)
        activation.apply(output, count: rows * outputs)
    }

    /// Rows `inputs` of the weight gradient, `input[:, inputs]ᵀ · δ` over the whole batch (plus
    /// `beta` times what `weightGradient` held), written from `weightGradient`'s first row on.
    ///
    /// Each element is one BLAS sum over the batch, whatever block of rows is asked for, so the
    /// rows can be shared out between threads without changing a bit of the result.
    public static func weightGradient(
        input: UnsafePointer<Float>, inputSize: Int, delta: UnsafePointer<Float>, outputSize: Int,
        batchSize: Int, inputs: Range<Int>, into weightGradient: UnsafeMutablePointer<Float>, beta: Float = 0
    ) {
        MatrixProduct.multiply(
            input + inputs.lowerBound, transposeA: true, rowsA: batchSize, columnsA: inputs.count, strideA: inputSize,
            delta, transposeB: false, rowsB: batchSize, columnsB: outputSize,
            into: weightGradient, alpha: 1, beta: beta)
    }

    /// The bias gradient: the column sums of δ, summed row by row in order.
    public static func biasGradient(
        delta: UnsafePointer<Float>, outputSize: Int, batchSize: Int, into biasGradient: UnsafeMutablePointer<Float>
    ) {
        biasGradient.initialize(repeating: 0, count: outputSize)
        for row in 0..<batchSize {
            let deltaRow = delta + row * outputSize
            for column in 0..<outputSize { biasGradient[column] += deltaRow[column] }
        }
    }

    /// The gradients of a loss with respect to the layer's parameters and input, given the batch's
    /// `input` and dLoss/dOutput.
    public func gradients(input: Tensor, outputGradient: Tensor) -> (weight: Tensor, bias: Tensor, input: Tensor) {
        let result = gradients(input: input, outputGradient: outputGradient, training: true)
        return (result.parameters[0], result.parameters[1], result.input)
    }
}
