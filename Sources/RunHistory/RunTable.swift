import Foundation
import RunRecords

/// A metric name `--sort` does not know, with the names it does.
public struct UnknownMetric: Error, CustomStringConvertible, Equatable {
    public var name: String
    public var valid: [String]

    public var description: String {
        "--sort \(name): no listed run has that metric; "
            + (valid.isEmpty ? "they have none" : "choose one of " + valid.joined(separator: ", "))
    }
}

/// `labbook runs`: one row per run, its parameters and headline metrics as columns.
public struct RunTable {
    public var runs: [StoredRun]
    /// Parameter names, sorted; with `onlyChanged`, only those whose values differ between the runs.
    public var parameterColumns: [String]
    /// The headline metrics: evaluations first, then training figures, each in the order runs
    /// recorded them.
    public var metricColumns: [String]

    /// - sortBy: a metric name (headline or qualified); runs are listed best first (lowest first
    ///   for a loss, highest first for anything else, unless `ascending` says), runs without it (or
    ///   with NaN) last. Without it, oldest first.
    /// - onlyChanged: keep only parameters whose values are not the same in every run.
    public init(runs: [StoredRun], sortBy metric: String? = nil, ascending: Bool? = nil, onlyChanged: Bool = false) throws {
        var runs = runs
        if let metric {
            let valid = Self.metricNames(in: runs)
            guard valid.contains(metric) else { throw UnknownMetric(name: metric, valid: valid) }
            runs = runs.rankedBestFirst(lowestFirst: ascending ?? Self.isLoss(metric)) { $0.metric(metric) }
        }
        self.runs = runs
        var parameters = Set(runs.flatMap(\.parameters.keys))
        if onlyChanged {
            parameters = parameters.filter { name in
                let values = runs.map { $0.parameters[name] }
                return values.contains { $0 != values[0] }
            }
        }
        parameterColumns = parameters.sorted()
        metricColumns = Self.metricNames(in: runs, headlineOnly: true)
    }

    /// Losses (`test_loss`, `final_train_loss`, `network-1/best_train_loss`) are better when lower.
    public static func isLoss(_ metric: String) -> Bool {
        metric.hasSuffix("loss")
    }

    /// Every metric name the runs recorded: evaluations before training figures, each in the order
    /// the runs recorded them; qualified names after the headline ones.
    public static func metricNames(in runs: [StoredRun], headlineOnly: Bool = false) -> [String] {
        var names: [(name: String, rank: Int, order: Int)] = []
        var seen = Set<String>()
        for run in runs {
            for metric in run.metrics where !seen.contains(metric.name) && (metric.headline || !headlineOnly) {
                seen.insert(metric.name)
                names.append((metric.name, (metric.headline ? 0 : 2) + (metric.kind == "evaluate" ? 0 : 1), names.count))
            }
        }
        return names.sorted { ($0.rank, $0.order) < ($1.rank, $1.order) }.map(\.name)
    }

    /// The table as aligned text, folders relative to `directory` where they are inside it.
    public func text(relativeTo directory: URL, timeZone: TimeZone = .current) -> String {
        let header = ["id", "notebook", "started", "status"] + parameterColumns + metricColumns + ["folder"]
        var rows = [header]
        for run in runs {
            var row = [String(run.id), run.notebookName, FigureText.time(run.started, timeZone: timeZone), run.status]
            row += parameterColumns.map { run.parameters[$0]?.text ?? "-" }
            row += metricColumns.map { run.metric($0).map(FigureText.metric) ?? "-" }
            row.append(FigureText.folder(run.runFolder, relativeTo: directory))
            rows.append(row)
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The same rows as JSON: an array of objects with every metric (headline and qualified) and
    /// the parameters the table shows; NaN and infinities as the strings run.json uses.
    public func json() throws -> Data {
        let rows = runs.map { run in
            Row(id: run.id, notebook: run.notebookName, notebookPath: run.notebookPath, title: run.title,
                started: run.started, seconds: run.seconds, status: run.status, error: run.error,
                params: run.parameters.filter { parameterColumns.contains($0.key) },
                metrics: Dictionary(run.metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
                runFolder: run.runFolder, codeSha256: run.codeSHA256, seed: run.seed,
                labbookVersion: run.labbookVersion, blasCore: run.blasCore)
        }
        return try Self.encoder().encode(rows)
    }

    /// run.json's layout, without its key conversion, which would rewrite parameter and metric
    /// names that are dictionary keys.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    struct Row: Encodable {
        var id: Int64
        var notebook: String
        var notebookPath: String
        var title: String
        var started: String
        var seconds: Double
        var status: String
        var error: String?
        var params: [String: ParameterValue]
        var metrics: [String: Double]
        var runFolder: String
        var codeSha256: String?
        var seed: UInt64
        var labbookVersion: String
        var blasCore: String

        enum CodingKeys: String, CodingKey {
            case id, notebook, title, started, seconds, status, error, params, metrics, seed
            case notebookPath = "notebook_path", runFolder = "run_folder", codeSha256 = "code_sha256"
            case labbookVersion = "labbook_version", blasCore = "blas_core"
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(notebook, forKey: .notebook)
            try container.encode(notebookPath, forKey: .notebookPath)
            try container.encode(title, forKey: .title)
            try container.encode(started, forKey: .started)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(status, forKey: .status)
            // null rather than absent, so every row has the same keys.
            try container.encode(error, forKey: .error)
            try container.encode(params, forKey: .params)
            try container.encode(metrics, forKey: .metrics)
            try container.encode(runFolder, forKey: .runFolder)
            try container.encode(codeSha256, forKey: .codeSha256)
            try container.encode(seed, forKey: .seed)
            try container.encode(labbookVersion, forKey: .labbookVersion)
            try container.encode(blasCore, forKey: .blasCore)
        }
    }
}
