/// Updates a network's parameters from their gradients, one parameter tensor at a time.
///
/// A network numbers its parameter tensors ("slots") the same way every step, so an optimizer with
/// per-parameter state (momentum, Adam's moments) keeps one state buffer per slot. After every slot has
/// been updated the caller advances `step`, the global step counter (TensorFlow's `global_step`).
public protocol Optimizer: Sendable, CustomStringConvertible {
    /// How many updates have been applied.
    var step: Int { get set }
    var learningRate: Float { get set }

    /// Updates `parameter` in place from `gradient` (both `count` long).
    mutating func update(
        slot: Int, parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, count: Int)

    /// Per-slot state buffers, by name, for checkpoints; empty for stateless optimizers.
    var slotState: [String: [[Float]]] { get set }
}

extension Optimizer {
    /// Makes sure `slots[slot]` exists and holds `count` zeros the first time it is used.
    static func prepare(_ slots: inout [[Float]], slot: Int, count: Int) {
        while slots.count <= slot { slots.append([]) }
        if slots[slot].count != count { slots[slot] = Array(repeating: 0, count: count) }
    }
}

/// The optimizers by the names notebooks and the command line use.
public enum OptimizerKind: String, CaseIterable, Sendable, Codable {
    case sgd
    case momentum
    case adam

    /// A fresh optimizer of this kind; `momentum` is used by `.momentum` only.
    public func make(learningRate: Float, momentum: Float = 0.9) -> any Optimizer {
        switch self {
        case .sgd: SGD(learningRate: learningRate)
        case .momentum: Momentum(learningRate: learningRate, momentum: momentum)
        case .adam: Adam(learningRate: learningRate)
        }
    }
}
