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

    public mutating func update(
        slot: Int, parameter: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, count: Int
    ) {
        Self.prepare(&firstMoment, slot: slot, count: count)
        Self.prepare(&secondMoment, slot: slot, count: count)
        let t = Double(step + 1)
        let correction1 = Float(1 - Foundation.pow(Double(beta1), t))
        let correction2 = Float(1 - Foundation.pow(Double(beta2), t))
        let (b1, b2, eps, lr) = (beta1, beta2, epsilon, learningRate)
        firstMoment[slot].withUnsafeMutableBufferPointer { m in
            secondMoment[slot].withUnsafeMutableBufferPointer { v in
                for i in 0..<count {
                    let g = gradient[i]
                    m[i] = b1 * m[i] + (1 - b1) * g
                    v[i] = b2 * v[i] + (1 - b2) * g * g
                    let mHat = m[i] / correction1
                    let vHat = v[i] / correction2
                    parameter[i] -= lr * mHat / (vHat.squareRoot() + eps)
                }
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
