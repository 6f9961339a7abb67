import CKernels
import Foundation

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
///
/// With `shards: 2` the work is shared between two cores, each running single-threaded BLAS products
/// (which OpenBLAS runs faster on these shapes than one product split across two threads): the two
/// halves of the batch run forward and backward at the same time, then each core computes half of
/// every weight gradient's rows over the whole batch, adds their L2 term and updates them while they
/// are still in its cache.
///
/// The work is always cut into the same two parts (the batch's halves, the weight gradients' two
/// blocks of rows), each one single-threaded OpenBLAS call, whether one thread runs both or two run
/// one each: OpenBLAS chooses its kernels (small-matrix paths, edge tiles) by a product's shape, so a
/// product cut differently can differ in its last bits (SkylakeX kernels do). The same calls give a
/// step the same bits on one core as on two, and from run to run.
public final class Trainer {
    public private(set) var network: Network
    public var optimizer: any Optimizer
    public let batchSize: Int
    /// How many threads run the step's parts: 1, or one per part.
    public let shards: Int
    /// How many parts the step's work is cut into, whatever the number of threads.
    public let parts: Int
    /// The parts a step is cut into when the batch allows.
    public static let partsPerStep = 2

    /// The batch's features, `batchSize × inputSize`, filled by the caller before `step()`.
    public var input: UnsafeMutablePointer<Float> { inputBuffer.pointer }
    /// The batch's labels, `batchSize` of them.
    public var labels: UnsafeMutablePointer<Int32> { labelBuffer.pointer }

    private let inputBuffer: ScratchBuffer<Float>
    private let labelBuffer: ScratchBuffer<Int32>
    private let outputs: [ScratchBuffer<Float>]
    private let deltas: [ScratchBuffer<Float>]
    /// Per layer: the batch's gradients.
    private let weightGradients: [ScratchBuffer<Float>]
    private let biasGradients: [ScratchBuffer<Float>]
    /// Each shard's rows of the batch.
    private let rowRanges: [Range<Int>]
    /// Each shard's mean cross-entropy and correct predictions in the current step.
    private let shardLosses: ScratchBuffer<Double>
    private let shardCorrectCounts: ScratchBuffer<Int>
    /// The threads that run the shards, awake from one step to the next.
    private let team: WorkerTeam

    public init(network: Network, optimizer: any Optimizer, batchSize: Int, shards: Int = 1) {
        precondition(batchSize > 0, "batch size must be positive")
        self.network = network
        self.optimizer = optimizer
        self.batchSize = batchSize
        parts = min(Self.partsPerStep, batchSize)
        self.shards = shards > 1 ? parts : 1
        inputBuffer = ScratchBuffer(count: batchSize * network.inputSize, repeating: 0)
        labelBuffer = ScratchBuffer(count: batchSize, repeating: 0)
        outputs = network.layers.map { ScratchBuffer(count: batchSize * $0.outputSize, repeating: 0) }
        deltas = network.layers.map { ScratchBuffer(count: batchSize * $0.outputSize, repeating: 0) }
        weightGradients = network.layers.map { ScratchBuffer(count: $0.weight.count, repeating: 0) }
        biasGradients = network.layers.map { ScratchBuffer(count: $0.bias.count, repeating: 0) }
        let partCount = parts
        rowRanges = (0..<partCount).map { ($0 * batchSize / partCount)..<(($0 + 1) * batchSize / partCount) }
        shardLosses = ScratchBuffer(count: partCount, repeating: 0)
        shardCorrectCounts = ScratchBuffer(count: partCount, repeating: 0)
        team = WorkerTeam(parts: self.shards)
    }

    /// Two halves on machines with two cores or more and batches big enough to split; one otherwise.
    public static func defaultShards(batchSize: Int) -> Int {
        ProcessInfo.processInfo.activeProcessorCount >= 2 && batchSize >= 64 ? 2 : 1
    }

