/// L2 weight decay with TensorFlow's convention: `strength · Σw² / 2` per weight matrix
/// (`tf.contrib.layers.l2_regularizer`, i.e. `scale * tf.nn.l2_loss(w)`), added to the loss.
/// Biases are not regularized.
public struct L2Regularization: Sendable, Equatable {
    public var strength: Float

    public init(strength: Float) {
        self.strength = strength
    }

    /// `strength · Σw² / 2`, the squares summed in index order in Double.
    public func loss(_ weight: Tensor) -> Double {
        guard strength != 0 else { return 0 }
        var sum = 0.0
        for w in weight.scalars { sum += Double(w) * Double(w) }
        return Double(strength) * sum / 2
    }

    /// Adds the regularizer's gradient, `strength · w`, to `gradient`.
    public func addGradient(weight: UnsafePointer<Float>, to gradient: UnsafeMutablePointer<Float>, count: Int) {
        guard strength != 0 else { return }
        for i in 0..<count { gradient[i] += strength * weight[i] }
    }
}
