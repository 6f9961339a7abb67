/// Plain stochastic gradient descent, `w -= learningRate · g`: TensorFlow's `GradientDescentOptimizer`,
/// the tutorial's optimizer.
public struct SGD: Optimizer {
    public var learningRate: Float
    public var step = 0

    public init(learningRate: Float) {
        self.learningRate = learningRate
    }

    public struct Update: SlotUpdate {
        let learningRate: Float

        public init(learningRate: Float) {
            self.learningRate = learningRate
        }

        public func apply(parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, range: Range<Int>) {
            for i in range { parameter[i] -= learningRate * gradient[i] }
        }
    }

    public mutating func withUpdate<Result>(slot: Int, count: Int, _ body: (Update) throws -> Result) rethrows -> Result {
        try body(Update(learningRate: learningRate))
    }

    public var slotState: [String: [[Float]]] {
        get { [:] }
        set {}
    }

    public var description: String { "sgd (learning rate \(learningRate))" }
}
