/// Inverted dropout (Srivastava et al., 2014, as Keras applies it): while training, each value is
/// zeroed with probability `rate` and the survivors are scaled by `1 / (1 - rate)`, so evaluation
/// is a plain copy and needs no rescaling.
///
/// The mask is drawn from `CounterRandom` by the example's row in the whole batch and the value's
/// index, not from a generator consumed in sequence, so it is the same however the batch is cut
/// into parts and whichever thread runs each, and a seed gives the same run on one core or two.
public struct Dropout: ParameterFreeLayer, Equatable {
    public let rate: Float
    public let inputShape: [Int]

    public init(rate: Float, inputShape: [Int]) throws(LayerShapeError) {
        // Written so that NaN fails too. A rate of 1 would drop everything and divide by zero.
        guard rate >= 0, rate < 1 else { throw LayerShapeError("dropout rate \(rate) must be at least 0 and below 1") }
        self.rate = rate
        self.inputShape = inputShape
    }

    // MARK: Layer

    public var spec: LayerSpec { .dropout(rate: rate) }
    public var outputShape: [Int] { inputShape }
    public var forwardOperations: Int { inputCount }
    /// The mask: 0 for a dropped value, `1 / (1 - rate)` for a kept one.
    public var savedCount: Int { inputCount }
    public var description: String { "dropout \(inputShape), rate \(rate)" }

    public func forward(_ pass: LayerPass, phase: Int) {
        let count = inputCount
        guard pass.training else {
            pass.output.update(from: pass.input, count: pass.rows * count)
            return
        }
        let scale = 1 / (1 - rate)
        for row in 0..<pass.rows {
            let first = (pass.firstRow + row) * count, offset = row * count
            for i in 0..<count {
                let kept = CounterRandom.uniform(key: pass.randomKey, index: first + i) >= rate
                pass.saved[offset + i] = kept ? scale : 0
                pass.output[offset + i] = pass.input[offset + i] * pass.saved[offset + i]
            }
        }
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        guard let inputGradient = pass.inputGradient else { return }
        let count = pass.rows * inputCount
        if pass.training {
            for i in 0..<count { inputGradient[i] = pass.outputGradient[i] * pass.saved[i] }
        } else {
            inputGradient.update(from: pass.outputGradient, count: count)
        }
    }
}
