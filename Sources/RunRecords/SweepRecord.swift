import Foundation

/// What a sweep knows of its trials, written as the sweep folder's `sweep.json` after every trial:
/// parameters, status, metrics and timings, ranked by one metric. Plain values, which the sweep
/// writes and its comparison page reads.
public struct SweepRecord: Codable, Sendable {
    public struct Axis: Codable, Sendable, Equatable {
        public var name: String
        /// `list`, `uniform`, `log-uniform` or `int-uniform`.
        public var kind: String
        public var values: [String]?
        public var low: Double?
        public var high: Double?

        public init(name: String, kind: String, values: [String]? = nil, low: Double? = nil, high: Double? = nil) {
            self.name = name
            self.kind = kind
            self.values = values
            self.low = low
            self.high = high
        }
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

        public init(id: String, parameters: [String: String], seed: UInt64, status: String, folder: String,
                    metrics: [String: Double]) {
            self.id = id
            self.parameters = parameters
            self.seed = seed
            self.status = status
            self.folder = folder
            self.metrics = metrics
        }
    }

    public var notebook: String
    public var axes: [Axis]
    public var seeds: Int
    /// The metric that ranks trials: as asked, else the last test accuracy.
    public var metric: String?
    public var goal: String
    public var trials: [Trial]
    /// The best finished trial's id.
    public var best: String?

    public init(notebook: String, axes: [Axis], seeds: Int, metric: String?, goal: String, trials: [Trial]) {
        self.notebook = notebook
        self.axes = axes
        self.seeds = seeds
        self.metric = metric
        self.goal = goal
        self.trials = trials
    }

    public var finishedCount: Int { trials.filter { $0.status != "pending" }.count }
    public var failedCount: Int { trials.filter { $0.status == "failed" }.count }

    /// The metric trials are ranked by: the one asked for, else the last test accuracy (or the last
    /// evaluation's, in a notebook that evaluates no test split).
    public var rankedMetric: String? {
        metric ?? (trials.contains { $0.metrics["test_accuracy"] != nil } || finishedCount == 0 ? "test_accuracy" : "last_accuracy")
    }

    /// Recomputes `best` from the finished trials.
    public mutating func rank() {
        // Ties go to the earlier trial, so the best does not depend on which finished first.
        best = rankedMetric.flatMap { name in
            trials.filter { $0.status == "ok" && $0.metrics[name] != nil }
                .rankedBestFirst(lowestFirst: goal == "min") { $0.metrics[name] }.first?.id
        }
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

    /// Written as run.json is: snake_case keys, sorted, through a file renamed into place.
    public func write(to url: URL) throws {
        try RunRecordFile.encoder().encode(self).write(to: url, options: .atomic)
    }

    public static func read(from url: URL) throws -> SweepRecord {
        try RunRecordFile.decoder().decode(SweepRecord.self, from: Data(contentsOf: url))
    }
}
