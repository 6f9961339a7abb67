/// Labelled examples a network can read in batches, as rows of Float features.
///
/// The network library knows nothing of files or pixel formats: a dataset conforms by converting
/// (and normalizing) the examples it is asked for straight into the caller's reusable buffers.
public protocol ExampleSource {
    var count: Int { get }
    var featureCount: Int { get }
    var classCount: Int { get }

    /// Writes example `indices[i]` as row `i` of `features` (`indices.count × featureCount`) and its
    /// label as `labels[i]`.
    func gather(_ indices: UnsafeBufferPointer<Int>, features: UnsafeMutablePointer<Float>,
                labels: UnsafeMutablePointer<Int32>)
}

/// The order in which training visits examples: each call gives the indices of the next batch.
public protocol BatchOrder {
    var batchSize: Int { get }
    mutating func nextBatch() -> ArraySlice<Int>
}
