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

    public mutating func update(
        slot: Int, parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, count: Int
    ) {
        Self.prepare(&velocity, slot: slot, count: count)
        let (mu, lr) = (momentum, learningRate)
        velocity[slot].withUnsafeMutableBufferPointer { v in
            for i in 0..<count {
                v[i] = mu * v[i] + gradient[i]
                parameter[i] -= lr * v[i]
            }
        }
    }

    public var slotState: [String: [[Float]]] {
        get { ["velocity": velocity] }
        set { velocity = newValue["velocity"] ?? [] }
    }

    public var description: String { "momentum (learning rate \(learningRate), momentum \(momentum))" }
}
