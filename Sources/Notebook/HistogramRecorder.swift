import Datasets
import NeuralNet

/// Records percentiles of logits, weights and activations at each logged training step: the data
/// behind TensorBoard-style distribution charts.
struct HistogramRecorder {
    private(set) var series: [HistogramSeries]

    init(names: [String]) {
        series = names.map { HistogramSeries(name: $0, steps: [], percentiles: []) }
    }

    mutating func record(_ trainer: Trainer, step: Int) {
        let layers = trainer.network.layers
        for index in series.indices {
            let name = series[index].name
            let percentiles: [Float]
            if name == "logits" {
                percentiles = Percentiles.compute(trainer.layerOutput(layers.count - 1))
            } else if let (layer, subject) = Self.parse(name), layer < layers.count {
                percentiles = subject == "weights"
                    ? layers[layer].weight.scalars.withUnsafeBufferPointer { Percentiles.compute($0) }
                    : Percentiles.compute(trainer.layerOutput(layer))
            } else {
                continue
            }
            series[index].steps.append(step)
            series[index].percentiles.append(percentiles)
        }
    }

    /// `Layer2/weights` → (1, "weights").
    static func parse(_ name: String) -> (Int, String)? {
        let parts = name.split(separator: "/")
        guard parts.count == 2, parts[0].hasPrefix("Layer"), let number = Int(parts[0].dropFirst(5)), number >= 1 else {
            return nil
        }
        return (number - 1, String(parts[1]))
    }
}

/// A dense layer's incoming weights drawn as images, one tile per unit.
enum WeightTiles {
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
