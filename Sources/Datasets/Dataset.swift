import NeuralNet

/// The pixel layout of image examples.
public struct ImageShape: Sendable, Equatable, Codable {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Features per image. Pixels are stored channel-major (all of channel 0, then channel 1, ...),
    /// rows top to bottom: CIFAR-10's planar layout, and trivially MNIST's single channel.
    public var featureCount: Int { channels * height * width }
}

/// Feature values as they are kept in memory: images as their raw bytes (a quarter of Float32's size),
/// synthetic data as Float.
public enum FeatureStorage: Sendable, Equatable {
    case bytes([UInt8])
    case floats([Float])

    public var count: Int {
        switch self {
        case .bytes(let values): values.count
        case .floats(let values): values.count
        }
    }

    /// The value at a flat index, as Float (for statistics and tests; batches use `gather`).
    public subscript(index: Int) -> Float {
        switch self {
        case .bytes(let values): Float(values[index])
        case .floats(let values): values[index]
        }
    }

    func slice(_ range: Range<Int>) -> FeatureStorage {
        switch self {
        case .bytes(let values): .bytes(Array(values[range]))
        case .floats(let values): .floats(Array(values[range]))
        }
    }
}

/// Labelled examples of one split: `count` rows of `featureCount` features, and a label per row.
public struct LabeledExamples: Sendable, Equatable {
    public let features: FeatureStorage
    public let labels: [UInt8]
    public let featureCount: Int

    public init(features: FeatureStorage, labels: [UInt8], featureCount: Int) {
        precondition(features.count == labels.count * featureCount,
                     "\(features.count) feature values for \(labels.count) examples of \(featureCount)")
        self.features = features
        self.labels = labels
        self.featureCount = featureCount
    }

    public var count: Int { labels.count }

    /// The examples in `range`, copied.
    public func examples(_ range: Range<Int>) -> LabeledExamples {
        LabeledExamples(
            features: features.slice((range.lowerBound * featureCount)..<(range.upperBound * featureCount)),
            labels: Array(labels[range]), featureCount: featureCount)
    }

    /// The examples at `indices`, in that order, copied.
    public func examples(at indices: [Int]) -> LabeledExamples {
        let width = featureCount
        let features: FeatureStorage = switch self.features {
        case .bytes(let values): .bytes(indices.flatMap { values[($0 * width)..<(($0 + 1) * width)] })
        case .floats(let values): .floats(indices.flatMap { values[($0 * width)..<(($0 + 1) * width)] })
        }
        return LabeledExamples(features: features, labels: indices.map { labels[$0] }, featureCount: width)
    }

    /// How many examples carry each label, for `classCount` classes.
    public func classCounts(classCount: Int) -> [Int] {
        var counts = Array(repeating: 0, count: classCount)
        for label in labels where Int(label) < classCount { counts[Int(label)] += 1 }
        return counts
    }
}

/// A classification dataset: training and test examples, class names and (for images) their shape.
public struct Dataset: Sendable, Equatable {
    public var name: String
    public var classNames: [String]
    /// `nil` for data that are not images (the spiral).
    public var imageShape: ImageShape?
    public var train: LabeledExamples
    public var test: LabeledExamples
    /// Examples held out of `train` by `holdingOutValidation(_:)`.
    public var validation: LabeledExamples?
    /// The files the examples were read from, in reading order.
    public var files: [String]

    public init(
        name: String, classNames: [String], imageShape: ImageShape?, train: LabeledExamples,
        test: LabeledExamples, validation: LabeledExamples? = nil, files: [String] = []
    ) {
        self.name = name
        self.classNames = classNames
        self.imageShape = imageShape
        self.train = train
        self.test = test
        self.validation = validation
        self.files = files
    }

    public var featureCount: Int { train.featureCount }
    public var classCount: Int { classNames.count }

    /// Keeps only the first `limit` examples of the training and of the test split, for quick drafts.
    public func limited(to limit: Int) -> Dataset {
        precondition(limit > 0, "limit must be positive")
        var copy = self
        copy.train = train.examples(0..<min(limit, train.count))
        copy.test = test.examples(0..<min(limit, test.count))
        return copy
    }

    /// Moves `count` training examples, drawn at random with `seed` (as PyTorch's `random_split`
    /// does), into a validation split. Both splits keep the examples' original order, so data stored
    /// class by class still gives a validation split of every class.
    public func holdingOutValidation(_ count: Int, seed: UInt64) throws -> Dataset {
        guard count > 0, count < train.count else {
            throw DatasetError(path: name, "a validation split of \(count) needs 1 to \(train.count - 1) "
                               + "of the \(train.count) training examples")
        }
        let (kept, heldOut) = Self.split(train, holdingOut: count, seed: seed)
        var copy = self
        copy.train = kept
        copy.validation = heldOut
        return copy
    }

    /// For data that come as one set of examples (a single CSV file, one folder of images): moves
    /// `fraction` of them, rounded, drawn at random with `seed`, from `train` into `test`, replacing
    /// whatever `test` held. Both keep the examples' original order.
    public func holdingOutTest(fraction: Double, seed: UInt64) throws -> Dataset {
        let count = try Self.testCount(fraction: fraction, of: train.count, path: name)
        // Mixed, so that the test draw differs from a validation draw made with the same seed.
        let (kept, heldOut) = Self.split(train, holdingOut: count, seed: seed ^ 0x7465_7374_7370_6c74)
        var copy = self
        copy.train = kept
        copy.test = heldOut
        return copy
    }

    /// How many of `examples` `holdingOutTest(fraction:seed:)` moves into the test split, or an
    /// error naming `path` when that leaves no test or no training examples: what validation needs to
    /// know before the examples are read.
    public static func testCount(fraction: Double, of examples: Int, path: String) throws -> Int {
        let count = Int((Double(examples) * fraction).rounded())
        guard fraction > 0, fraction < 1, count > 0, count < examples else {
            throw DatasetError(path: path, "a test fraction of \(fraction) of \(examples) examples leaves no test "
                               + "or no training examples; choose a fraction between 0 and 1 that does")
        }
        return count
    }

    private static func split(_ examples: LabeledExamples, holdingOut count: Int, seed: UInt64)
        -> (kept: LabeledExamples, heldOut: LabeledExamples) {
        var generator = SeededGenerator(seed: seed)
        var order = Array(0..<examples.count)
        generator.shuffle(&order)
        var heldOut = [Bool](repeating: false, count: examples.count)
        for index in order.prefix(count) { heldOut[index] = true }
        return (examples.examples(at: (0..<examples.count).filter { !heldOut[$0] }),
                examples.examples(at: (0..<examples.count).filter { heldOut[$0] }))
    }
}
