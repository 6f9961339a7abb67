import Foundation
import RunRecords

/// A run as the history holds it: what `labbook runs` lists and `labbook diff` compares.
public struct StoredRun: Sendable, Equatable {
    /// The history's id for the run: 1 for the first run recorded, never reused.
    public var id: Int64
    /// The notebook's absolute path.
    public var notebookPath: String
    /// The notebook's file name without its extension (`quickstart`).
    public var notebookName: String
    public var title: String
    /// SHA-256 of the notebook as executed (run.json's `notebook_sha256`).
    public var codeSHA256: String?
    public var seed: UInt64
    /// ISO 8601, UTC.
    public var started: String
    public var seconds: Double
    /// `ok` or `failed`.
    public var status: String
    public var error: String?
    public var labbookVersion: String
    public var blasCore: String
    public var blasThreads: Int
    /// The run folder's absolute path.
    public var runFolder: String
    public var parameters: [String: ParameterValue]
    /// In the order the run produced them.
    public var metrics: [StoredMetric]
    /// In notebook order; empty when the query did not ask for them.
    public var blocks: [StoredBlock]
    /// Each training block's logged curve; empty when the query did not ask for them.
    public var curves: [StoredCurve]

    public init(id: Int64, notebookPath: String, notebookName: String, title: String, codeSHA256: String?,
                seed: UInt64, started: String, seconds: Double, status: String, error: String?,
                labbookVersion: String, blasCore: String, blasThreads: Int, runFolder: String,
                parameters: [String: ParameterValue], metrics: [StoredMetric], blocks: [StoredBlock] = [],
                curves: [StoredCurve] = []) {
        self.id = id
        self.notebookPath = notebookPath
        self.notebookName = notebookName
        self.title = title
        self.codeSHA256 = codeSHA256
        self.seed = seed
        self.started = started
        self.seconds = seconds
        self.status = status
        self.error = error
        self.labbookVersion = labbookVersion
        self.blasCore = blasCore
        self.blasThreads = blasThreads
        self.runFolder = runFolder
        self.parameters = parameters
        self.metrics = metrics
        self.blocks = blocks
        self.curves = curves
    }

    /// The value of metric `name`, if the run recorded it (NaN for a diverged loss).
    public func metric(_ name: String) -> Double? {
        metrics.first { $0.name == name }?.value
    }

    /// The qualified names whose figure is also a headline: `network-2/test_accuracy` when
    /// `test_accuracy` is the same block's.
    public var repeatedFigures: Set<String> {
        let headlines = Set(metrics.filter(\.headline).map { "\($0.blockPosition) \($0.name)" })
        return Set(metrics.filter { metric in
            guard !metric.headline, let slash = metric.name.lastIndex(of: "/") else { return false }
            let base = metric.name[metric.name.index(after: slash)...].split(separator: "#").first.map(String.init) ?? ""
            return headlines.contains("\(metric.blockPosition) \(base)")
        }.map(\.name))
    }
}

/// One final figure of a run.
public struct StoredMetric: Sendable, Equatable {
    /// `test_accuracy`, `best_train_loss`, ...; qualified by its network (`linear/test_accuracy`)
    /// when the run has several of that name.
    public var name: String
    public var value: Double
    /// `evaluate` or `train`.
    public var kind: String
    /// The position (0-based) of the block that produced it.
    public var blockPosition: Int
    /// True for the plain name (the run's only, or last, figure of that name): the columns of
    /// `labbook runs`.
    public var headline: Bool

    public init(name: String, value: Double, kind: String, blockPosition: Int, headline: Bool) {
        self.name = name
        self.value = value
        self.kind = kind
        self.blockPosition = blockPosition
        self.headline = headline
    }

    public static func == (a: StoredMetric, b: StoredMetric) -> Bool {
        a.name == b.name && (a.value == b.value || (a.value.isNaN && b.value.isNaN)) && a.kind == b.kind
            && a.blockPosition == b.blockPosition && a.headline == b.headline
    }
}

/// One block of a run, with the key the block cache knows it by.
public struct StoredBlock: Sendable, Equatable {
    public var position: Int
    public var line: Int
    public var directive: String
    /// `ok`, `cached`, `failed` or `skipped`.
    public var status: String
    public var seconds: Double
    /// The block's cache key: it covers the LabBook version, the blocks before it, its directive
    /// and the files it reads, so two runs' keys differ from the first block that differs on.
    public var cacheKey: String?
    /// The network the block works on (`network-1`, or its `name:`).
    public var network: String?

    public init(position: Int, line: Int, directive: String, status: String, seconds: Double, cacheKey: String?,
                network: String?) {
        self.position = position
        self.line = line
        self.directive = directive
        self.status = status
        self.seconds = seconds
        self.cacheKey = cacheKey
        self.network = network
    }
}

/// A training block's logged curve.
public struct StoredCurve: Sendable, Equatable {
    public var blockPosition: Int
    public var points: [TrainingPoint]

    public init(blockPosition: Int, points: [TrainingPoint]) {
        self.blockPosition = blockPosition
        self.points = points
    }

    public static func == (a: StoredCurve, b: StoredCurve) -> Bool {
        guard a.blockPosition == b.blockPosition, a.points.count == b.points.count else { return false }
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return zip(a.points, b.points).allSatisfy { p, q in
            p.step == q.step && same(p.loss, q.loss) && same(p.trainAccuracy, q.trainAccuracy)
                && p.validationAccuracy == q.validationAccuracy
        }
    }
}
