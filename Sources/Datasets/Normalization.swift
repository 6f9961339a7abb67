import CKernels
import NeuralNet

/// How raw feature values become the network's inputs. Statistics come from the training split only,
/// and are applied as each batch is gathered, so the examples themselves stay in their raw form.
public enum Normalization: String, CaseIterable, Sendable, Codable {
    /// Raw values as Float (0...255 for images).
    case none
    /// Divided by 255, into [0, 1].
    case scale
    /// The mean training image subtracted from raw 0...255 values, pixel by pixel: the tutorial's
    /// `x -= np.mean(x_train, axis=0)`.
    case meanImage = "mean-image"
    /// Each channel shifted to mean 0 and scaled to standard deviation 1 over the training split.
    case standardize
}

/// A fitted normalization: every feature `f` becomes `(x - offset[f]) * multiplier[f]`.
///
/// One affine form covers all four kinds, so gathering a batch is a single loop whatever the kind.
public struct Normalizer: Sendable, Equatable {
    public let kind: Normalization
    public let offset: [Float]
    public let multiplier: [Float]

    /// A normalizer fitted before, from its parts (as a checkpoint keeps them): one offset and one
    /// multiplier per feature.
    public init(kind: Normalization, offset: [Float], multiplier: [Float]) {
        precondition(offset.count == multiplier.count, "\(offset.count) offsets for \(multiplier.count) multipliers")
        self.kind = kind
        self.offset = offset
        self.multiplier = multiplier
    }

    /// Fits `kind` on `examples` (the training split). `channels` groups features for `standardize`
    /// (channel-major layout); non-image data count every feature as its own channel.
    public init(_ kind: Normalization, fittedOn examples: LabeledExamples, channels: Int?) {
        let features = examples.featureCount
        self.kind = kind
        switch kind {
        case .none:
            offset = Array(repeating: 0, count: features)
            multiplier = Array(repeating: 1, count: features)
        case .scale:
            offset = Array(repeating: 0, count: features)
            multiplier = Array(repeating: 1 / 255, count: features)
        case .meanImage:
            offset = Self.featureMeans(examples).map { Float($0) }
            multiplier = Array(repeating: 1, count: features)
        case .standardize:
            let channelCount = channels ?? features
            let perChannel = features / channelCount
            let means = Self.featureMeans(examples)
            let squares = Self.featureMeans(examples, squared: true)
            var offsets: [Float] = []
            var multipliers: [Float] = []
            for channel in 0..<channelCount {
                let range = (channel * perChannel)..<((channel + 1) * perChannel)
                let mean = means[range].reduce(0, +) / Double(perChannel)
                let meanSquare = squares[range].reduce(0, +) / Double(perChannel)
                let deviation = max(meanSquare - mean * mean, 0).squareRoot()
                offsets += Array(repeating: Float(mean), count: perChannel)
                multipliers += Array(repeating: deviation > 0 ? Float(1 / deviation) : 1, count: perChannel)
            }
            offset = offsets
            multiplier = multipliers
        }
    }

