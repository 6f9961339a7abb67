import Foundation
import RunRecords

/// `labbook diff A B`: what changed from run A to run B.
public struct RunComparison: Sendable {
    public var a: StoredRun
    public var b: StoredRun

    /// A parameter whose value differs; nil where a run does not have it.
    public struct ParameterChange: Sendable, Equatable {
        public var name: String
        public var old: ParameterValue?
        public var new: ParameterValue?
    }

    /// A metric of either run, with its change.
    public struct MetricChange: Sendable, Equatable {
        public var name: String
        public var old: Double?
        public var new: Double?
        public var headline: Bool

        /// new − old, when both runs have the metric.
        public var delta: Double? { old.flatMap { old in new.map { $0 - old } } }
    }

    /// Two runs' blocks at one position, compared by cache key.
    public struct BlockChange: Sendable, Equatable {
        public enum State: String, Sendable {
            /// Same key: the block and everything before it had the same inputs.
            case same
            /// Different keys.
            case differs
            /// A run has no key for the block (it was skipped, or recorded before keys were).
            case unknown
            case onlyInA = "only in A"
            case onlyInB = "only in B"
        }

        public var position: Int
        public var old: StoredBlock?
        public var new: StoredBlock?
        public var state: State
    }

    public var parameters: [ParameterChange]
    public var metrics: [MetricChange]
    public var blocks: [BlockChange]
    /// Other things that differ: seed, LabBook version, BLAS core, status.
    public var settings: [(what: String, old: String, new: String)]

    public init(_ a: StoredRun, _ b: StoredRun) {
        self.a = a
        self.b = b
        parameters = Set(a.parameters.keys).union(b.parameters.keys).sorted().compactMap { name in
            a.parameters[name] == b.parameters[name]
                ? nil : ParameterChange(name: name, old: a.parameters[name], new: b.parameters[name])
        }
        // A qualified name that only repeats a headline figure (`network-2/test_accuracy` beside
        // `test_accuracy`, the same block's) is left out where both runs have it so.
        let repeats = [a.repeatedFigures, b.repeatedFigures]
        metrics = RunTable.metricNames(in: [a, b]).filter { name in
            !zip([a, b], repeats).allSatisfy { run, repeated in run.metric(name) == nil || repeated.contains(name) }
        }.map { name in
            MetricChange(name: name, old: a.metric(name), new: b.metric(name),
                         headline: (a.metrics + b.metrics).first { $0.name == name }?.headline ?? false)
        }
        blocks = (0..<max(a.blocks.count, b.blocks.count)).map { position in
            let old = position < a.blocks.count ? a.blocks[position] : nil
            let new = position < b.blocks.count ? b.blocks[position] : nil
            let state: BlockChange.State
            switch (old, new) {
            case let (old?, new?):
                if old.directive != new.directive {
                    state = .differs
                } else if let oldKey = old.cacheKey, let newKey = new.cacheKey {
                    state = oldKey == newKey ? .same : .differs
                } else {
                    state = .unknown
                }
            case (_?, nil): state = .onlyInA
            default: state = .onlyInB
            }
            return BlockChange(position: position, old: old, new: new, state: state)
        }
        var settings: [(String, String, String)] = []
        func compare(_ what: String, _ old: String, _ new: String) {
            if old != new { settings.append((what, old, new)) }
        }
        compare("status", a.status, b.status)
        compare("notebook", a.notebookPath, b.notebookPath)
        compare("seed", String(a.seed), String(b.seed))
        compare("LabBook version", a.labbookVersion, b.labbookVersion)
        compare("BLAS core", a.blasCore, b.blasCore)
        self.settings = settings
    }

    /// Whether the notebook's text changed: nil when a run has no hash recorded.
    public var codeChanged: Bool? {
        guard let old = a.codeSHA256, let new = b.codeSHA256 else { return nil }
        return old != new
    }

    /// The first block whose key differs (or that only one run has): where the runs part ways.
    public var firstDifferingBlock: BlockChange? {
        blocks.first { $0.state == .differs || $0.state == .onlyInA || $0.state == .onlyInB }
    }

    /// A block as `line 41 {train}`, with both lines where prose moved it.
    public static func describe(_ change: BlockChange) -> String {
        let block = change.new ?? change.old!
        var line = "line \(block.line)"
        if let old = change.old, let new = change.new, old.line != new.line { line = "line \(old.line) → \(new.line)" }
        var directive = "{\(block.directive)}"
        if let old = change.old, let new = change.new, old.directive != new.directive {
            directive = "{\(old.directive)} → {\(new.directive)}"
        }
        return "\(line) \(directive)"
    }

    /// Run `id` as a heading: `run 3 (quickstart, 2026-12-02 09:20:11, ok, runs/quickstart)`.
    public static func heading(_ run: StoredRun, relativeTo directory: URL, timeZone: TimeZone = .current) -> String {
        "run \(run.id) (\(run.notebookName), \(FigureText.time(run.started, timeZone: timeZone)), \(run.status), "
            + "\(FigureText.folder(run.runFolder, relativeTo: directory)))"
    }

    /// The comparison as text for the terminal.
    public func text(relativeTo directory: URL, timeZone: TimeZone = .current) -> String {
        var lines = ["A: " + Self.heading(a, relativeTo: directory, timeZone: timeZone),
                     "B: " + Self.heading(b, relativeTo: directory, timeZone: timeZone), ""]

        if parameters.isEmpty {
            lines.append("Parameters: none changed")
        } else {
            lines.append("Parameters changed:")
            let width = parameters.map(\.name.count).max() ?? 0
            for change in parameters {
                lines.append("  " + change.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                             + (change.old?.text ?? "(not set)") + " → " + (change.new?.text ?? "(not set)"))
            }
        }

        lines.append("")
        if metrics.isEmpty {
            lines.append("Metrics: neither run recorded any")
        } else {
            lines.append("Metrics (A → B, change):")
            let width = metrics.map(\.name.count).max() ?? 0
            for change in metrics {
                let values = (change.old.map(FigureText.metric) ?? "-") + " → " + (change.new.map(FigureText.metric) ?? "-")
                lines.append("  " + change.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + values
                             + (change.delta.map { "  (" + FigureText.delta($0) + ")" } ?? ""))
            }
        }

        lines.append("")
        if blocks.isEmpty {
            lines.append("Blocks: none recorded")
        } else {
            lines.append("Blocks (by cache key):")
            let described = blocks.map(Self.describe)
            let width = described.map(\.count).max() ?? 0
            for (change, text) in zip(blocks, described) {
                lines.append("  " + text.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + change.state.rawValue)
            }
            if let first = firstDifferingBlock {
                lines.append("  The runs part ways at \(Self.describe(first)): a block's key covers the blocks before it, "
                             + "so every key after it differs too.")
            } else if blocks.allSatisfy({ $0.state == .same }) {
                lines.append("  Every block has the same key: the same inputs throughout.")
            }
        }

        lines.append("")
        switch codeChanged {
        case true?: lines.append("Code: the notebook changed (SHA-256 \(a.codeSHA256!.prefix(12)) → \(b.codeSHA256!.prefix(12)))")
        case false?: lines.append("Code: the same notebook (SHA-256 \(a.codeSHA256!.prefix(12)))")
        case nil: lines.append("Code: a run has no notebook hash recorded")
        }
        for setting in settings {
            lines.append("\(setting.what): \(setting.old) → \(setting.new)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
