/// Percentiles of a set of values, as TensorBoard's distribution dashboard shows them.
public enum Percentiles {
    /// TensorBoard's percentiles in basis points: min, ~-1.5σ, -1σ, -0.5σ, median, +0.5σ, +1σ, +1.5σ, max.
    public static let basisPoints = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000]

    /// The values at `basisPoints` (0...10000) of `values`, by linear interpolation between the
    /// neighbouring ranks of a sorted copy (rank `p / 10000 × (n − 1)`).
    ///
    /// NaN values are left out; empty input (or only NaN) gives an empty array.
    public static func compute(values: [Float], basisPoints: [Int] = Percentiles.basisPoints) -> [Float] {
        let sorted = values.filter { !$0.isNaN }.sorted()
        guard !sorted.isEmpty else { return [] }
        return basisPoints.map { points in
            let fraction = Double(Swift.min(Swift.max(points, 0), 10000)) / 10000
            let rank = fraction * Double(sorted.count - 1)
            let below = Int(rank.rounded(.down))
            let above = Swift.min(below + 1, sorted.count - 1)
            let weight = Float(rank - Double(below))
            if weight == 0 || sorted[below] == sorted[above] { return sorted[below] }
            return sorted[below] + (sorted[above] - sorted[below]) * weight
        }
    }
}

extension Percentiles {
    /// Percentiles of at most `sampleLimit` values taken at an even stride, so a large weight matrix
    /// costs a bounded sort while its distribution stays representative; deterministic.
    public static func compute(
        _ values: UnsafeBufferPointer<Float>, sampleLimit: Int = 16_384, basisPoints: [Int] = Percentiles.basisPoints
    ) -> [Float] {
        let stride = max(1, (values.count + sampleLimit - 1) / sampleLimit)
        let sample = Swift.stride(from: 0, to: values.count, by: stride).map { values[$0] }
        return compute(values: sample, basisPoints: basisPoints)
    }
}
