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
    /// Evaluates every example of `source`, `chunkSize` at a time, so memory stays bounded by the chunk
    /// however large the split. Losses are summed chunk by chunk in order.
    public func evaluate(on source: some ExampleSource, chunkSize: Int = 1000) -> Evaluation {
        labbook_flush_subnormals()
        precondition(source.featureCount == inputSize,
                     "network expects \(inputSize) features, the data has \(source.featureCount)")
        // One product at a time here, after training may have left BLAS single-threaded.
        BLASInfo.usePreferredThreads()
        let chunk = max(1, min(chunkSize, source.count))
        let features = ScratchBuffer<Float>(count: chunk * inputSize, repeating: 0)
        let labels = ScratchBuffer<Int32>(count: chunk, repeating: 0)
        let activations = layers.map { ScratchBuffer<Float>(count: chunk * $0.outputSize, repeating: 0) }
        let indices = ScratchBuffer<Int>(count: chunk, repeating: 0)
        var confusion = ConfusionMatrix(classes: outputSize)
        var lossSum = 0.0
        var start = 0
        while start < source.count {
            let rows = min(chunk, source.count - start)
            for i in 0..<rows { indices.pointer[i] = start + i }
            source.gather(UnsafeBufferPointer(start: indices.pointer, count: rows),
                          features: features.pointer, labels: labels.pointer)
            for (index, layer) in layers.enumerated() {
                let layerInput = index == 0 ? features.pointer : activations[index - 1].pointer
                layer.forward(layerInput, batchSize: rows, into: activations[index].pointer)
            }
            let logits = activations[layers.count - 1].pointer
            lossSum += Double(rows) * SoftmaxCrossEntropy.loss(
                logits: logits, labels: labels.pointer, batchSize: rows, classes: outputSize)
            for row in 0..<rows {
                confusion.add(actual: Int(labels.pointer[row]),
                              predicted: Metrics.argmax(logits + row * outputSize, count: outputSize))
            }
            start += rows
        }
        return Evaluation(examples: source.count, loss: source.count == 0 ? 0 : lossSum / Double(source.count),
                          confusion: confusion)
    }
}
