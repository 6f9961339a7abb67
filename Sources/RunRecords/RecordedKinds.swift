/// The directive names a notebook may use, as run.json records each block's.
public enum DirectiveKind: String, CaseIterable, Sendable, Codable {
    case data, network, train, evaluate, plot, checkpoint, restore
}

/// Which examples an evaluation or a chart reads.
public enum Split: String, CaseIterable, Sendable, Codable {
    case test, validation, train
}

/// The charts `{plot}` can draw.
public enum ChartKind: String, CaseIterable, Sendable, Codable {
    /// Recorded scalars (loss, accuracies) against the training step.
    case curves
    /// Distributions over time (percentile bands against step) of logits, weights or activations.
    case histograms
    /// The last evaluation's confusion matrix.
    case confusion
    /// The first layer's weights as one image tile per hidden unit.
    case weights
    /// Sample predictions, misclassified examples marked.
    case samples
    /// What a convolutional layer outputs for a few test images: each channel as a grey tile.
    case featureMaps = "feature_maps"
}

/// The pixel layout of recorded images: channel-major bytes, rows top to bottom.
public struct ImageLayout: Sendable, Equatable, Codable {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Bytes per image.
    public var featureCount: Int { channels * height * width }
}

/// One logged point of a training curve.
public struct TrainingPoint: Sendable, Equatable, Codable {
    /// The global step after this update (1 for the first).
    public var step: Int
    /// The batch's loss (cross-entropy plus L2 penalty) before the update.
    public var loss: Double
    /// The batch's accuracy before the update.
    public var trainAccuracy: Double
    /// Accuracy on the validation split after the update, at evaluation steps.
    public var validationAccuracy: Double?

    public init(step: Int, loss: Double, trainAccuracy: Double, validationAccuracy: Double?) {
        self.step = step
        self.loss = loss
        self.trainAccuracy = trainAccuracy
        self.validationAccuracy = validationAccuracy
    }
}
