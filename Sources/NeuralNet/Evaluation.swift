import CKernels
/// A network's loss and accuracy over a set of examples.
public struct Evaluation: Sendable, Equatable {
    public var examples: Int
    /// Mean cross-entropy (without the L2 penalty).
    public var loss: Double
    public var confusion: ConfusionMatrix

    public var accuracy: Double { confusion.accuracy }
}

extension Network {
    /// Floats of buffers an evaluation chunk may take: the chunk shrinks below `chunkSize` for
    /// networks whose layers keep a lot per example (a convolution's unrolled input), so evaluating
    /// stays within a few tens of megabytes.
    static let evaluationBufferBudget = 8 << 20

    /// Evaluates every example of `source`, `chunkSize` at a time (fewer for networks that need much
    /// memory per example), so memory stays bounded however large the split. Losses are summed
    /// chunk by chunk in order.
    public func evaluate(on source: some ExampleSource, chunkSize: Int = 1000) -> Evaluation {
        var evaluation = Evaluation(examples: source.count, loss: 0, confusion: ConfusionMatrix(classes: outputSize))
        var lossSum = 0.0
        forEachChunk(of: source, chunkSize: chunkSize) { logits, labels, rows in
            lossSum += Double(rows) * SoftmaxCrossEntropy.loss(
                logits: logits, labels: labels, batchSize: rows, classes: outputSize)
            for row in 0..<rows {
                evaluation.confusion.add(actual: Int(labels[row]),
                                         predicted: Metrics.argmax(logits + row * outputSize, count: outputSize))
            }
        }
        evaluation.loss = source.count == 0 ? 0 : lossSum / Double(source.count)
        return evaluation
    }

    /// Runs the network in evaluation mode over `source` in order, calling `body` with each chunk's
    /// logits (`rows × outputSize`), labels and row count; the layer outputs of the chunk are in
    /// `outputs` for `body` to read.
    public func forEachChunk(
        of source: some ExampleSource, chunkSize: Int = 1000,
        _ body: (_ logits: UnsafePointer<Float>, _ labels: UnsafePointer<Int32>, _ rows: Int) -> Void
    ) {
        forEachChunk(of: source, chunkSize: chunkSize) { outputs, labels, rows in
            body(outputs[layers.count - 1], labels, rows)
        }
    }

    /// As `forEachChunk(of:chunkSize:_:)`, handing `body` every layer's output for the chunk.
    public func forEachChunk(
        of source: some ExampleSource, chunkSize: Int = 1000,
        layerOutputs body: (_ outputs: [UnsafePointer<Float>], _ labels: UnsafePointer<Int32>, _ rows: Int) -> Void
    ) {
        labbook_flush_subnormals()
        precondition(source.featureCount == inputSize,
                     "network expects \(inputSize) features, the data has \(source.featureCount)")
        // One product at a time here, after training may have left BLAS single-threaded.
        BLASInfo.usePreferredThreads()
        let perExample = inputSize + layers.reduce(0) { $0 + $1.outputCount + $1.savedCount + $1.scratchCount(rows: 1) }
        let chunk = max(1, min(chunkSize, source.count, Self.evaluationBufferBudget / max(1, perExample)))
        let features = ScratchBuffer<Float>(count: chunk * inputSize, repeating: 0)
        let labels = ScratchBuffer<Int32>(count: chunk, repeating: 0)
        let activations = layers.map { ScratchBuffer<Float>(count: chunk * $0.outputCount, repeating: 0) }
        let saved = layers.map { ScratchBuffer<Float>(count: chunk * $0.savedCount, repeating: 0) }
        let scratch = ScratchBuffer<Float>(count: layers.map { $0.scratchCount(rows: chunk) }.max() ?? 0, repeating: 0)
        let shared = ScratchBuffer<Float>(count: layers.map(\.sharedCount).max() ?? 0, repeating: 0)
        let parameters = layers.map { layer in
            layer.parameters.map { tensor in
                let buffer = ScratchBuffer<Float>(count: tensor.count, repeating: 0)
                buffer.pointer.update(from: tensor.scalars, count: tensor.count)
                return buffer
            }
        }
        let tables = parameters.map { buffers in
            let table = ScratchBuffer<UnsafeMutablePointer<Float>>(count: buffers.count, repeating: features.pointer)
            for (index, buffer) in buffers.enumerated() { table.pointer[index] = buffer.pointer }
            return table
        }
        let indices = ScratchBuffer<Int>(count: chunk, repeating: 0)
        let outputs = activations.map { UnsafePointer($0.pointer) }
        // The tables hold the parameter buffers' pointers only; the buffers must outlive the loop.
        defer { withExtendedLifetime(parameters) {} }
        var start = 0
        while start < source.count {
            let rows = min(chunk, source.count - start)
            for i in 0..<rows { indices.pointer[i] = start + i }
            source.gather(UnsafeBufferPointer(start: indices.pointer, count: rows),
                          features: features.pointer, labels: labels.pointer)
            for (index, layer) in layers.enumerated() {
                let pass = LayerPass(
                    input: index == 0 ? features.pointer : activations[index - 1].pointer,
                    output: activations[index].pointer, outputGradient: activations[index].pointer, inputGradient: nil,
                    rows: rows, firstRow: 0, batchSize: rows,
                    parameters: UnsafeBufferPointer(start: tables[index].pointer, count: tables[index].count),
                    saved: saved[index].pointer, scratch: scratch.pointer, shared: shared.pointer, part: 0, parts: 1,
                    training: false, randomKey: 0)
                for phase in 0..<layer.forwardPhases(training: false) { layer.forward(pass, phase: phase) }
            }
            body(outputs, labels.pointer, rows)
            start += rows
        }
    }
}
