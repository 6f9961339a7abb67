/// SGD with momentum: `v = momentum · v + g; w -= learningRate · v`, the convention of TensorFlow's
/// `MomentumOptimizer` and PyTorch's `SGD(momentum=)` without dampening.
public struct Momentum: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var step = 0
    /// The velocity `v` of each parameter slot.
    public var velocity: [[Float]] = []

    public init(learningRate: Float, momentum: Float = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public struct Update: SlotUpdate, @unchecked Sendable {
        let learningRate: Float
        let momentum: Float
        /// The slot's velocity; each thread writes only its own range.
        let velocity: UnsafeMutablePointer<Float>

        public func apply(parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, range: Range<Int>) {
            let (mu, lr, v) = (momentum, learningRate, velocity)
            for i in range {
                v[i] = mu * v[i] + gradient[i]
                parameter[i] -= lr * v[i]
            }
        }
    }

    public mutating func withUpdate<Result>(slot: Int, count: Int, _ body: (Update) throws -> Result) rethrows -> Result {
        Self.prepare(&velocity, slot: slot, count: count)
        let (mu, lr) = (momentum, learningRate)
        return try velocity[slot].withUnsafeMutableBufferPointer { v in
            try body(Update(learningRate: lr, momentum: mu, velocity: v.baseAddress!))
        }
    }

    public var slotState: [String: [[Float]]] {
        get { ["velocity": velocity] }
        set { velocity = newValue["velocity"] ?? [] }
    }

    public var description: String { "momentum (learning rate \(learningRate), momentum \(momentum))" }
}