    /// Runs `body` once per part: on one thread each when the trainer has a thread per part (and
    /// `inParallel` allows), else one after the other on the caller's.
    ///
    /// Each part touches only its own piece of the shared buffers (its rows of the batch going
    /// forward and backward, its rows of a weight matrix and its gradient after), which is what
    /// makes handing `body` to several threads at once safe.
    private func forEachPart(inParallel: Bool = true, _ body: (Int) -> Void) {
        // Single-threaded products whatever the thread count, so every part is the same OpenBLAS call
        // on one core or two; OpenBLAS's own threads would only compete with the parts' anyway. Left
        // single-threaded after the step, so the next step does not pay to switch again.
        BLASInfo.useSingleThread()
        guard shards > 1, inParallel else {
            for part in 0..<parts { body(part) }
            return
        }
        team.run(body)
    }

    /// The output of layer `index` (after its activation; the last layer's are the logits) for the
    /// batch of the most recent step, `batchSize × units` values.
    public func layerOutput(_ index: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: outputs[index].pointer, count: outputs[index].count)
    }

    /// Gathers the next batch from `source` in `order`, then trains on it.
    public func step(
        source: some ExampleSource, order: inout some BatchOrder, includeRegularizationLoss: Bool = false
    ) -> StepResult {
        precondition(order.batchSize == batchSize, "batch order and trainer disagree on the batch size")
        let features = source.featureCount
        let input = input, labels = labels
        return order.nextBatch().withUnsafeBufferPointer { indices in
            // Each shard gathers its own rows at the start of its forward pass: one parallel section
            // fewer per step than gathering the whole batch first.
            step(includeRegularizationLoss: includeRegularizationLoss) { rows in
                source.gather(UnsafeBufferPointer(rebasing: indices[rows]), features: input + rows.lowerBound * features,
                              labels: labels + rows.lowerBound)
            }
        }
    }

    /// One step of gradient descent on the batch in `input` and `labels`.
    public func step(includeRegularizationLoss: Bool = false) -> StepResult {
        step(includeRegularizationLoss: includeRegularizationLoss) { _ in }
    }

    /// One step; `prepare` fills each shard's rows of `input` and `labels` first.
    private func step(includeRegularizationLoss: Bool, prepare: (Range<Int>) -> Void) -> StepResult {
        // On every step's thread (a few cycles), so whoever calls computes as the workers do.
        labbook_flush_subnormals()
        let regularization = includeRegularizationLoss ? network.regularizationLoss() : nil
        var correct = 0
        let dataLoss = backPropagate(correct: &correct, prepare: prepare)
        applyUpdates()
        return StepResult(dataLoss: dataLoss, regularizationLoss: regularization,
                          correct: correct, batchSize: batchSize)
    }

    /// The gradient of the loss (cross-entropy plus L2) on the batch in `input` and `labels`, per
    /// parameter in slot order (`Layer1/weights`, `Layer1/biases`, ...), without updating anything.
    public func gradients() -> (dataLoss: Double, gradients: [Tensor]) {
        var correct = 0
        let dataLoss = backPropagate(correct: &correct) { _ in }
        for index in network.layers.indices {
            computeWeightGradient(layer: index, update: SGD.Update?.none)
            computeBiasGradient(layer: index)
        }
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

    /// Forward pass, loss and the row-by-row part of back-propagation, each shard on its own rows:
    /// afterwards `deltas[i]` holds every layer's dLoss/dPreActivation for the whole batch, from
    /// which `computeWeightGradient` and `computeBiasGradient` make the gradients. Returns the data
    /// loss. `prepare` first fills each shard's rows of the batch. Nothing here allocates: a closure
    /// parameter that is not optional stays on the stack, and the per-shard results have buffers.
    private func backPropagate(correct: inout Int, prepare: (Range<Int>) -> Void) -> Double {
        let layerCount = network.layers.count
        let classes = network.outputSize
        let shardLoss = shardLosses.pointer, shardCorrect = shardCorrectCounts.pointer
        forEachPart { shard in
            let rows = rowRanges[shard]
            let first = rows.lowerBound
            prepare(rows)
            for (index, layer) in network.layers.enumerated() {
                layer.forward(layerInput(index) + first * layer.inputSize, batchSize: rows.count,
                              into: outputs[index].pointer + first * layer.outputSize)
            }
            shardLoss[shard] = SoftmaxCrossEntropy.loss(
                logits: outputs[layerCount - 1].pointer + first * classes, labels: labels + first,
                batchSize: rows.count, classes: classes,
                gradient: deltas[layerCount - 1].pointer + first * classes,
                correct: shardCorrect + shard, gradientBatchSize: batchSize)
            for index in stride(from: layerCount - 1, through: 0, by: -1) {
                let layer = network.layers[index]
                layer.backPropagate(
                    output: outputs[index].pointer + first * layer.outputSize,
                    outputGradient: deltas[index].pointer + first * layer.outputSize, batchSize: rows.count,
                    inputGradient: index == 0 ? nil : deltas[index - 1].pointer + first * network.layers[index - 1].outputSize)
            }
        }
        correct = (0..<parts).reduce(0) { $0 + shardCorrect[$1] }
        return (0..<parts).reduce(0) { $0 + shardLoss[$1] * Double(rowRanges[$1].count) } / Double(batchSize)
    }

    /// How many weights are regularized and updated at a time: few enough that their gradient is
    /// still in the first-level cache when the optimizer reads it back.
    private static let updateChunk = 2048

    /// Below this many weights, waking another thread costs more than it saves (the output layer's
    /// 1,200 take a few microseconds).
    private static let parallelGradientMinimum = 32768

    /// Layer `index`'s weight gradient over the whole batch, plus the L2 term. The shards each take
    /// a block of the weight's rows (the layer's inputs); with `update`, each chunk of a block is
    /// updated as soon as its gradient is complete, while it is still in that core's cache.
    private func computeWeightGradient<Update: SlotUpdate>(layer index: Int, update: Update?) {
        // Sizes read one by one: a copy of the layer would keep its weights shared, and the mutable
        // access below would then copy all of them.
        let (inputSize, outputSize) = (network.layers[index].inputSize, network.layers[index].outputSize)
        let (l2, parts, count) = (network.l2, parts, network.layers[index].weight.count)
        let gradient = weightGradients[index].pointer
        let input = layerInput(index), delta = UnsafePointer(deltas[index].pointer)
        let batchSize = batchSize
        network.layers[index].weight.scalars.withUnsafeMutableBufferPointer { weight in
            let weight = weight.baseAddress!
            forEachPart(inParallel: count >= Self.parallelGradientMinimum) { part in
                let inputs = (part * inputSize / parts)..<((part + 1) * inputSize / parts)
                guard !inputs.isEmpty else { return }
                let elements = (inputs.lowerBound * outputSize)..<(inputs.upperBound * outputSize)
                Dense.weightGradient(input: input, inputSize: inputSize, delta: delta, outputSize: outputSize,
                                     batchSize: batchSize, inputs: inputs, into: gradient + elements.lowerBound)
                for start in stride(from: elements.lowerBound, to: elements.upperBound, by: Self.updateChunk) {
                    let chunk = start..<min(start + Self.updateChunk, elements.upperBound)
                    l2.addGradient(weight: weight + chunk.lowerBound, to: gradient + chunk.lowerBound, count: chunk.count)
                    update?.apply(parameter: weight, gradient: gradient, range: chunk)
                }
            }
        }
    }

    /// Layer `index`'s bias gradient over the whole batch.
    private func computeBiasGradient(layer index: Int) {
        Dense.biasGradient(delta: deltas[index].pointer, outputSize: network.layers[index].outputSize,
                           batchSize: batchSize, into: biasGradients[index].pointer)
    }

    /// The input of layer `index`: the batch for the first layer, the previous layer's output after.
    private func layerInput(_ index: Int) -> UnsafePointer<Float> {
        UnsafePointer(index == 0 ? inputBuffer.pointer : outputs[index - 1].pointer)
    }

    /// Computes the gradients and updates every parameter slot, the weights in parallel blocks.
    private func applyUpdates() {
        func apply(_ optimizer: inout some Optimizer) {
            for index in network.layers.indices {
                optimizer.withUpdate(slot: 2 * index, count: network.layers[index].weight.count) { update in
                    computeWeightGradient(layer: index, update: update)
                }
                computeBiasGradient(layer: index)
                network.layers[index].bias.scalars.withUnsafeMutableBufferPointer { bias in
                    optimizer.update(slot: 2 * index + 1, parameter: bias.baseAddress!,
                                     gradient: biasGradients[index].pointer, count: bias.count)
                }
            }
            optimizer.step += 1
        }
        apply(&optimizer)
    }
}
