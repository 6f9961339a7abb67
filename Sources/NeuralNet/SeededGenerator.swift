/// A seeded pseudo-random generator whose output is fixed by its documented algorithm, so a seed gives
/// the same numbers on every machine, operating system and Swift version.
///
/// - Integers: xoshiro256** (Blackman and Vigna, 2018), its 256-bit state filled from the seed by
///   SplitMix64, as the algorithm's authors recommend.
/// - `nextFloat()`: the top 24 bits of the next integer, times 2^-24, in [0, 1).
/// - `nextDouble()`: the top 53 bits, times 2^-53, in [0, 1).
/// - `nextInt(below:)`: Lemire's multiply-and-reject method, free of modulo bias.
/// - `nextNormal()`: Marsaglia's polar method on two `nextDouble()` draws, keeping the first of the two
///   normals it makes; the logarithm is `PortableMath.log`, built from IEEE operations only, so even
///   normal draws do not depend on the platform's libm.
/// - `shuffle(_:)`: Fisher-Yates from the last element down, each swap partner from `nextInt(below:)`.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The xoshiro256** state; saved in checkpoints so a resumed run draws the same numbers.
    public var state: [UInt64]

    public init(seed: UInt64) {
        var splitMix = seed
        state = (0..<4).map { _ in Self.splitMix64(&splitMix) }
    }

    /// Restores a generator from a saved `state`; `nil` unless it holds four words, not all zero.
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        self.state = state
    }

    private static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = Self.rotateLeft(state[3], 45)
        return result
    }

    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform integer in `0..<bound`.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A draw from the standard normal distribution.
    public mutating func nextNormal() -> Double {
        while true {
            let u = 2 * nextDouble() - 1
            let v = 2 * nextDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * PortableMath.log(s) / s).squareRoot()
            }
        }
    }

    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { elements.swapAt(i, j) }
        }
    }
}

/// Elementary functions computed from IEEE-754 arithmetic alone (which every conforming platform
/// rounds identically), for results that must not change with the platform's libm.
public enum PortableMath {
    /// The natural logarithm of a positive, finite `x`, accurate to a few units in the last place.
    public static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "PortableMath.log needs a positive finite value")
        // x = m * 2^e with m in [sqrt(1/2), sqrt(2)), so s = (m-1)/(m+1) stays within ±0.172.
        var exponent = Double(x.exponent)
        var m = x.significand  // in [1, 2)
        if m > 1.4142135623730951 {
            m /= 2
            exponent += 1
        }
        // log(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...); s^2 <= 0.0295, so 12 terms reach 1e-18.
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var term = s
        var sum = 0.0
        var k = 1.0
        for _ in 0..<12 {
            sum += term / k
            term *= s2
            k += 2
        }
        return 2 * sum + exponent * 0.6931471805599453
    }
}
