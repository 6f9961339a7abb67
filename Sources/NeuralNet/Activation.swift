import CKernels
import Foundation

/// An elementwise nonlinearity applied to a layer's output.
///
/// Each derivative is written in terms of the activation's *output*, which the forward pass keeps,
/// so the backward pass needs no copy of the pre-activation values.
public enum Activation: String, CaseIterable, Sendable, Codable {
    case relu
    case tanh
    case sigmoid
    case none

    /// Applies the activation to `count` values in place.
    @inlinable
    public func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu:
            // `x < 0` is false for NaN, so a diverged value stays NaN and surfaces in the loss.
            Self.zero(values, count: count, where: { $0 .< 0 }, comparing: UnsafePointer(values))
        case .tanh:
            for i in 0..<count { values[i] = Foundation.tanh(values[i]) }
        case .sigmoid:
            for i in 0..<count { values[i] = 1 / (1 + Foundation.exp(-values[i])) }
        case .none:
            break
        }
    }

    /// Multiplies `gradient` in place by the derivative at each point, given the activation's `output`.
    @inlinable
    public func multiplyByDerivative(
        _ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, count: Int
    ) {
        switch self {
        case .relu:
            labbook_zero_where_not_positive(gradient, output, count)
        case .tanh:
            for i in 0..<count { gradient[i] *= 1 - output[i] * output[i] }
        case .sigmoid:
            for i in 0..<count { gradient[i] *= output[i] * (1 - output[i]) }
        case .none:
            break
        }
    }

    /// Sets `values[i]` to zero wherever `condition` holds for `reference[i]`, sixteen lanes at a
    /// time. Written with SIMD masks because the compiler turns the scalar `x < 0 ? 0 : x` into a
    /// branch, and a ReLU's signs are as unpredictable as a coin: that branch cost more than the rest
    /// of the step outside the matrix products.
    @inlinable
    static func zero(
        _ values: UnsafeMutablePointer<Float>, count: Int, where condition: (SIMD16<Float>) -> SIMDMask<SIMD16<Int32>>,
        comparing reference: UnsafePointer<Float>
    ) {
        let lanes = SIMD16<Float>.scalarCount
        var i = 0
        while i + lanes <= count {
            let mask = condition(UnsafeRawPointer(reference + i).loadUnaligned(as: SIMD16<Float>.self))
            var chunk = UnsafeRawPointer(values + i).loadUnaligned(as: SIMD16<Float>.self)
            chunk.replace(with: 0, where: mask)
            UnsafeMutableRawPointer(values + i).storeBytes(of: chunk, as: SIMD16<Float>.self)
            i += lanes
        }
        while i < count {
            var last = SIMD16<Float>(repeating: 1)
            last[0] = reference[i]
            if condition(last)[0] { values[i] = 0 }
            i += 1
        }
    }

    /// The activation of one value, for tests and for code that works on single numbers.
    public func callAsFunction(_ x: Float) -> Float {
        var value = x
        apply(&value, count: 1)
        return value
    }
}
