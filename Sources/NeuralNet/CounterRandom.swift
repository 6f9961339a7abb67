/// Random numbers addressed by a key and an index rather than drawn in sequence, as JAX's and
/// Philox's counter-based generators are: the draw for an example does not depend on which thread
/// computes it or in what order, so dropout masks are the same on one core or two.
///
/// The hash is SplitMix64's finalizer (Steele, Lea and Flood, 2014) applied twice, which passes
/// BigCrush on counters; its outputs are fixed here, so a seed gives the same masks everywhere.
public enum CounterRandom {
    @inlinable
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The key of one step of one layer of a run seeded with `seed`.
    public static func key(seed: UInt64, step: Int, layer: Int) -> UInt64 {
        mix(mix(mix(seed) ^ UInt64(truncatingIfNeeded: step)) ^ UInt64(truncatingIfNeeded: layer))
    }

    /// The draw for `index` under `key`, uniform in [0, 1) with 24 bits, as `SeededGenerator.nextFloat()`.
    @inlinable
    public static func uniform(key: UInt64, index: Int) -> Float {
        Float(mix(key ^ mix(UInt64(truncatingIfNeeded: index))) >> 40) * 0x1p-24
    }
}
