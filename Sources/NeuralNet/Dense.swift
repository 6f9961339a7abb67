/// A fully connected layer: `activation(input · weight + bias)`.
///
/// `weight` is `[inputSize, outputSize]` (TensorFlow's layout, the tutorial's `weights`), `bias` is
/// `[outputSize]`. Batches are rows: an input batch is `[batchSize, inputSize]`.
public struct Dense: Sendable, Equatable, CustomStringConvertible {
    public var weight: Tensor
    public var bias: Tensor
    public var activation: Activation

    public init(weight: Tensor, bias: Tensor, activation: Activation) {
        precondition(weight.rank == 2 && bias.shape == [weight.shape[1]],
                     "Dense needs weight [in, out] and bias [out], got \(weight.shape) and \(bias.shape)")
        self.weight = weight
        self.bias = bias
        self.activation = activation
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

    public var inputSize: Int { weight.shape[0] }
    public var outputSize: Int { weight.shape[1] }
    public var parameterCount: Int { weight.count + bias.count }

    public var description: String {
        "dense \(inputSize) -> \(outputSize)" + (activation == .none ? "" : ", \(activation.rawValue)")
    }

    /// Writes the layer's output for `batchSize` input rows into `output` (`batchSize × outputSize`).
    public func forward(
        _ input: UnsafePointer<Float>, batchSize: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let outputs = outputSize
        bias.scalars.withUnsafeBufferPointer { bias in
            for row in 0..<batchSize {
                (output + row * outputs).update(from: bias.baseAddress!, count: outputs)
            }
        }
        weight.scalars.withUnsafeBufferPointer { weight in
            MatrixProduct.multiply(
                input, transposeA: false, rowsA: batchSize, columnsA: inputSize,
                weight.baseAddress!, transposeB: false, rowsB: inputSize, columnsB: outputs,
                into: output, alpha: 1, beta: 1)
        }
        activation.apply(output, count: batchSize * outputs)
    }

    /// Back-propagates through the layer.
    ///
    /// - `outputGradient`: dLoss/dOutput on entry; overwritten with dLoss/dPreActivation.
    /// - `weightGradient` receives `inputᵀ · δ`, plus `beta` times its previous contents.
    /// - `biasGradient` receives the column sums of δ, summed row by row in order.
    /// - `inputGradient`, when given, receives `δ · weightᵀ` (dLoss/dInput).
    public func backward(
        input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        outputGradient: UnsafeMutablePointer<Float>, batchSize: Int,
        weightGradient: UnsafeMutablePointer<Float>, weightGradientBeta: Float = 0,
        biasGradient: UnsafeMutablePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>?
    ) {
        backPropagate(output: output, outputGradient: outputGradient, batchSize: batchSize, inputGradient: inputGradient)
        Self.weightGradient(input: input, inputSize: inputSize, delta: outputGradient, outputSize: outputSize,
                            batchSize: batchSize, inputs: 0..<inputSize, into: weightGradient, beta: weightGradientBeta)
        Self.biasGradient(delta: outputGradient, outputSize: outputSize, batchSize: batchSize, into: biasGradient)
    }

    /// The part of back-propagation that works row by row, so each part of a batch can do its own:
    /// turns dLoss/dOutput in `outputGradient` into dLoss/dPreActivation (δ), and writes
    /// dLoss/dInput, `δ · weightᵀ`, into `inputGradient` when given.
    public func backPropagate(
        output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>, batchSize: Int,
        inputGradient: UnsafeMutablePointer<Float>?
    ) {
        activation.multiplyByDerivative(outputGradient, output: output, count: batchSize * outputSize)
        guard let inputGradient else { return }
        weight.scalars.withUnsafeBufferPointer { weight in
            MatrixProduct.multiply(
                outputGradient, transposeA: false, rowsA: batchSize, columnsA: outputSize,
                weight.baseAddress!, transposeB: true, rowsB: inputSize, columnsB: outputSize,
                into: inputGradient, alpha: 1, beta: 0)
        }
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

    /// The layer's output for a batch `[batchSize, inputSize]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.columns == inputSize, "Dense expects \(inputSize) inputs, got \(input.columns)")
        var output = Tensor(shape: [input.rows, outputSize])
        input.scalars.withUnsafeBufferPointer { input in
            output.scalars.withUnsafeMutableBufferPointer { output in
                forward(input.baseAddress!, batchSize: input.count / inputSize, into: output.baseAddress!)
            }
        }
        return output
    }

    /// The gradients of a loss with respect to the layer's parameters and input, given the batch's
    /// `input` and dLoss/dOutput.
    public func gradients(input: Tensor, outputGradient: Tensor) -> (weight: Tensor, bias: Tensor, input: Tensor) {
        let output = self(input)
        var delta = outputGradient
        var weightGradient = Tensor(shape: weight.shape)
        var biasGradient = Tensor(shape: bias.shape)
        var inputGradient = Tensor(shape: input.shape)
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeBufferPointer { y in
                delta.scalars.withUnsafeMutableBufferPointer { delta in
                    weightGradient.scalars.withUnsafeMutableBufferPointer { dw in
                        biasGradient.scalars.withUnsafeMutableBufferPointer { db in
                            inputGradient.scalars.withUnsafeMutableBufferPointer { dx in
                                backward(
                                    input: x.baseAddress!, output: y.baseAddress!,
                                    outputGradient: delta.baseAddress!, batchSize: input.rows,
                                    weightGradient: dw.baseAddress!, biasGradient: db.baseAddress!,
                                    inputGradient: dx.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        return (weightGradient, biasGradient, inputGradient)
    }
}
