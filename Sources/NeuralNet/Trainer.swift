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
/// A step runs every layer's forward pass, softmax cross-entropy, every layer's backward pass from
/// the last down, then computes each trainable parameter's gradient over the batch, adds the L2
/// gradient to the kernels' and lets the optimizer update every parameter slot. Callers fill
/// `input` and `labels` (or pass an `ExampleSource` and a `BatchOrder` to `step(source:order:)`)
/// and nothing is allocated per step, so memory stays flat however long the run.
///
/// With `shards: 2` the work is shared between two cores, each running single-threaded BLAS products
/// (which OpenBLAS runs faster on these shapes than one product split across two threads): the two
/// halves of the batch run forward and backward at the same time, then each core computes half of
/// every parameter gradient's rows over the whole batch, adds their L2 term and updates them while
/// they are still in its cache. The halves meet only where a layer needs the whole batch (batch
/// norm's statistics): the forward and backward passes run as few parallel sections as the layers'
/// phases allow, one for a network without batch norm.
///
/// The work is always cut into the same two parts (the batch's halves, the gradients' two blocks
/// of rows), each one single-threaded OpenBLAS call, whether one thread runs both or two run one
/// each: OpenBLAS chooses its kernels (small-matrix paths, edge tiles) by a product's shape, so a
/// product cut differently can differ in its last bits (SkylakeX kernels do). The same calls give a
/// step the same bits on one core as on two, and from run to run.
///
/// With `dataParallel`, ranks (MPI processes, possibly on other machines) share every step: the
/// batch is cut into the run's fixed slices, each rank runs forward and backward on its own slices
/// and computes each slice's gradient, and `SlicedGradient` sums the slices' gradients in one fixed
/// tree order, so every rank applies the same update and a run gives the same bits on any number of
/// ranks up to the slice count. Where a layer needs the whole batch (batch norm), the ranks exchange
/// their slices' sums between phases. Those bits differ from a run without `dataParallel`, whose
/// gradients are one product over the whole batch.
public final class Trainer {
    /// The network as trained so far (its parameters copied out of the trainer's buffers).
    public var network: Network {
        var layers = self.layers
        for index in layers.indices {
            layers[index].parameters = zip(layers[index].parameterSpecs, parameterBuffers[index]).map { spec, buffer in
                Tensor(shape: spec.shape, scalars: Array(UnsafeBufferPointer(start: buffer.pointer, count: spec.count)))
            }
        }
        return Network(layers: layers, l2: l2)
    }
    public var optimizer: any Optimizer
    public let batchSize: Int
    /// How many threads run the step's parts: 1, or one per part (per local part, at most the
    /// threads asked for, when ranks share the batch).
    public let shards: Int
    /// How many parts the step's work is cut into, whatever the number of threads or ranks.
    public let parts: Int
    /// The parts this process runs: all of them, unless ranks share the batch.
    public let localParts: Range<Int>
    /// When ranks share the batch: each rank's parts, in rank order (this rank's are `localParts`).
    private let rankParts: [Range<Int>]
    /// Bytes each rank sends of its parts' losses and correct counts (a Double and an Int per part).
    private let lossExchangeCounts: [Int]
    /// Per layer, bytes each rank sends of its parts' shared values.
    private let sharedExchangeCounts: [[Int]]
    /// The slices' gradients and their fixed-order sum, when ranks share the batch.
    private let slicedGradient: SlicedGradient?
    /// Where each trainable parameter's gradient lies in a slice's gradient, in slot order.
    private let gradientOffsets: [(layer: Int, parameter: Int, offset: Int)]
    /// The blocks `SlicedGradient` makes the gradient in: a slot and some of its rows each.
    private let gradientBlocks: [(slot: Int, rows: Range<Int>)]
    /// Floats in a block of the sliced gradient, at most (unless one row is longer): eight slices'
    /// blocks (1 MB) then stay in a core's second-level cache while they are made and summed. Of
    /// 16K, 32K and 64K floats, taken in turns on the tutorial's network, none was clearly faster;
    /// whole parameters (no blocks) took 30-50% longer.
    static let gradientBlockFloats = 32768
    /// Staging for what a rank sends of the buffers every rank reads whole (batch norm's sums, the
    /// parts' losses), which MPI may not send from inside the buffer it receives into.
    private let exchangeStaging: ScratchBuffer<Float>
    /// The parts a step is cut into when the batch allows.
    public static let partsPerStep = 2
    /// Seeds the random draws of layers that make them while training (dropout) and of augmentation.
    public let randomSeed: UInt64
    /// Flips and crops applied to each batch as it is gathered, when set.
    public var augmentation: ImageAugmentation? {
        didSet { precondition(augmentation.map { $0.featureCount == layers[0].inputCount } ?? true, "augmentation of another shape") }
    }

