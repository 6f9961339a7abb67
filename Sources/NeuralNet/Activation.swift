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
            for i in 0..<count where values[i] < 0 { values[i] = 0 }
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
            for i in 0..<count where output[i] <= 0 { gradient[i] = 0 }
        case .tanh:
            for i in 0..<count { gradient[i] *= 1 - output[i] * output[i] }
        case .sigmoid:
            for i in 0..<count { gradient[i] *= output[i] * (1 - output[i]) }
        case .none:
            break
        }
    }

    /// The activation of one value, for tests and for code that works on single numbers.
    public func callAsFunction(_ x: Float) -> Float {
        var value = x
        apply(&value, count: 1)
        return value
    }
}
