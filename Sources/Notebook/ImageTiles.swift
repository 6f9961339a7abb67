import Datasets
import NeuralNet

/// A layer's weights drawn as images: a dense layer's incoming weights, one tile per unit, or a
/// convolution's filters, each a small colour image when they read the input image, else one
/// grey tile per filter and input channel.
enum WeightTiles {
    static func make(_ layer: any Layer, shape: ImageShape, count: Int) -> ImageSamples? {
        if let dense = layer as? Dense { return make(dense, shape: shape, count: count) }
        guard case .conv2d(let filters, let kernel, _, _, _) = layer.spec, let weights = layer.parameters.first,
              let channels = layer.inputShape.last else { return nil }
        // Weights are [kernel, kernel, channels, filters]; a tile is planar, channel by channel.
        func value(filter: Int, channel: Int, pixel: Int) -> Float { weights.scalars[(pixel * channels + channel) * filters + filter] }
        let pixels = kernel * kernel
        if channels == shape.channels && layer.inputShape == [shape.height, shape.width, shape.channels] {
            let tiles = (0..<min(count, filters)).map { filter in
                Self.bytes((0..<channels).flatMap { channel in (0..<pixels).map { value(filter: filter, channel: channel, pixel: $0) } })
            }
            return ImageSamples(shape: ImageLayout(ImageShape(channels: channels, height: kernel, width: kernel)),
                                labels: Array(0..<tiles.count), images: tiles, captions: tiles.indices.map { "filter \($0 + 1)" })
        }
        let tiles = (0..<min(count, filters * channels)).map { tile in
            Self.bytes((0..<pixels).map { value(filter: tile / channels, channel: tile % channels, pixel: $0) })
        }
        return ImageSamples(shape: ImageLayout(ImageShape(channels: 1, height: kernel, width: kernel)),
                            labels: (0..<tiles.count).map { $0 / channels }, images: tiles,
                            captions: tiles.indices.map { "filter \($0 / channels + 1), input \($0 % channels + 1)" })
    }

    /// Tiles of the first `count` units of `layer`, whose inputs are images of `shape`; each tile's
    /// weights are rescaled to 0...255 over its own range, so every unit's pattern is visible.
    static func make(_ layer: Dense, shape: ImageShape, count: Int) -> ImageSamples? {
        guard layer.inputSize == shape.featureCount else { return nil }
        let units = min(count, layer.outputSize)
        let tiles: [[UInt8]] = (0..<units).map { unit in
            let column = (0..<layer.inputSize).map { layer.weight.scalars[$0 * layer.outputSize + unit] }
            return Self.bytes(column)
        }
        return ImageSamples(shape: ImageLayout(shape), labels: Array(0..<units), images: tiles)
    }
}

/// What one layer of a network outputs for the first test images: up to `channelsShown` of its
/// channels per image, each a grey tile scaled over its own range.
enum FeatureMaps {
    static let channelsShown = 8

    static func make(_ network: Network, layer index: Int, examples: NormalizedExamples, count: Int) -> ImageSamples {
        let shape = network.layers[index].outputShape
        let (height, width, channels) = (shape[0], shape[1], shape[2])
        let shown = min(channels, channelsShown)
        let first = NormalizedExamples(examples.examples.examples(0..<min(count, examples.count)), normalizer: examples.normalizer,
                                       classCount: examples.classCount, channelsLast: examples.channelsLast)
        var tiles: [[UInt8]] = []
        var captions: [String] = []
        var labels: [Int] = []
        var image = 0
        network.forEachChunk(of: first) { outputs, classes, rows in
            for row in 0..<rows {
                let maps = outputs[index] + row * height * width * channels
                for channel in 0..<shown {
                    tiles.append(WeightTiles.bytes((0..<(height * width)).map { maps[$0 * channels + channel] }))
                    captions.append("image \(image + 1), map \(channel + 1)")
                    labels.append(Int(classes[row]))
                }
                image += 1
            }
        }
        return ImageSamples(shape: ImageLayout(ImageShape(channels: 1, height: height, width: width)), labels: labels,
                            images: tiles, captions: captions)
    }
}

extension WeightTiles {
    /// Values rescaled to 0...255 over their own finite range, in Double, so no range (a unit whose
    /// weights are all but equal, or not finite) can make a scale that overflows: an equal column
    /// is mid-grey, and a value that is not finite is black.
    static func bytes(_ values: [Float]) -> [UInt8] {
        let finite = values.filter(\.isFinite)
        let low = Double(finite.min() ?? 0), high = Double(finite.max() ?? 0)
        return values.map { value in
            guard value.isFinite else { return 0 }
            guard high > low else { return 128 }
            let scaled = (Double(value) - low) / (high - low) * 255
            return UInt8(scaled.rounded().clamped(to: 0...255))
        }
    }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
