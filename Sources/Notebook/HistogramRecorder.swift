import Datasets
import NeuralNet

/// Records percentiles of logits, weights and activations at each logged training step: the data
/// behind TensorBoard-style distribution charts.
struct HistogramRecorder {
    private(set) var series: [HistogramSeries]

    init(names: [String]) {
        series = names.map { HistogramSeries(name: $0, steps: [], percentiles: []) }
    }

    /// Records `network` (the trainer's, as it stands) and the trainer's last outputs at `step`.
    mutating func record(_ trainer: Trainer, network: Network, step: Int) {
        let layers = network.layers
        for index in series.indices {
            let name = series[index].name
            let percentiles: [Float]
            if name == "logits" {
                percentiles = Percentiles.compute(trainer.layerOutput(layers.count - 1))
            } else if let (layer, subject) = Self.parse(name), layer < layers.count {
                if subject == "activations" {
                    percentiles = Percentiles.compute(trainer.layerOutput(layer))
                } else if let parameter = layers[layer].parameterSpecs.firstIndex(where: { $0.name == subject }) {
                    percentiles = layers[layer].parameters[parameter].scalars.withUnsafeBufferPointer { Percentiles.compute($0) }
                } else {
                    continue
                }
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