    /// The mean of each feature (or of its square) over all examples, summed in example order in Double.
    static func featureMeans(_ examples: LabeledExamples, squared: Bool = false) -> [Double] {
        let features = examples.featureCount
        var sums = [Double](repeating: 0, count: features)
        guard examples.count > 0 else { return sums }
        sums.withUnsafeMutableBufferPointer { sums in
            switch examples.features {
            case .bytes(let values):
                values.withUnsafeBufferPointer { values in
                    // Integer sums are exact and order-free. Rows are added into 32-bit lanes, which
                    // the compiler vectorizes, and moved into 64-bit totals every `rowsPerFlush` rows,
                    // before 255² per row could overflow them.
                    let rowsPerFlush = 65536
                    let lanes = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: features)
                    let totals = UnsafeMutableBufferPointer<Int>.allocate(capacity: features)
                    defer { lanes.deallocate(); totals.deallocate() }
                    totals.initialize(repeating: 0)
                    let base = values.baseAddress!
                    for first in stride(from: 0, to: examples.count, by: rowsPerFlush) {
                        lanes.initialize(repeating: 0)
                        for example in first..<min(first + rowsPerFlush, examples.count) {
                            let row = base + example * features
                            if squared {
                                for f in 0..<features { let v = UInt32(row[f]); lanes[f] &+= v &* v }
                            } else {
                                for f in 0..<features { lanes[f] &+= UInt32(row[f]) }
                            }
                        }
                        for f in 0..<features { totals[f] += Int(lanes[f]) }
                    }
                    for f in 0..<features { sums[f] = Double(totals[f]) }
                }
            case .floats(let values):
                for example in 0..<examples.count {
                    for f in 0..<features {
                        let v = Double(values[example * features + f])
                        sums[f] += squared ? v * v : v
                    }
                }
            }
            for f in 0..<features { sums[f] /= Double(examples.count) }
        }
        return sums
    }

    /// Writes examples `indices` of `examples`, normalized, as rows of `features`, and their labels.
    public func gather(
        _ indices: UnsafeBufferPointer<Int>, from examples: LabeledExamples,
        features: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>
    ) {
        let width = examples.featureCount
        // The labels first: their subscript also traps on an index out of range before any row is read.
        for (row, example) in indices.enumerated() { labels[row] = Int32(examples.labels[example]) }
        guard !indices.isEmpty, width > 0 else { return }
        offset.withUnsafeBufferPointer { offset in
            multiplier.withUnsafeBufferPointer { multiplier in
                let offset = offset.baseAddress!, multiplier = multiplier.baseAddress!
                switch examples.features {
                case .bytes(let values):
                    values.withUnsafeBufferPointer { values in
                        labbook_gather_normalized_bytes(values.baseAddress!, indices.baseAddress!, indices.count, width,
                                                        offset, multiplier, features)
                    }
                case .floats(let values):
                    values.withUnsafeBufferPointer { values in
                        for (row, example) in indices.enumerated() {
                            let source = values.baseAddress! + example * width
                            let target = features + row * width
                            for f in 0..<width { target[f] = (source[f] - offset[f]) * multiplier[f] }
                        }
                    }
                }
            }
        }
    }
}

/// One split of a dataset as a network reads it: raw examples plus the fitted normalizer.
public struct NormalizedExamples: ExampleSource, Sendable {
    public let examples: LabeledExamples
    public let normalizer: Normalizer
    public let classCount: Int
    /// When set, images are handed out pixel by pixel with their channels together (height, width,
    /// channels: what convolutions read) rather than channel by channel as they are stored.
    public let channelsLast: ImageShape?

    public init(_ examples: LabeledExamples, normalizer: Normalizer, classCount: Int, channelsLast: ImageShape? = nil) {
        precondition(channelsLast.map { $0.featureCount == examples.featureCount } ?? true,
                     "an image shape of \(channelsLast!.featureCount) values for examples of \(examples.featureCount)")
        self.examples = examples
        self.normalizer = normalizer
        self.classCount = classCount
        self.channelsLast = channelsLast
    }

    public var count: Int { examples.count }
    public var featureCount: Int { examples.featureCount }

    public func gather(_ indices: UnsafeBufferPointer<Int>, features: UnsafeMutablePointer<Float>,
                       labels: UnsafeMutablePointer<Int32>) {
        normalizer.gather(indices, from: examples, features: features, labels: labels)
        guard let shape = channelsLast, shape.channels > 1 else { return }
        // Reordered row by row after normalizing, through a buffer on the stack: the normalizing
        // kernel stays the one the dense networks use, and nothing is allocated per batch.
        let (channels, pixels) = (shape.channels, shape.height * shape.width)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: shape.featureCount) { planar in
            let planar = planar.baseAddress!
            for row in 0..<indices.count {
                let target = features + row * shape.featureCount
                planar.update(from: target, count: shape.featureCount)
                for channel in 0..<channels {
                    let plane = planar + channel * pixels
                    for pixel in 0..<pixels { target[pixel * channels + channel] = plane[pixel] }
                }
            }
        }
    }
}