    /// The batch's features, `batchSize × inputSize`, filled by the caller before `step()`.
    public var input: UnsafeMutablePointer<Float> { inputBuffer.pointer }
    /// The batch's labels, `batchSize` of them.
    public var labels: UnsafeMutablePointer<Int32> { labelBuffer.pointer }

    /// The layers' settings and shapes; their parameters live in `parameterBuffers` while training.
    private let layers: [any Layer]
    /// Per layer: its activation is a ReLU whose derivative the next layer applies (see
    /// `LayerPass.outputGradientHasActivationDerivative`).
    private let reluDerivativeMovesOn: [Bool]
    private let l2: L2Regularization
    private let inputBuffer: ScratchBuffer<Float>
    private let labelBuffer: ScratchBuffer<Int32>
    /// Per layer: its parameters, their pointers as the layer's passes take them, and the trainable
    /// ones' gradients (nil for the others).
    private let parameterBuffers: [[ScratchBuffer<Float>]]
    private let parameterTables: [ScratchBuffer<UnsafeMutablePointer<Float>>]
    private let gradientBuffers: [[ScratchBuffer<Float>?]]
    /// Per layer, for the whole batch: its output, dLoss/dOutput, what its forward pass keeps for
    /// its backward pass, and what its parts share between phases.
    private let outputs: [ScratchBuffer<Float>]
    private let deltas: [ScratchBuffer<Float>]
    private let saved: [ScratchBuffer<Float>]
    private let shared: [ScratchBuffer<Float>]
    /// Per part: scratch for one pass of any layer.
    private let scratch: [ScratchBuffer<Float>]
    /// Each shard's rows of the batch.
    private let rowRanges: [Range<Int>]
    /// Rows of the largest part of each batch (the last).
    public var rowsPerPart: Int { rowRanges[rowRanges.count - 1].count }
    /// The forward pass, loss and backward pass, cut where a layer needs the whole batch: each part
    /// runs a segment's operations on its rows, and all parts finish a segment before the next.
    private let segments: [[Operation]]
    /// Each shard's mean cross-entropy and correct predictions in the current step.
    private let shardLosses: ScratchBuffer<Double>
    private let shardCorrectCounts: ScratchBuffer<Int>
    /// The threads that run the shards, awake from one step to the next.
    private let team: WorkerTeam

    /// The global step the current passes belong to, read once per step: the optimizer is being
    /// updated (exclusively accessed) while the gradient passes run.
    private var passStep = 0

    private enum Operation {
        case forward(layer: Int, phase: Int)
        case loss
        case backward(layer: Int, phase: Int)

        var layer: Int? {
            switch self {
            case .forward(let layer, _), .backward(let layer, _): layer
            case .loss: nil
            }
        }
    }

