/// A layer called on whole tensors, in one part, with buffers allocated per call: for tests, gradient
/// checks and tools. Training and evaluation use the trainer's and evaluation's preallocated buffers.
extension Layer {
    /// The layer's output for a batch whose first dimension is the rows.
    public func callAsFunction(_ input: Tensor, training: Bool = false, randomKey: UInt64 = 0) -> Tensor {
        withPass(input: input, outputGradient: nil, training: training, randomKey: randomKey) { pass in
            Tensor(shape: [pass.rows] + outputShape, scalars: Array(UnsafeBufferPointer(start: pass.output, count: pass.rows * outputCount)))
        }
    }

    /// The gradients of a loss with respect to the layer's trainable parameters (in order) and its
    /// input, given the batch's `input` and dLoss/dOutput.
    public func gradients(
        input: Tensor, outputGradient: Tensor, training: Bool = true, randomKey: UInt64 = 0
    ) -> (parameters: [Tensor], input: Tensor) {
        withPass(input: input, outputGradient: outputGradient, training: training, randomKey: randomKey) { pass in
            var pass = pass
            let inputGradient = UnsafeMutablePointer<Float>.allocate(capacity: max(1, pass.rows * inputCount))
            defer { inputGradient.deallocate() }
            pass.inputGradient = inputGradient
            for phase in 0..<backwardPhases { backward(pass, phase: phase) }
            let parameterGradients = parameterSpecs.indices.filter { parameterSpecs[$0].trainable }.map { index in
                let spec = parameterSpecs[index]
                var gradient = Tensor(shape: spec.shape)
                gradient.scalars.withUnsafeMutableBufferPointer { gradient in
                    parameterGradient(index, rows: 0..<spec.rowCount, pass: pass, into: gradient.baseAddress!)
                }
                return gradient
            }
            return (parameterGradients, Tensor(shape: input.shape,
                                               scalars: Array(UnsafeBufferPointer(start: inputGradient, count: input.count))))
        }
    }

    /// Runs the forward pass on `input` in one part and calls `body` with the pass, its buffers still valid.
    private func withPass<Result>(
        input: Tensor, outputGradient: Tensor?, training: Bool, randomKey: UInt64, _ body: (LayerPass) -> Result
    ) -> Result {
        let rows = input.rank == 0 ? 0 : input.shape[0]
        precondition(input.count == rows * inputCount, "\(self) expects rows of \(inputShape), got \(input.shape)")
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            pointer.initialize(repeating: 0, count: max(1, count))
            return pointer
        }
        let (inputBuffer, output, saved) = (buffer(input.count), buffer(rows * outputCount), buffer(rows * savedCount))
        let (scratch, shared, gradient) = (buffer(scratchCount(rows: rows)), buffer(sharedCount), buffer(rows * outputCount))
        defer { [inputBuffer, output, saved, scratch, shared, gradient].forEach { $0.deallocate() } }
        inputBuffer.update(from: input.scalars, count: input.count)
        if let outputGradient {
            precondition(outputGradient.count == rows * outputCount, "output gradient of the wrong size")
            gradient.update(from: outputGradient.scalars, count: outputGradient.count)
        }
        let parameterPointers = parameters.map { tensor in
            let pointer = buffer(tensor.count)
            pointer.update(from: tensor.scalars, count: tensor.count)
            return pointer
        }
        defer { parameterPointers.forEach { $0.deallocate() } }
        return parameterPointers.withUnsafeBufferPointer { parameterPointers in
            let pass = LayerPass(
                input: inputBuffer, output: output, outputGradient: gradient, inputGradient: nil, rows: rows, firstRow: 0,
                batchSize: rows, parameters: parameterPointers, saved: saved, scratch: scratch, shared: shared, part: 0,
                parts: 1, training: training, randomKey: randomKey)
            for phase in 0..<forwardPhases(training: training) { forward(pass, phase: phase) }
            return body(pass)
        }
    }
}
