/// Batch normalization (Ioffe and Szegedy, 2015) over the last dimension's channels, as Keras's
/// `BatchNormalization` on channels-last data: after a dense layer each unit is a channel, after a
/// convolution the statistics run over the batch and every pixel.
///
/// Training needs the whole batch's mean and variance, while the trainer runs the batch in parts;
/// so each pass has two phases. Forward phase 0 sums x and x² per channel over the part's rows into
/// the part's `shared` area, phase 1 combines every part's sums in part order (every part gets the
/// same bits, and one core gives what two give) and normalizes. Backward does the same with Σdy and
/// Σdy·x̂. The sums are Doubles, written through raw pointers into the Float buffer: the variance
/// comes from them as E[x²] − E[x]², a difference that Float sums over a batch of images would
/// leave with few correct digits.
public struct BatchNorm: Layer, Equatable {
    public let momentum: Float
    public let epsilon: Float
    public let inputShape: [Int]
    public let channels: Int
    /// `gamma`, `beta`, `moving_mean`, `moving_variance`, or none in a layer just built from its settings.
    public var parameters: [Tensor] = []

    public init(momentum: Float = 0.99, epsilon: Float = 0.001, inputShape: [Int]) throws(LayerShapeError) {
        guard let channels = inputShape.last, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerShapeError("a batch_norm layer needs values to normalize, but it gets \(inputShape)")
        }
        guard momentum >= 0, momentum <= 1 else {
            throw LayerShapeError("batch_norm momentum \(momentum) must be between 0 and 1")
        }
        guard epsilon > 0, epsilon.isFinite else { throw LayerShapeError("batch_norm epsilon \(epsilon) must be above 0") }
        (self.momentum, self.epsilon, self.inputShape, self.channels) = (momentum, epsilon, inputShape, channels)
    }

    /// Values per channel in one example: the pixels of an image, 1 for a vector.
    var spatial: Int { inputCount / channels }

    // MARK: Layer

    public var spec: LayerSpec { .batchNorm(momentum: momentum, epsilon: epsilon) }
    public var outputShape: [Int] { inputShape }
    public var parameterSpecs: [ParameterSpec] {
        [ParameterSpec(name: "gamma", shape: [channels], initialization: .ones),
         ParameterSpec(name: "beta", shape: [channels], initialization: .zeros),
         ParameterSpec(name: "moving_mean", shape: [channels], initialization: .zeros, trainable: false),
         ParameterSpec(name: "moving_variance", shape: [channels], initialization: .ones, trainable: false)]
    }
    /// One multiply-add per value, as evaluation runs it (training adds the sums).
    public var forwardOperations: Int { 2 * inputCount }
    /// x̂, which the backward pass and γ's gradient need.
    public var savedCount: Int { inputCount }
    /// Per channel: a phase's Float coefficients (mean and 1/σ, or the three terms of dx).
    public func scratchCount(rows: Int) -> Int { 3 * channels }
    /// Per part, four Double sums per channel: Σx, Σx² (forward), Σdy, Σdy·x̂ (backward). The
    /// forward ones must survive the backward pass, which recomputes 1/σ from them.
    public var sharedCount: Int { 8 * channels }
    public func forwardPhases(training: Bool) -> Int { training ? 2 : 1 }
    public var backwardPhases: Int { 2 }
    public var description: String { "batch_norm \(inputShape), momentum \(momentum), epsilon \(epsilon)" }

    public func forward(_ pass: LayerPass, phase: Int) {
        let (c, x, gamma, beta) = (channels, pass.input, pass.parameter(0), pass.parameter(1))
        if pass.training && phase == 0 {
            accumulate(pass, at: 0, x, x)
            return
        }
        let (mean, inverse) = (pass.scratch, pass.scratch + c)
        for k in 0..<c {
            let (batchMean, variance) = pass.training ? batchStatistics(pass, channel: k)
                : (Double(pass.parameter(2)[k]), Double(pass.parameter(3)[k]))
            (mean[k], inverse[k]) = (Float(batchMean), Float(1 / (variance + Double(epsilon)).squareRoot()))
            if pass.training && pass.isFirstLocalPart {
                let (movingMean, movingVariance) = (pass.parameter(2), pass.parameter(3))
                movingMean[k] = movingMean[k] * momentum + Float(batchMean) * (1 - momentum)
                movingVariance[k] = movingVariance[k] * momentum + Float(variance) * (1 - momentum)
            }
        }
        // x̂ is saved in evaluation too (`savedCount` allows it), so that backward reads it either way.
        let (saved, output) = (pass.saved, pass.output)
        for i in 0..<(pass.rows * spatial) {
            let (row, savedRow, outputRow) = (x + i * c, saved + i * c, output + i * c)
            for k in 0..<c {
                let normalized = (row[k] - mean[k]) * inverse[k]
                savedRow[k] = normalized
                outputRow[k] = gamma[k] * normalized + beta[k]
            }
        }
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        let (c, dy, saved) = (channels, pass.outputGradient, pass.saved)
        if phase == 0 {
            accumulate(pass, at: 2 * c, dy, saved)
            return
        }
        guard let dx = pass.inputGradient else { return }
        // dx = γ/σ/N · (N·dy − Σdy − x̂·Σdy·x̂) = a·dy + b + d·x̂ per channel in training; in
        // evaluation the statistics are constants and dx = γ/σ·dy.
        let (a, b, d) = (pass.scratch, pass.scratch + c, pass.scratch + 2 * c)
        let n = Double(pass.batchSize * spatial)
        for k in 0..<c {
            let variance = pass.training ? batchStatistics(pass, channel: k).variance : Double(pass.parameter(3)[k])
            let factor = Double(pass.parameter(0)[k]) / (variance + Double(epsilon)).squareRoot()
            a[k] = Float(factor)
            b[k] = pass.training ? Float(-factor * combined(pass, 2 * c + k) / n) : 0
            d[k] = pass.training ? Float(-factor * combined(pass, 3 * c + k) / n) : 0
        }
        for i in 0..<(pass.rows * spatial) {
            let (gradientRow, deltaRow, savedRow) = (dx + i * c, dy + i * c, saved + i * c)
            for k in 0..<c { gradientRow[k] = a[k] * deltaRow[k] + b[k] + d[k] * savedRow[k] }
        }
    }

    /// γ's gradient is Σdy·x̂ and β's Σdy, over the whole batch: the sums the backward pass left.
    public func parameterGradient(_ index: Int, rows: Range<Int>, pass: LayerPass, into gradient: UnsafeMutablePointer<Float>) {
        precondition(index < 2, "batch_norm's moving statistics are not trained")
        let offset = (index == 0 ? 3 : 2) * channels
        for k in 0..<channels { gradient[k] = Float(combined(pass, offset + k)) }
    }

    /// The whole batch's mean and biased variance (Keras's, for normalizing and for the moving
    /// variance alike) of channel `channel`, from every part's forward sums.
    private func batchStatistics(_ pass: LayerPass, channel: Int) -> (mean: Double, variance: Double) {
        let n = Double(pass.batchSize * spatial)
        let mean = combined(pass, channel) / n
        return (mean, max(combined(pass, channels + channel) / n - mean * mean, 0))
    }

    /// Sets this part's sums `first..<first + 2C` to the per-channel sums of `u` and of `u · v` over
    /// its rows (`u` = x, `v` = x in the forward pass; dy and x̂ in the backward one). The sums run
    /// in Double arrays on the stack, value by value in order, which the compiler vectorizes across
    /// channels; summing through the shared buffer's raw bytes took longer than a convolution.
    private func accumulate(_ pass: LayerPass, at first: Int, _ u: UnsafePointer<Float>, _ v: UnsafePointer<Float>) {
        let c = channels
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * c) { totals in
            let (sums, products) = (totals.baseAddress!, totals.baseAddress! + c)
            sums.initialize(repeating: 0, count: 2 * c)
            for i in 0..<(pass.rows * spatial) {
                let (uRow, vRow) = (u + i * c, v + i * c)
                for k in 0..<c {
                    let value = Double(uRow[k])
                    sums[k] += value
                    products[k] += value * Double(vRow[k])
                }
            }
            let shared = Sums(pass, part: pass.part, count: sharedCount)
            for k in 0..<(2 * c) { shared[first + k] = totals[k] }
        }
    }

    /// Sum `index` over every part, in part order, so that every part computes the same bits.
    private func combined(_ pass: LayerPass, _ index: Int) -> Double {
        var total = 0.0
        for part in 0..<pass.parts { total += Sums(pass, part: part, count: sharedCount)[index] }
        return total
    }
}

/// One part's Double sums in the layer's Float `shared` buffer, read and written as raw bytes (the
/// buffer is bound to Float, and `sharedCount` is even, so each part's area holds whole Doubles).
private struct Sums {
    let base: UnsafeMutableRawPointer

    init(_ pass: LayerPass, part: Int, count: Int) {
        base = UnsafeMutableRawPointer(pass.shared(part: part, count: count))
    }

    subscript(index: Int) -> Double {
        get { base.loadUnaligned(fromByteOffset: index * 8, as: Double.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: index * 8, as: Double.self) }
    }
}