    public init(network: Network, optimizer: any Optimizer, batchSize: Int, shards: Int = 1, randomSeed: UInt64 = 0,
                dataParallel: DataParallelism? = nil) {
        precondition(batchSize > 0, "batch size must be positive")
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.randomSeed = randomSeed
        layers = network.layers
        reluDerivativeMovesOn = network.layers.indices.map { index in
            index + 1 < network.layers.count && network.layers[index].activation == .relu
                && network.layers[index + 1].appliesInputReLUDerivative
        }
        l2 = network.l2
        let parts = min(dataParallel?.slices ?? Self.partsPerStep, batchSize)
        self.parts = parts
        let rankParts = dataParallel.map { parallel in
            (0..<parallel.group.size).map { DataParallelism.ownedSlices(rank: $0, ranks: parallel.group.size, slices: parts) }
        } ?? [0..<parts]
        self.rankParts = rankParts
        let localParts = rankParts[dataParallel?.group.rank ?? 0]
        self.localParts = localParts
        lossExchangeCounts = rankParts.map { $0.count * Self.lossExchangeBytes }
        sharedExchangeCounts = network.layers.map { layer in
            rankParts.map { $0.count * layer.sharedCount * MemoryLayout<Float>.size }
        }
        self.shards = shards > 1 ? (dataParallel == nil ? parts : min(shards, localParts.count)) : 1
        var offsets: [(layer: Int, parameter: Int, offset: Int)] = []
        var trainableCount = 0
        for (index, layer) in network.layers.enumerated() {
            for (parameter, spec) in layer.parameterSpecs.enumerated() where spec.trainable {
                offsets.append((index, parameter, trainableCount))
                trainableCount += spec.count
            }
        }
        gradientOffsets = offsets
        var blocks: [(slot: Int, rows: Range<Int>)] = []
        var blockElements: [Range<Int>] = []
        for (slot, (index, parameter, offset)) in offsets.enumerated() {
            let spec = network.layers[index].parameterSpecs[parameter]
            let rowsPerBlock = max(1, Self.gradientBlockFloats / max(spec.rowLength, 1))
            for first in stride(from: 0, to: spec.rowCount, by: rowsPerBlock) {
                let rows = first..<min(first + rowsPerBlock, spec.rowCount)
                blocks.append((slot, rows))
                blockElements.append((offset + rows.lowerBound * spec.rowLength)..<(offset + rows.upperBound * spec.rowLength))
            }
        }
        gradientBlocks = blocks
        let threads = self.shards
        slicedGradient = dataParallel.map {
            SlicedGradient(count: trainableCount, blocks: blockElements, threads: threads,
                           parallelism: DataParallelism(group: $0.group, slices: parts))
        }
        exchangeStaging = ScratchBuffer(
            count: dataParallel == nil ? 0 : max(8, network.layers.map(\.sharedCount).max() ?? 0) * parts,
            repeating: 0)
        let inputBuffer = ScratchBuffer<Float>(count: batchSize * network.inputSize, repeating: 0)
        self.inputBuffer = inputBuffer
        labelBuffer = ScratchBuffer(count: batchSize, repeating: 0)
        parameterBuffers = network.layers.map { layer in
            layer.parameters.map { tensor in
                let buffer = ScratchBuffer<Float>(count: tensor.count, repeating: 0)
                buffer.pointer.update(from: tensor.scalars, count: tensor.count)
                return buffer
            }
        }
        parameterTables = parameterBuffers.map { buffers in
            let table = ScratchBuffer<UnsafeMutablePointer<Float>>(count: buffers.count, repeating: inputBuffer.pointer)
            for (index, buffer) in buffers.enumerated() { table.pointer[index] = buffer.pointer }
            return table
        }
        gradientBuffers = network.layers.map { layer in
            layer.parameterSpecs.map { $0.trainable ? ScratchBuffer<Float>(count: $0.count, repeating: 0) : nil }
        }
        outputs = network.layers.map { ScratchBuffer(count: batchSize * $0.outputCount, repeating: 0) }
        deltas = network.layers.map { ScratchBuffer(count: batchSize * $0.outputCount, repeating: 0) }
        saved = network.layers.map { ScratchBuffer(count: batchSize * $0.savedCount, repeating: 0) }
        let partCount = parts
        shared = network.layers.map { ScratchBuffer(count: partCount * $0.sharedCount, repeating: 0) }
        rowRanges = (0..<partCount).map { ($0 * batchSize / partCount)..<(($0 + 1) * batchSize / partCount) }
        let ranges = rowRanges
        scratch = ranges.map { rows in
            ScratchBuffer(count: network.layers.map { $0.scratchCount(rows: rows.count) }.max() ?? 0, repeating: 0)
        }
        var operations: [Operation] = []
        for (index, layer) in network.layers.enumerated() {
            operations += (0..<layer.forwardPhases(training: true)).map { .forward(layer: index, phase: $0) }
        }
        operations.append(.loss)
        for (index, layer) in network.layers.enumerated().reversed() {
            operations += (0..<layer.backwardPhases).map { .backward(layer: index, phase: $0) }
        }
        var segments: [[Operation]] = [[]]
        for operation in operations {
            switch operation {
            case .forward(_, let phase) where phase > 0, .backward(_, let phase) where phase > 0: segments.append([operation])
            default: segments[segments.count - 1].append(operation)
            }
        }
        self.segments = segments
        shardLosses = ScratchBuffer(count: partCount, repeating: 0)
        shardCorrectCounts = ScratchBuffer(count: partCount, repeating: 0)
        team = WorkerTeam(parts: self.shards)
    }

