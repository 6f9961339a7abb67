/// Updates a network's parameters from their gradients, one parameter tensor at a time.
///
/// A network numbers its parameter tensors ("slots") the same way every step, so an optimizer with
/// per-parameter state (momentum, Adam's moments) keeps one state buffer per slot. After every slot has
/// been updated the caller advances `step`, the global step counter (TensorFlow's `global_step`).
///
/// Every rule here works element by element, so a slot's update can be split into ranges that run
/// on several threads at once: `withUpdate` prepares the slot's state and hands out an `Update` that
/// any thread may apply to its own range. The trainer uses this to update each range of the weights
/// right after summing its gradient, while the range is still in cache.
public protocol Optimizer: Sendable, CustomStringConvertible {
    /// This step's rule for one slot, with pointers to the slot's state.
    associatedtype Update: SlotUpdate

    /// How many updates have been applied.
    var step: Int { get set }
    var learningRate: Float { get set }

    /// Makes sure `slot` has state for `count` parameters, then calls `body` with this step's update
    /// of that slot. The update is valid only inside `body`.
    mutating func withUpdate<Result>(slot: Int, count: Int, _ body: (Update) throws -> Result) rethrows -> Result

    /// Per-slot state buffers, by name, for checkpoints; empty for stateless optimizers.
    var slotState: [String: [[Float]]] { get set }
}

/// One slot's update for one step. Applying it to disjoint ranges from several threads is safe, and
/// gives the same result, bit for bit, as applying it to the whole slot at once.
public protocol SlotUpdate: Sendable {
    /// Updates `parameter[i]` (and the slot's state at `i`) from `gradient[i]`, for every `i` in `range`.
    func apply(parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, range: Range<Int>)
}

extension Optimizer {
    /// Updates `parameter` in place from `gradient` (both `count` long).
    public mutating func update(
        slot: Int, parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, count: Int
    ) {
        withUpdate(slot: slot, count: count) { $0.apply(parameter: parameter, gradient: gradient, range: 0..<count) }
    }

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
