import Foundation

/// Adam (Kingma and Ba, 2015) with bias correction, as in PyTorch's `Adam`:
/// `m = β1·m + (1-β1)·g`, `v = β2·v + (1-β2)·g²`,
/// `w -= learningRate · (m / (1-β1ᵗ)) / (sqrt(v / (1-β2ᵗ)) + ε)`, where t = step + 1.
public struct Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var step = 0
    public var firstMoment: [[Float]] = []
    public var secondMoment: [[Float]] = []

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public struct Update: SlotUpdate, @unchecked Sendable {
        let learningRate, beta1, beta2, epsilon: Float
        /// `1 - β1ᵗ` and `1 - β2ᵗ` for this step.
        let correction1, correction2: Float
        /// The slot's moments; each thread writes only its own range.
        let firstMoment, secondMoment: UnsafeMutablePointer<Float>

        public func apply(parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, range: Range<Int>) {
            let (b1, b2, eps, lr) = (beta1, beta2, epsilon, learningRate)
            let (m, v) = (firstMoment, secondMoment)
            for i in range {
                let g = gradient[i]
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                let mHat = m[i] / correction1
                let vHat = v[i] / correction2
                parameter[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
        }
    }

    public mutating func withUpdate<Result>(slot: Int, count: Int, _ body: (Update) throws -> Result) rethrows -> Result {
        Self.prepare(&firstMoment, slot: slot, count: count)
        Self.prepare(&secondMoment, slot: slot, count: count)
        let t = Double(step + 1)
        let correction1 = Float(1 - Foundation.pow(Double(beta1), t))
        let correction2 = Float(1 - Foundation.pow(Double(beta2), t))
        let (b1, b2, eps, lr) = (beta1, beta2, epsilon, learningRate)
        return try firstMoment[slot].withUnsafeMutableBufferPointer { m in
            try secondMoment[slot].withUnsafeMutableBufferPointer { v in
                try body(Update(learningRate: lr, beta1: b1, beta2: b2, epsilon: eps,
                                correction1: correction1, correction2: correction2,
                                firstMoment: m.baseAddress!, secondMoment: v.baseAddress!))
            }
        }
    }

    public var slotState: [String: [[Float]]] {
        get { ["m": firstMoment, "v": secondMoment] }
        set {
            firstMoment = newValue["m"] ?? []
            secondMoment = newValue["v"] ?? []
        }
    }

    public var description: String {
        "adam (learning rate \(learningRate), β1 \(beta1), β2 \(beta2), ε \(epsilon))"
    }
}
