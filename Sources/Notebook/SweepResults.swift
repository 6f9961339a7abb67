import Foundation
import RunRecords

/// What a sweep knows of its trials, written as the sweep folder's `sweep.json` after every trial:
/// parameters, status, metrics and timings, ranked by one metric.
public struct SweepResults: Codable, Sendable {
    public struct Axis: Codable, Sendable, Equatable {
        public var name: String
        /// `list`, `uniform`, `log-uniform` or `int-uniform`.
        public var kind: String
        public var values: [String]?
        public var low: Double?
        public var high: Double?
    }

    public struct Trial: Codable, Sendable {
        public var id: String
        public var parameters: [String: String]
        public var seed: UInt64
        /// `pending`, `ok` or `failed`.
        public var status: String
        public var error: String?
        public var seconds: Double?
        /// The run folder, relative to the sweep folder.
        public var folder: String
        /// Final and best values: `test_accuracy`, `validation_accuracy`, `best_validation_accuracy`,
        /// `final_loss`, as the run recorded them.
        public var metrics: [String: Double]
        /// The run's notebook hash and LabBook version, to tell trials of another notebook apart.
        public var notebookSha256: String?
        public var labbookVersion: String?
    }

    public var notebook: String
    public var axes: [Axis]
    public var seeds: Int
    /// The metric that ranks trials: as asked, else the last evaluation's accuracy.
    public var metric: String?
    public var goal: String
    public var trials: [Trial]
    /// The best finished trial's id.
    public var best: String?

    public init(notebook: String, axes: [SweepAxis], seeds: Int, metric: String?, goal: some RawRepresentable<String>,
                trials: [SweepTrial]) {
        self.notebook = notebook
        self.axes = axes.map { axis in
            switch axis.values {
            case .list(let items): Axis(name: axis.name, kind: "list", values: items)
            case .uniform(let low, let high): Axis(name: axis.name, kind: "uniform", low: low, high: high)
            case .logUniform(let low, let high): Axis(name: axis.name, kind: "log-uniform", low: low, high: high)
            case .intUniform(let low, let high): Axis(name: axis.name, kind: "int-uniform", low: Double(low), high: Double(high))
            }
        }
        self.seeds = seeds
        self.metric = metric
        self.goal = goal.rawValue
        self.trials = trials.map { trial in
            Trial(id: trial.id, parameters: trial.parameters, seed: trial.seed, status: "pending", folder: trial.id, metrics: [:])
        }
    }

    public var finishedCount: Int { trials.filter { $0.status != "pending" }.count }
    public var failedCount: Int { trials.filter { $0.status == "failed" }.count }

    /// Reads trial `index`'s run folder after its process ended with `status` (nil: it never started).
    public mutating func record(_ index: Int, status: Int32?, seconds: Double, folder: URL) {
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
        best = rankedMetric.flatMap { name -> String? in
            let finished = trials.filter { $0.status == "ok" && $0.metrics[name] != nil }
            let better: (Trial, Trial) -> Bool = goal == "min"
                ? { $0.metrics[name]! < $1.metrics[name]! } : { $0.metrics[name]! > $1.metrics[name]! }
            // Ties go to the earlier trial, so the best does not depend on which finished first.
            return finished.reduce(nil as Trial?) { best, trial in best.map { better(trial, $0) ? trial : $0 } ?? trial }?.id
        }
    }

    /// The metric trials are ranked by: the one asked for, else the last test accuracy (or the last
    /// evaluation's, in a notebook that evaluates no test split).
    public var rankedMetric: String? {
        metric ?? (trials.contains { $0.metrics["test_accuracy"] != nil } || finishedCount == 0 ? "test_accuracy" : "last_accuracy")
    }

    /// A trial's line for the terminal: its status and ranked metric.
    public func summary(of index: Int) -> String {
        let trial = trials[index]
        let time = trial.seconds.map { String(format: " (%.1f s)", $0) } ?? ""
        guard trial.status == "ok" else { return "failed\(time): \(trial.error ?? "")" }
        guard let name = rankedMetric, let value = trial.metrics[name] else { return "ok\(time)" }
        return String(format: "%@ %.4f", name, value) + time
    }

    public var bestIndex: Int? { best.flatMap { id in trials.firstIndex { $0.id == id } } }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(self).write(to: url, options: .atomic)
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
