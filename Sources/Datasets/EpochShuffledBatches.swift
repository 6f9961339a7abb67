import NeuralNet

/// The tutorial's batch order: shuffle all `count` examples, hand out consecutive batches, and shuffle
/// again whenever the next batch would run past the end. No example repeats within an epoch; the few
/// left over when `batchSize` does not divide `count` wait for a later epoch.
///
/// The state (generator, permutation, position) is all public so a checkpoint can save it and a
/// resumed run continue with exactly the batches a straight run would have seen.
public struct EpochShuffledBatches: BatchOrder, Sendable, Equatable {
    public let count: Int
    public let batchSize: Int
    public var generator: SeededGenerator
    /// The current epoch's order of example indices.
    public var permutation: [Int]
    /// Where the next batch starts in `permutation`; `count` before the first batch.
    public var position: Int
    /// How many times the examples have been shuffled (completed epochs + 1 once training starts).
    public var epoch: Int

    public init(count: Int, batchSize: Int, seed: UInt64) {
        precondition(batchSize > 0 && batchSize <= count,
                     "batch size \(batchSize) must be between 1 and the \(count) examples")
        self.count = count
        self.batchSize = batchSize
        generator = SeededGenerator(seed: seed)
        permutation = Array(0..<count)
        position = count
        epoch = 0
    }

    public mutating func nextBatch() -> ArraySlice<Int> {
        if position + batchSize > count {
            permutation = Array(0..<count)
            generator.shuffle(&permutation)
            position = 0
            epoch += 1
        }
        defer { position += batchSize }
        return permutation[position..<(position + batchSize)]
    }
}