    /// A step's forward work above which a second core pays for the hand-overs, whatever the batch:
    /// a convolutional network's batch of 32 is a third of a GFLOP.
    static let parallelStepMinimum = 100_000_000

    /// Two halves on machines with two cores or more and steps big enough to split (a batch of 64 or
    /// more, or enough work per step); one otherwise. One core or two give the same bits.
    public static func defaultShards(batchSize: Int, network: Network? = nil) -> Int {
        let work = batchSize * (network?.layers.reduce(0) { $0 + $1.forwardOperations } ?? 0)
        return UsableProcessors.count >= 2 && batchSize >= 2
            && (batchSize >= 64 || work >= parallelStepMinimum) ? 2 : 1
    }

    /// Runs `body` once per local part: spread over the trainer's threads (when `inParallel`
    /// allows), else one after the other on the caller's.
    ///
    /// Each part touches only its own piece of the shared buffers (its rows of the batch going
    /// forward and backward, its rows of a parameter and its gradient after), which is what makes
    /// handing `body` to several threads at once safe.
    private func forEachPart(inParallel: Bool = true, _ body: (Int) -> Void) {
        // Single-threaded products whatever the thread count, so every part is the same OpenBLAS call
        // on one core or two; OpenBLAS's own threads would only compete with the parts' anyway. Left
        // single-threaded after the step, so the next step does not pay to switch again.
        BLASInfo.useSingleThread()
        guard shards > 1, inParallel else {
            for part in localParts { body(part) }
            return
        }
        let (localParts, threads) = (localParts, shards)
        team.run { thread in
            for part in stride(from: localParts.lowerBound + thread, to: localParts.upperBound, by: threads) { body(part) }
        }
    }

    /// Runs `body(thread, threads)` on each of the trainer's threads, for work split by elements.
    private func forEachThread(_ body: (_ thread: Int, _ threads: Int) -> Void) {
        BLASInfo.useSingleThread()
        let threads = shards
        guard threads > 1 else { return body(0, 1) }
        team.run { body($0, threads) }
    }

