import Foundation
import RunRecords

extension SweepRecord {
    /// A sweep's record before any trial has run.
    public init(notebook: String, axes: [SweepAxis], seeds: Int, metric: String?, goal: some RawRepresentable<String>,
                trials: [SweepTrial]) {
        self.init(notebook: notebook, axes: axes.map { axis in
            switch axis.values {
            case .list(let items): Axis(name: axis.name, kind: "list", values: items)
            case .uniform(let low, let high): Axis(name: axis.name, kind: "uniform", low: low, high: high)
            case .logUniform(let low, let high): Axis(name: axis.name, kind: "log-uniform", low: low, high: high)
            case .intUniform(let low, let high): Axis(name: axis.name, kind: "int-uniform", low: Double(low), high: Double(high))
            }
        }, seeds: seeds, metric: metric, goal: goal.rawValue, trials: trials.map { trial in
            Trial(id: trial.id, parameters: trial.parameters, seed: trial.seed, status: "pending", folder: trial.id, metrics: [:])
        })
    }

    /// Reads trial `index`'s run folder after its process ended with `status` (nil: it never started),
    /// and returns its training curve (its training blocks' logged points, in order) for the page, so
    /// that no run record is read twice.
    @discardableResult
    public mutating func record(_ index: Int, status: Int32?, seconds: Double, folder: URL) -> [TrainingPoint] {
        let runFolder = folder.appendingPathComponent(trials[index].folder)
        trials[index].seconds = seconds
        let okRecord = runFolder.appendingPathComponent(OwnedRunFolder.recordFile)
        let failedRecord = runFolder.appendingPathComponent(OwnedRunFolder.failedRecordFile)
        let record = status == 0 ? try? RunRecordFile.read(from: okRecord) : try? RunRecordFile.read(from: failedRecord)
        if status == 0, let record {
            trials[index].status = "ok"
            trials[index].metrics = Self.metrics(of: record)
        } else {
            trials[index].status = "failed"
            trials[index].error = record?.error
                ?? (status == nil ? "the trial could not be started" : "exit status \(status!); see \(trials[index].id).log")
            if let record { trials[index].metrics = Self.metrics(of: record) }
        }
        trials[index].notebookSha256 = record?.notebookSha256
        trials[index].labbookVersion = record?.labbookVersion
        rank()
        return record?.blocks.flatMap { block -> [TrainingPoint] in
            if case .train(let training) = block.metrics { training.history } else { [] }
        } ?? []
    }

    /// The values a run recorded that trials are compared by: each split's last evaluation accuracy
    /// and loss, the best validation accuracy seen while training, and the last training loss.
    static func metrics(of record: RunRecord) -> [String: Double] {
        var metrics: [String: Double] = [:]
        var bestValidation: Double?
        for block in record.blocks {
            switch block.metrics {
            case .evaluate(let evaluation):
                metrics["\(evaluation.split.rawValue)_accuracy"] = evaluation.accuracy
                metrics["\(evaluation.split.rawValue)_loss"] = evaluation.loss
            case .train(let training):
                metrics["final_loss"] = training.finalLoss
                for point in training.history {
                    if let accuracy = point.validationAccuracy { bestValidation = max(bestValidation ?? accuracy, accuracy) }
                }
            default:
                break
            }
        }
        if let bestValidation { metrics["best_validation_accuracy"] = bestValidation }
        if let last = record.blocks.reversed().lazy.compactMap({ block -> EvaluateMetrics? in
            if case .evaluate(let evaluation) = block.metrics { evaluation } else { nil }
        }).first {
            metrics["last_accuracy"] = last.accuracy
        }
        return metrics
    }
}
