/// Plain stochastic gradient descent, `w -= learningRate · g`: TensorFlow's `GradientDescentOptimizer`,
/// the tutorial's optimizer.
public struct SGD: Optimizer {
    public var learningRate: Float
    public var step = 0

    public init(learningRate: Float) {
        self.learningRate = learningRate
    }

    public mutating func update(
        slot: Int, parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, count: Int
    ) {
        for i in 0..<count { parameter[i] -= learningRate * gradient[i] }
    }

    public var slotState: [String: [[Float]]] {
        get { [:] }
        set {}
    }

    public var description: String { "sgd (learning rate \(learningRate))" }
}
