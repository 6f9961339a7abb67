import Foundation
import RunRecords

/// What the history takes from a run record besides its header: each block's network, the final
/// metrics under stable names, and the training curves.
///
/// Metric names: an `{evaluate}` block gives `<split>_accuracy` and `<split>_loss`; a `{train}`
/// block gives `final_train_accuracy`, `best_train_accuracy`, `final_train_loss`, `best_train_loss`
/// (and `final_validation_accuracy`, `best_validation_accuracy` when it evaluated a validation
/// split while training). When a run has several figures of one name (two networks each
/// evaluated on the test split, say), each is also recorded under its network's name,
/// `linear/test_accuracy`, with `#2`, `#3` after the later ones of the same network; the plain
/// name then holds the last one: the notebook's final result.
public struct RunFigures: Sendable, Equatable {
    public var metrics: [StoredMetric]
    public var curves: [StoredCurve]
    /// Each block's network, in block order (nil before the first network).
    public var networks: [String?]

    public init(_ record: RunRecord) {
        var networks: [String?] = []
        var curves: [StoredCurve] = []
        var raw: [(name: String, value: Double, kind: String, position: Int, network: String?)] = []
        var network: String?
        var ordinal = 0
        for (position, block) in record.blocks.enumerated() {
            if block.directive == .network {
                ordinal += 1
                if case .network(let metrics) = block.metrics, let name = metrics.name {
                    network = name
                } else {
                    network = "network-\(ordinal)"
                }
            }
            networks.append(network)
            switch block.metrics {
            case .evaluate(let metrics):
                let split = metrics.split.rawValue
                raw.append(("\(split)_accuracy", metrics.accuracy, "evaluate", position, network))
                raw.append(("\(split)_loss", metrics.loss, "evaluate", position, network))
            case .train(let metrics):
                let history = metrics.history
                guard let last = history.last else { continue }
                let losses = history.map(\.loss).filter { !$0.isNaN }
                raw.append(("final_train_accuracy", last.trainAccuracy, "train", position, network))
                raw.append(("best_train_accuracy", history.map(\.trainAccuracy).max() ?? .nan, "train", position, network))
                raw.append(("final_train_loss", metrics.finalLoss, "train", position, network))
                raw.append(("best_train_loss", losses.min() ?? .nan, "train", position, network))
                let validation = history.compactMap(\.validationAccuracy)
                if let final = validation.last {
                    raw.append(("final_validation_accuracy", final, "train", position, network))
                    raw.append(("best_validation_accuracy", validation.max() ?? final, "train", position, network))
                }
                curves.append(StoredCurve(blockPosition: position, points: history))
            default:
                break
            }
        }

        var counts: [String: Int] = [:]
        for figure in raw { counts[figure.name, default: 0] += 1 }
        var perNetwork: [String: Int] = [:]
        var seen: [String: Int] = [:]
        var metrics: [StoredMetric] = []
        for figure in raw {
            guard counts[figure.name]! > 1 else {
                metrics.append(StoredMetric(name: figure.name, value: figure.value, kind: figure.kind,
                                            blockPosition: figure.position, headline: true))
                continue
            }
            let qualified = "\(figure.network ?? "model")/\(figure.name)"
            perNetwork[qualified, default: 0] += 1
            let occurrence = perNetwork[qualified]!
            let name = occurrence > 1 ? "\(qualified)#\(occurrence)" : qualified
            metrics.append(StoredMetric(name: name, value: figure.value, kind: figure.kind,
                                        blockPosition: figure.position, headline: false))
            seen[figure.name, default: 0] += 1
            if seen[figure.name] == counts[figure.name] {
                metrics.append(StoredMetric(name: figure.name, value: figure.value, kind: figure.kind,
                                            blockPosition: figure.position, headline: true))
            }
        }
        self.metrics = metrics
        self.curves = curves
        self.networks = networks
    }
}
