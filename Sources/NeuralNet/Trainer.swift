/// What one training step measured on its batch, before the update it applied.
public struct StepResult: Sendable, Equatable {
    /// Mean cross-entropy over the batch.
    public var dataLoss: Double
    /// The L2 penalty, when the step was asked for it (it costs a pass over every weight).
    public var regularizationLoss: Double?
    /// Examples of the batch whose prediction was right.
    public var correct: Int
    public var batchSize: Int

    /// The loss the tutorial prints: cross-entropy plus the L2 penalty.
    public var loss: Double { dataLoss + (regularizationLoss ?? 0) }
    public var accuracy: Double { Double(correct) / Double(batchSize) }
}

/// Trains a network with a fixed batch size, one step at a time, in buffers allocated once.
///
/// A step runs the forward pass, softmax cross-entropy, back-propagation layer by layer, adds the L2
/// gradient and lets the optimizer update every parameter slot. Callers fill `input` and `labels`
/// (or pass an `ExampleSource` and a `BatchOrder` to `step(source:order:)`) and nothing is allocated
/// per step, so memory stays flat however long the run.
public final class Trainer {
    public private(set) var network: Network
    public var optimizer: any Optimizer
    public let batchSize: Int

    /// The batch's features, `batchSize × inputSize`, filled by the caller before `step()`.
    public var input: UnsafeMutablePointer<Float> { inputBuffer.pointer }
    /// The batch's labels, `batchSize` of them.
    public var labels: UnsafeMutablePointer<Int32> { labelBuffer.pointer }

    private let inputBuffer: ScratchBuffer<Float>
    private let labelBuffer: ScratchBuffer<Int32>
    private let outputs: [ScratchBuffer<Float>]
    private let deltas: [ScratchBuffer<Float>]
    private let weightGradients: [ScratchBuffer<Float>]
    private let biasGradients: [ScratchBuffer<Float>]

    public init(network: Network, optimizer: any Optimizer, batchSize: Int) {
        precondition(batchSize > 0, "batch size must be positive")
        self.network = network
        self.optimizer = optimizer
        self.batchSize = batchSize
        inputBuffer = ScratchBuffer(count: batchSize * network.inputSize, repeating: 0)
        labelBuffer = ScratchBuffer(count: batchSize, repeating: 0)
        outputs = network.layers.map { ScratchBuffer(count: batchSize * $0.outputSize, repeating: 0) }
        deltas = network.layers.map { ScratchBuffer(count: batchSize * $0.outputSize, repeating: 0) }
        weightGradients = network.layers.map { ScratchBuffer(count: $0.weight.count, repeating: 0) }
        biasGradients = network.layers.map { ScratchBuffer(count: $0.bias.count, repeating: 0) }
    }

    /// The output of layer `index` (after its activation; the last layer's are the logits) for the
    /// batch of the most recent step, `batchSize × units` values.
    public func layerOutput(_ index: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: outputs[index].pointer, count: outputs[index].count)
    }

    /// Replaces the network, for restoring a checkpoint; its layer shapes must match.
    public func replaceNetwork(_ newNetwork: Network) {
        precondition(newNetwork.layers.map(\.weight.shape) == network.layers.map(\.weight.shape),
                     "replacement network has different layer shapes")
        network = newNetwork
    }

    /// Gathers the next batch from `source` in `order`, then trains on it.
    public func step(
        source: some ExampleSource, order: inout some BatchOrder, includeRegularizationLoss: Bool = false
    ) -> StepResult {
        precondition(order.batchSize == batchSize, "batch order and trainer disagree on the batch size")
        order.nextBatch().withUnsafeBufferPointer { source.gather($0, features: input, labels: labels) }
        return step(includeRegularizationLoss: includeRegularizationLoss)
    }

    /// One step of gradient descent on the batch in `input` and `labels`.
    public func step(includeRegularizationLoss: Bool = false) -> StepResult {
        let regularization = includeRegularizationLoss ? network.regularizationLoss() : nil
        var correct = 0
        let dataLoss = computeGradients(correct: &correct)
        applyUpdates()
        return StepResult(dataLoss: dataLoss, regularizationLoss: regularization,
                          correct: correct, batchSize: batchSize)
    }

    /// The gradient of the loss (cross-entropy plus L2) on the batch in `input` and `labels`, per
    /// parameter in slot order (`Layer1/weights`, `Layer1/biases`, ...), without updating anything.
    public func gradients() -> (dataLoss: Double, gradients: [Tensor]) {
        var correct = 0
        let dataLoss = computeGradients(correct: &correct)
        let tensors = network.layers.indices.flatMap { index in
            let layer = network.layers[index]
            return [
                Tensor(shape: layer.weight.shape, scalars: Array(UnsafeBufferPointer(
                    start: weightGradients[index].pointer, count: layer.weight.count))),
                Tensor(shape: layer.bias.shape, scalars: Array(UnsafeBufferPointer(
                    start: biasGradients[index].pointer, count: layer.bias.count))),
            ]
        }
        return (dataLoss, tensors)
    }

    /// Forward pass, loss and back-propagation into the gradient buffers; returns the data loss.
    private func computeGradients(correct: inout Int) -> Double {
        let layerCount = network.layers.count
        for (index, layer) in network.layers.enumerated() {
            layer.forward(layerInput(index), batchSize: batchSize, into: outputs[index].pointer)
        }
        let dataLoss = SoftmaxCrossEntropy.loss(
            logits: outputs[layerCount - 1].pointer, labels: labels, batchSize: batchSize,
            classes: network.outputSize, gradient: deltas[layerCount - 1].pointer, correct: &correct)

        for index in stride(from: layerCount - 1, through: 0, by: -1) {
            let layer = network.layers[index]
            layer.backward(
                input: layerInput(index), output: outputs[index].pointer,
                outputGradient: deltas[index].pointer, batchSize: batchSize,
                weightGradient: weightGradients[index].pointer,
                biasGradient: biasGradients[index].pointer,
                inputGradient: index == 0 ? nil : deltas[index - 1].pointer)
            layer.weight.scalars.withUnsafeBufferPointer { weight in
                network.l2.addGradient(weight: weight.baseAddress!, to: weightGradients[index].pointer,
                                       count: weight.count)
            }
        }
        return dataLoss
    }

    /// The input of layer `index`: the batch for the first layer, the previous layer's output after.
    private func layerInput(_ index: Int) -> UnsafePointer<Float> {
        UnsafePointer(index == 0 ? inputBuffer.pointer : outputs[index - 1].pointer)
    }

    private func applyUpdates() {
        for index in network.layers.indices {
            network.layers[index].weight.scalars.withUnsafeMutableBufferPointer { weight in
                optimizer.update(slot: 2 * index, parameter: weight.baseAddress!,
                                 gradient: weightGradients[index].pointer, count: weight.count)
            }
            network.layers[index].bias.scalars.withUnsafeMutableBufferPointer { bias in
                optimizer.update(slot: 2 * index + 1, parameter: bias.baseAddress!,
                                 gradient: biasGradients[index].pointer, count: bias.count)
            }
        }
        optimizer.step += 1
    }
}