    /// The output of layer `index` (after its activation; the last layer's are the logits) for the
    /// batch of the most recent step. When ranks share the batch, only this rank's rows are fresh
    /// until `shareLayerOutputsAcrossRanks()`.
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
        let regularization = includeRegularizationLoss ? regularizationLoss() : nil
        var correct = 0
        let dataLoss = backPropagate(correct: &correct, prepare: prepare)
        applyUpdates()
        return StepResult(dataLoss: dataLoss, regularizationLoss: regularization,
                          correct: correct, batchSize: batchSize)
    }

    /// The L2 penalty of the current parameters, summed in the order `Network.regularizationLoss` sums.
    private func regularizationLoss() -> Double {
        guard l2.strength != 0 else { return 0 }
        var total = 0.0
        for (index, layer) in layers.enumerated() {
            for (parameter, spec) in layer.parameterSpecs.enumerated() where spec.regularized {
                var sum = 0.0
                let values = parameterBuffers[index][parameter].pointer
                for i in 0..<spec.count { sum += Double(values[i]) * Double(values[i]) }
                total += Double(l2.strength) * sum / 2
            }
        }
        return total
    }

    /// The gradient of the loss (cross-entropy plus L2) on the batch in `input` and `labels`, per
    /// trainable parameter in slot order (`Layer1/weights`, `Layer1/biases`, ...), without updating anything.
    public func gradients() -> (dataLoss: Double, gradients: [Tensor]) {
        precondition(slicedGradient == nil, "gradients() computes the gradient of one process's whole batch")
        var correct = 0
        let dataLoss = backPropagate(correct: &correct) { _ in }
        var tensors: [Tensor] = []
        for (index, layer) in layers.enumerated() {
            for (parameter, spec) in layer.parameterSpecs.enumerated() where spec.trainable {
                computeGradient(layer: index, parameter: parameter, update: SGD.Update?.none)
                tensors.append(Tensor(shape: spec.shape, scalars: Array(UnsafeBufferPointer(
                    start: gradientBuffers[index][parameter]!.pointer, count: spec.count))))
            }
        }
        return (dataLoss, tensors)
    }

    /// Layer `index`'s pass over rows `rows` of the batch, run by `part`.
    private func pass(layer index: Int, rows: Range<Int>, part: Int, training: Bool = true) -> LayerPass {
        let layer = layers[index]
        let first = rows.lowerBound
        var pass = LayerPass(
            input: layerInput(index) + first * layer.inputCount,
            output: outputs[index].pointer + first * layer.outputCount,
            outputGradient: deltas[index].pointer + first * layer.outputCount,
            inputGradient: index == 0 ? nil : deltas[index - 1].pointer + first * layer.inputCount,
            rows: rows.count, firstRow: first, batchSize: batchSize,
            parameters: UnsafeBufferPointer(start: parameterTables[index].pointer, count: parameterTables[index].count),
            saved: saved[index].pointer + first * layer.savedCount, scratch: scratch[part].pointer,
            shared: shared[index].pointer, part: part, parts: parts, training: training,
            randomKey: CounterRandom.key(seed: randomSeed, step: passStep, layer: index))
        pass.isFirstLocalPart = part == localParts.lowerBound
        pass.inputIsReLUOutput = index > 0 && reluDerivativeMovesOn[index - 1]
        pass.outputGradientHasActivationDerivative = reluDerivativeMovesOn[index]
        return pass
    }

    /// Forward pass, loss and backward pass, each shard on its own rows: afterwards `deltas[i]` holds
    /// what every layer's backward pass left there (dLoss/dPreActivation for layers with an
    /// activation), from which `computeGradient` makes the gradients. Returns the data loss.
    /// `prepare` first fills each shard's rows of the batch. Nothing here allocates: a closure
    /// parameter that is not optional stays on the stack, and the per-shard results have buffers.
    private func backPropagate(correct: inout Int, prepare: (Range<Int>) -> Void) -> Double {
        passStep = optimizer.step
        let last = layers.count - 1
        let classes = layers[last].outputCount
        let shardLoss = shardLosses.pointer, shardCorrect = shardCorrectCounts.pointer
        for (number, segment) in segments.enumerated() {
            forEachPart { shard in
                let rows = rowRanges[shard]
                let first = rows.lowerBound
                if number == 0 {
                    prepare(rows)
                    augmentation?.apply(to: input, rows: rows, key: CounterRandom.key(seed: randomSeed, step: passStep, layer: -1))
                }
                for operation in segment {
                    switch operation {
                    case .forward(let index, let phase):
                        layers[index].forward(pass(layer: index, rows: rows, part: shard), phase: phase)
                    case .loss:
                        shardLoss[shard] = SoftmaxCrossEntropy.loss(
                            logits: outputs[last].pointer + first * classes, labels: labels + first,
                            batchSize: rows.count, classes: classes,
                            gradient: deltas[last].pointer + first * classes,
                            correct: shardCorrect + shard, gradientBatchSize: batchSize)
                    case .backward(let index, let phase):
                        layers[index].backward(pass(layer: index, rows: rows, part: shard), phase: phase)
                    }
                }
            }
            // The next segment starts with a layer's later phase, which reads every part's sums.
            if number + 1 < segments.count, let index = segments[number + 1][0].layer {
                shareAcrossRanks(layer: index)
            }
        }
        if let group = slicedGradient?.group, group.size > 1 {
            shareLossesAcrossRanks(group)
        }
        correct = (0..<parts).reduce(0) { $0 + shardCorrect[$1] }
        return (0..<parts).reduce(0) { $0 + shardLoss[$1] * Double(rowRanges[$1].count) } / Double(batchSize)
    }

    /// Whether to stop before the next step: when ranks share the batch, as soon as any rank is asked
    /// to, so that all stop at the same step (one that stopped alone would leave the others waiting
    /// in the step's exchanges).
    func stopAgreed(_ stop: Bool) -> Bool {
        guard let group = slicedGradient?.group, group.size > 1 else { return stop }
        return group.allGather(stop).contains(true)
    }

    /// Bytes this rank sends and receives per step to sum the gradient (besides batch norm's sums
    /// and the losses, a few floats per part); zero without ranks.
    public var gradientBytesPerStep: (sent: Int, received: Int) { slicedGradient?.bytesPerStep ?? (0, 0) }

    /// When ranks share the batch: gives every rank every layer's output for the whole batch of
    /// the latest step, for what is recorded of it (activation histograms). Every rank must call it
    /// at the same steps.
    public func shareLayerOutputsAcrossRanks() {
        guard let group = slicedGradient?.group, group.size > 1 else { return }
        let floats = MemoryLayout<Float>.size
        let rows = rankParts.map { rowRanges[$0.lowerBound].lowerBound..<rowRanges[$0.upperBound - 1].upperBound }
        let mine = rows[group.rank]
        for (index, layer) in layers.enumerated() {
            let width = layer.outputCount
            let output = outputs[index].pointer
            // MPI may not send from inside the buffer it receives into: this rank's rows go through
            // a copy. It allocates, as recording a logged step does anyway; other steps do not.
            let copy = Array(UnsafeBufferPointer(start: output + mine.lowerBound * width, count: mine.count * width))
            copy.withUnsafeBytes { bytes in
                group.allGather(bytes, into: UnsafeMutableRawBufferPointer(start: output, count: batchSize * width * floats),
                                counts: rows.map { $0.count * width * floats })
            }
        }
    }

    /// When ranks share the batch: every rank's parts of layer `index`'s shared values, so the next
    /// phase reads every part's, as in one process.
    private func shareAcrossRanks(layer index: Int) {
        let floatsPerPart = layers[index].sharedCount
        guard let group = slicedGradient?.group, group.size > 1, floatsPerPart > 0 else { return }
        let (buffer, counts, staging) = (shared[index].pointer, sharedExchangeCounts[index], exchangeStaging.pointer)
        staging.update(from: buffer + localParts.lowerBound * floatsPerPart, count: localParts.count * floatsPerPart)
        group.allGather(UnsafeRawBufferPointer(start: staging, count: counts[group.rank]),
                        into: UnsafeMutableRawBufferPointer(start: buffer, count: parts * floatsPerPart * MemoryLayout<Float>.size),
                        counts: counts)
    }

    /// A part's loss and correct count as ranks exchange them.
    private static let lossExchangeBytes = MemoryLayout<Double>.size + MemoryLayout<Int>.size

    /// When ranks share the batch: every part's loss and correct predictions, for the step's result.
    private func shareLossesAcrossRanks(_ group: any RankGroup) {
        let (losses, correct, counts) = (shardLosses.pointer, shardCorrectCounts.pointer, lossExchangeCounts)
        let bytes = Self.lossExchangeBytes
        let staging = UnsafeMutableRawPointer(exchangeStaging.pointer)
        for (index, part) in localParts.enumerated() {
            staging.storeBytes(of: losses[part], toByteOffset: index * bytes, as: Double.self)
            staging.storeBytes(of: correct[part], toByteOffset: index * bytes + MemoryLayout<Double>.size, as: Int.self)
        }
        let receive = staging + localParts.count * bytes
        group.allGather(UnsafeRawBufferPointer(start: staging, count: counts[group.rank]),
                        into: UnsafeMutableRawBufferPointer(start: receive, count: parts * bytes), counts: counts)
        for part in 0..<parts {
            losses[part] = receive.loadUnaligned(fromByteOffset: part * bytes, as: Double.self)
            correct[part] = receive.loadUnaligned(fromByteOffset: part * bytes + MemoryLayout<Double>.size, as: Int.self)
        }
    }

    /// How many weights are regularized and updated at a time: few enough that their gradient is
    /// still in the first-level cache when the optimizer reads it back.
    private static let updateChunk = 2048

    /// Below this many multiply-adds per example, waking another thread costs more than it saves
    /// (the output layer's 1,200 weights take a few microseconds).
    private static let parallelGradientMinimum = 32768

    /// Parameter `parameter` of layer `index`: its gradient over the whole batch, plus the L2 term
    /// for kernels. The shards each take a block of its rows; with `update`, each chunk of a block
    /// is updated as soon as its gradient is complete, while it is still in that core's cache.
    private func computeGradient<Update: SlotUpdate>(layer index: Int, parameter: Int, update: Update?) {
        let layer = layers[index]
        let spec = layer.parameterSpecs[parameter]
        let (l2, parts, rowLength, rowCount) = (regularization(of: spec), parts, spec.rowLength, spec.rowCount)
        let gradient = gradientBuffers[index][parameter]!.pointer
        let value = parameterBuffers[index][parameter].pointer
        let whole = pass(layer: index, rows: 0..<batchSize, part: 0)
        forEachPart(inParallel: spec.gradientWork >= Self.parallelGradientMinimum) { part in
            let rows = (part * rowCount / parts)..<((part + 1) * rowCount / parts)
            guard !rows.isEmpty else { return }
            let elements = (rows.lowerBound * rowLength)..<(rows.upperBound * rowLength)
            layer.parameterGradient(parameter, rows: rows, pass: whole, into: gradient)
            Self.regularizeAndUpdate(elements, of: value, gradient: gradient, l2: l2, update: update)
        }
    }

    /// The L2 term a parameter's gradient takes: the network's for kernels, none for the others.
    private func regularization(of spec: ParameterSpec) -> L2Regularization {
        spec.regularized ? l2 : L2Regularization(strength: 0)
    }

    /// Adds the L2 term to `gradient` and applies `update` to `value`, over `elements`, a chunk at
    /// a time while the chunk's gradient is still in the first-level cache.
    private static func regularizeAndUpdate<Update: SlotUpdate>(
        _ elements: Range<Int>, of value: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>,
        l2: L2Regularization, update: Update?
    ) {
        for start in stride(from: elements.lowerBound, to: elements.upperBound, by: updateChunk) {
            let chunk = start..<min(start + updateChunk, elements.upperBound)
            l2.addGradient(weight: value + chunk.lowerBound, to: gradient + chunk.lowerBound, count: chunk.count)
            update?.apply(parameter: value, gradient: gradient, range: chunk)
        }
    }

    /// The input of layer `index`: the batch for the first layer, the previous layer's output after.
    private func layerInput(_ index: Int) -> UnsafePointer<Float> {
        UnsafePointer(index == 0 ? inputBuffer.pointer : outputs[index - 1].pointer)
    }

    /// Computes the gradients and updates every trainable parameter, slot by slot.
    private func applyUpdates() {
        if let slicedGradient { return applySlicedUpdates(slicedGradient) }
        func apply(_ optimizer: inout some Optimizer) {
            var slot = 0
            for (index, layer) in layers.enumerated() {
                for (parameter, spec) in layer.parameterSpecs.enumerated() where spec.trainable {
                    optimizer.withUpdate(slot: slot, count: spec.count) { update in
                        computeGradient(layer: index, parameter: parameter, update: update)
                    }
                    slot += 1
                }
            }
            optimizer.step += 1
        }
        apply(&optimizer)
    }

    /// Data-parallel updates: each local slice's gradient, the slices summed in their fixed order
    /// across ranks, then the L2 term and the optimizer, split between threads by elements.
    private func applySlicedUpdates(_ sliced: SlicedGradient) {
        let gradient = sliced.reduce(inParallel: { body in forEachThread(body) }) { slice, block, into in
            let (slot, rows) = gradientBlocks[block]
            let (index, parameter, _) = gradientOffsets[slot]
            // A pass over the slice alone, its shared values as if it were the only part: each
            // layer then gives this slice's share of the gradient, its rows `rows` written where
            // they lie in the whole parameter's gradient, here at `into`.
            var slicePass = pass(layer: index, rows: rowRanges[slice], part: slice)
            slicePass.shared = shared[index].pointer + slice * layers[index].sharedCount
            (slicePass.part, slicePass.parts) = (0, 1)
            layers[index].parameterGradient(parameter, rows: rows, pass: slicePass,
                                            into: into - rows.lowerBound * layers[index].parameterSpecs[parameter].rowLength)
        }
        func apply(_ optimizer: inout some Optimizer) {
            for (slot, (index, parameter, offset)) in gradientOffsets.enumerated() {
                let spec = layers[index].parameterSpecs[parameter]
                let l2 = regularization(of: spec)
                let (value, slotGradient, count) = (parameterBuffers[index][parameter].pointer, gradient + offset, spec.count)
                optimizer.withUpdate(slot: slot, count: count) { update in
                    forEachThread { thread, threads in
                        Self.regularizeAndUpdate((thread * count / threads)..<((thread + 1) * count / threads),
                                                 of: value, gradient: slotGradient, l2: l2, update: update)
                    }
                }
            }
            optimizer.step += 1
        }
        apply(&optimizer)
    }
}
