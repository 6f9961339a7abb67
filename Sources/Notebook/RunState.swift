import Datasets
import FileFormats
import NeuralNet

/// What the blocks executed so far have built: the one state every directive reads and extends.
final class RunState {
    var dataset: Dataset?
    var normalizer: Normalizer?
    /// What checkpoints say about the data the latest {data} block loaded: its description and
    /// fitted normalization, for `labbook predict`.
    var checkpointInput: CheckpointInput?
    var network: Network?
    var trainer: Trainer?
    /// The training directive the trainer and batch order were made for; a later {train} with the
    /// same batch size and optimizer settings continues them.
    var trainingSettings: TrainDirective?
    var batchOrder: EpochShuffledBatches?
    var history: [TrainingPoint] = []

    /// The global step: updates applied to the current network.
    var globalStep: Int { trainer?.optimizer.step ?? restored?.optimizer.step ?? 0 }
    /// The checkpoint last restored, whose optimizer state and batch order a following {train} with
    /// the same settings continues, so resuming is bit-identical to training straight through.
    var restored: Checkpoint?

    func examples(_ split: Split) -> NormalizedExamples? {
        guard let dataset, let normalizer else { return nil }
        let examples: LabeledExamples? = switch split {
        case .train: dataset.train
        case .validation: dataset.validation
        case .test: dataset.test
        }
        // A network that reads images as images (its input is [height, width, channels]) gets them channels last.
        let channelsLast = network?.inputShape.count == 3 ? dataset.imageShape : nil
        return examples.map {
            NormalizedExamples($0, normalizer: normalizer, classCount: dataset.classCount, channelsLast: channelsLast)
        }
    }

    /// The network as trained so far (the trainer holds the live copy while there is one).
    var currentNetwork: Network? { trainer?.network ?? network }
}
