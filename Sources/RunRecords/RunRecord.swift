import Foundation

/// Everything a run recorded, written as the run folder's `run.json`: the report is rendered from
/// this alone, so it can be re-rendered (and tested) without training anything. Plain values only:
/// this module knows nothing of networks or datasets, so the report can not reach past the record.
public struct RunRecord: Codable, Sendable, Equatable {
    public var notebook: String
    public var title: String
    public var description: String?
    public var seed: UInt64
    public var params: [String: ParameterValue]
    /// ISO 8601, UTC.
    public var started: String
    public var seconds: Double
    public var status: BlockStatus
    public var labbookVersion: String
    public var blas: BLASRecord
    public var blocks: [BlockRecord]
    /// The runtime error that stopped the run, if one did.
    public var error: String?
    /// Whether the notebook lets raw HTML in its prose reach the report (front matter `allow_html`).
    public var rawHtml: Bool?
    /// SHA-256 of the notebook as executed (the run folder's notebook.md).
    public var notebookSha256: String?
    /// SHA-256 of every data file read, in reading order.
    public var dataFiles: [FileHash]?
    /// SHA-256 of every checkpoint written, by file name within the run folder, in writing order.
    public var checkpoints: [FileHash]?
    /// SHA-256 of every file the run published besides run.json and report.html (the notebook copy,
    /// checkpoints, TensorBoard event files), by path within the run folder, sorted: what
    /// `labbook verify` checks the folder's files against, and what marks them as LabBook's.
    public var files: [FileHash]?
    /// The absolute folder of the notebook that was run, against which its relative paths resolve.
    public var notebookDirectory: String?
    /// The machine the run executed on, so `labbook verify` can say when it runs elsewhere.
    public var machine: MachineRecord?
    /// How ranks shared every training batch, for a data-parallel run (under MPI, or with
    /// `--slices`): its bits depend on the slices, not on the ranks.
    public var dataParallel: DataParallelRecord?

    public struct DataParallelRecord: Codable, Sendable, Equatable {
        /// The fixed slices every batch was cut into.
        public var slices: Int
        /// The processes that shared them.
        public var ranks: Int

        public init(slices: Int, ranks: Int) {
            self.slices = slices
            self.ranks = ranks
        }
    }

    public struct MachineRecord: Codable, Sendable, Equatable {
        public var hostname: String
        public var cpu: String

        /// This machine: its host name and its processor's model name.
        public static var current: MachineRecord {
            let cpuInfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            let model = cpuInfo.split(separator: "\n").first { $0.hasPrefix("model name") }
                .flatMap { $0.split(separator: ":", maxSplits: 1).last }
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
            return MachineRecord(hostname: ProcessInfo.processInfo.hostName, cpu: model)
        }

        public init(hostname: String, cpu: String) {
            self.hostname = hostname
            self.cpu = cpu
        }
    }

    public struct BLASRecord: Codable, Sendable, Equatable {
        public var core: String
        public var threads: Int
        /// The library and how it was built (OpenBLAS's own description).
        public var library: String?

        public init(core: String, threads: Int, library: String? = nil) {
            self.core = core
            self.threads = threads
            self.library = library
        }
    }

    public init(notebook: String, title: String, description: String? = nil, seed: UInt64,
                params: [String: ParameterValue], started: String, seconds: Double, status: BlockStatus,
                labbookVersion: String, blas: BLASRecord, blocks: [BlockRecord], error: String? = nil,
                rawHtml: Bool? = nil, notebookSha256: String? = nil, dataFiles: [FileHash]? = nil,
                checkpoints: [FileHash]? = nil, files: [FileHash]? = nil, notebookDirectory: String? = nil,
                machine: MachineRecord? = nil, dataParallel: DataParallelRecord? = nil) {
        self.notebook = notebook
        self.title = title
        self.description = description
        self.seed = seed
        self.params = params
        self.started = started
        self.seconds = seconds
        self.status = status
        self.labbookVersion = labbookVersion
        self.blas = blas
        self.blocks = blocks
        self.error = error
        self.rawHtml = rawHtml
        self.notebookSha256 = notebookSha256
        self.dataFiles = dataFiles
        self.checkpoints = checkpoints
        self.files = files
        self.notebookDirectory = notebookDirectory
        self.machine = machine
        self.dataParallel = dataParallel
    }
}

/// A file and its SHA-256, hex.
public struct FileHash: Codable, Sendable, Hashable {
    public var path: String
    public var sha256: String

    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }
}

/// A parameter value as JSON writes it: a number, boolean or string.
public enum ParameterValue: Codable, Sendable, Equatable {
    case int(Int), float(Double), bool(Bool), string(String)

    /// The value as the report and `-p` write it.
    public var text: String {
        switch self {
        case .int(let v): String(v)
        case .float(let v): String(v)
        case .bool(let v): String(v)
        case .string(let v): v
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let v = try? container.decode(Bool.self) { self = .bool(v) }
        else if let v = try? container.decode(Int.self) { self = .int(v) }
        else if let v = try? container.decode(Double.self) { self = .float(v) }
        else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let v): try container.encode(v)
        case .float(let v): try container.encode(v)
        case .bool(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        }
    }
}

public enum BlockStatus: String, Codable, Sendable {
    case ok, failed, skipped, cached
}

/// One directive's outcome.
public struct BlockRecord: Codable, Sendable, Equatable {
    public var directive: DirectiveKind
    /// The notebook line of the block's opening fence, and of its closing fence.
    public var line: Int
    public var lastLine: Int?
    public var status: BlockStatus
    public var seconds: Double
    public var metrics: BlockMetrics?
    public var error: String?
    /// The block's key in the block cache (hex SHA-256), computed whether or not the cache is used:
    /// it covers the LabBook version, the key of the block before it, the block's directive after
    /// parameter substitution and the files it reads, so two runs' keys agree up to the first block
    /// whose inputs differ. Absent for skipped blocks and in records before run histories.
    public var cacheKey: String?

    public init(directive: DirectiveKind, line: Int, lastLine: Int? = nil, status: BlockStatus, seconds: Double = 0,
                metrics: BlockMetrics? = nil, error: String? = nil, cacheKey: String? = nil) {
        self.directive = directive
        self.line = line
        self.lastLine = lastLine
        self.status = status
        self.seconds = seconds
        self.metrics = metrics
        self.error = error
        self.cacheKey = cacheKey
    }

    enum CodingKeys: String, CodingKey { case directive, line, lastLine, status, seconds, metrics, error, cacheKey }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        directive = try container.decode(DirectiveKind.self, forKey: .directive)
        line = try container.decode(Int.self, forKey: .line)
        lastLine = try container.decodeIfPresent(Int.self, forKey: .lastLine)
        status = try container.decode(BlockStatus.self, forKey: .status)
        seconds = try container.decode(Double.self, forKey: .seconds)
        error = try container.decodeIfPresent(String.self, forKey: .error)
        cacheKey = try container.decodeIfPresent(String.self, forKey: .cacheKey)
        guard container.contains(.metrics), try !container.decodeNil(forKey: .metrics) else {
            metrics = nil
            return
        }
        metrics = switch directive {
        case .data: .data(try container.decode(DataMetrics.self, forKey: .metrics))
        case .network: .network(try container.decode(NetworkMetrics.self, forKey: .metrics))
        case .train: .train(try container.decode(TrainMetrics.self, forKey: .metrics))
        case .evaluate: .evaluate(try container.decode(EvaluateMetrics.self, forKey: .metrics))
        case .plot: .plot(try container.decode(PlotMetrics.self, forKey: .metrics))
        case .checkpoint, .restore: .checkpoint(try container.decode(CheckpointMetrics.self, forKey: .metrics))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(directive, forKey: .directive)
        try container.encode(line, forKey: .line)
        try container.encodeIfPresent(lastLine, forKey: .lastLine)
        try container.encode(status, forKey: .status)
        try container.encode(seconds, forKey: .seconds)
        try container.encodeIfPresent(error, forKey: .error)
        try container.encodeIfPresent(cacheKey, forKey: .cacheKey)
        switch metrics {
        case .data(let m): try container.encode(m, forKey: .metrics)
        case .network(let m): try container.encode(m, forKey: .metrics)
        case .train(let m): try container.encode(m, forKey: .metrics)
        case .evaluate(let m): try container.encode(m, forKey: .metrics)
        case .plot(let m): try container.encode(m, forKey: .metrics)
        case .checkpoint(let m): try container.encode(m, forKey: .metrics)
        case nil: break
        }
    }
}

public enum BlockMetrics: Sendable, Equatable {
    case data(DataMetrics)
    case network(NetworkMetrics)
    case train(TrainMetrics)
    case evaluate(EvaluateMetrics)
    case plot(PlotMetrics)
    case checkpoint(CheckpointMetrics)
}

public struct DataMetrics: Codable, Sendable, Equatable {
    public var dataset: String
    public var trainExamples: Int
    public var validationExamples: Int
    public var testExamples: Int
    public var features: Int
    public var imageShape: ImageLayout?
    public var classNames: [String]
    /// Training examples per class.
    public var classCounts: [Int]
    public var normalize: String
    public var files: [String]
    /// A few training images (two per class where there are few classes), for the report.
    public var samples: ImageSamples?

    public init(dataset: String, trainExamples: Int, validationExamples: Int, testExamples: Int, features: Int,
                imageShape: ImageLayout? = nil, classNames: [String], classCounts: [Int], normalize: String,
                files: [String], samples: ImageSamples? = nil) {
        self.dataset = dataset
        self.trainExamples = trainExamples
        self.validationExamples = validationExamples
        self.testExamples = testExamples
        self.features = features
        self.imageShape = imageShape
        self.classNames = classNames
        self.classCounts = classCounts
        self.normalize = normalize
        self.files = files
        self.samples = samples
    }
}

/// Raw images (bytes, channel-major) with labels, base64 in run.json.
public struct ImageSamples: Codable, Sendable, Equatable {
    public var shape: ImageLayout
    public var labels: [Int]
    /// Predicted classes, for sample predictions.
    public var predicted: [Int]?
    /// Each image's `shape.featureCount` bytes, base64-encoded.
    public var pixels: [String]
    /// Each image's caption, when the chart names its tiles itself (feature maps, filters).
    public var captions: [String]?

    public init(shape: ImageLayout, labels: [Int], predicted: [Int]? = nil, images: [[UInt8]], captions: [String]? = nil) {
        self.shape = shape
        self.labels = labels
        self.predicted = predicted
        pixels = images.map { Data($0).base64EncodedString() }
        self.captions = captions
    }

    /// The images' bytes (an image that does not decode comes back empty).
    public var images: [[UInt8]] {
        pixels.map { Data(base64Encoded: $0).map { [UInt8]($0) } ?? [] }
    }
}

/// Percentiles of one quantity (logits, a layer's weights or activations) at each logged step.
public struct HistogramSeries: Codable, Sendable, Equatable {
    /// `logits`, `Layer1/weights`, `Layer1/activations`, ...
    public var name: String
    public var steps: [Int]
    /// At each step, the values at TensorBoard's percentiles (basis points 0, 668, 1587, 3085, 5000,
    /// 6915, 8413, 9332, 10000).
    public var percentiles: [[Float]]

    public init(name: String, steps: [Int], percentiles: [[Float]]) {
        self.name = name
        self.steps = steps
        self.percentiles = percentiles
    }
}

public struct NetworkMetrics: Codable, Sendable, Equatable {
    public struct Layer: Codable, Sendable, Equatable {
        public var name: String
        /// Values per example going in and out.
        public var inputs: Int
        public var outputs: Int
        /// `none` for layers without an activation.
        public var activation: String
        public var parameters: Int
        /// `dense`, `conv2d`, `max_pool`, ...; absent (dense) in records before layer kinds.
        public var kind: String?
        /// One example's output shape (`[30, 30, 32]`); absent in records before layer kinds.
        public var outputShape: [Int]?
        /// The layer's settings in words (`conv2d 32, 3x3, relu`).
        public var summary: String?

        public init(name: String, inputs: Int, outputs: Int, activation: String, parameters: Int,
                    kind: String? = nil, outputShape: [Int]? = nil, summary: String? = nil) {
            self.name = name
            self.inputs = inputs
            self.outputs = outputs
            self.activation = activation
            self.parameters = parameters
            self.kind = kind
            self.outputShape = outputShape
            self.summary = summary
        }
    }

    /// The network's name in the report and its TensorBoard folder (`logs/<name>/`).
    public var name: String?
    public var layers: [Layer]
    public var parameters: Int
    public var initializer: String
    public var l2: Double
    /// One example's shape as the network reads it; absent in records before layer kinds.
    public var inputShape: [Int]?

    public init(name: String? = nil, layers: [Layer], parameters: Int, initializer: String, l2: Double,
                inputShape: [Int]? = nil) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        self.parameters = parameters
        self.initializer = initializer
        self.l2 = l2
    }
}

public struct TrainMetrics: Codable, Sendable, Equatable {
    /// Steps this block ran.
    public var steps: Int
    /// The global step after the block (steps of earlier blocks and restored checkpoints included).
    public var globalStep: Int
    public var finalLoss: Double
    public var optimizer: String
    public var learningRate: Double
    /// The learning-rate schedule when it is not constant.
    public var schedule: String?
    public var batchSize: Int
    /// Parts of each batch computed in parallel (the sum of their gradients is fixed-order).
    public var shards: Int
    public var stepsPerSecond: Double
    public var seconds: Double
    public var history: [TrainingPoint]
    public var histograms: [HistogramSeries]

    public init(steps: Int, globalStep: Int, finalLoss: Double, optimizer: String, learningRate: Double,
                schedule: String? = nil, batchSize: Int, shards: Int, stepsPerSecond: Double, seconds: Double,
                history: [TrainingPoint], histograms: [HistogramSeries]) {
        self.steps = steps
        self.globalStep = globalStep
        self.finalLoss = finalLoss
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.schedule = schedule
        self.batchSize = batchSize
        self.shards = shards
        self.stepsPerSecond = stepsPerSecond
        self.seconds = seconds
        self.history = history
        self.histograms = histograms
    }
}

public struct EvaluateMetrics: Codable, Sendable, Equatable {
    public var split: Split
    public var accuracy: Double
    public var loss: Double
    public var examples: Int
    public var classNames: [String]
    public var perClassAccuracy: [Double]
    /// `confusion[actual][predicted]`.
    public var confusion: [[Int]]

    public init(split: Split, accuracy: Double, loss: Double, examples: Int, classNames: [String],
                perClassAccuracy: [Double], confusion: [[Int]]) {
        self.split = split
        self.accuracy = accuracy
        self.loss = loss
        self.examples = examples
        self.classNames = classNames
        self.perClassAccuracy = perClassAccuracy
        self.confusion = confusion
    }
}

public struct PlotMetrics: Codable, Sendable, Equatable {
    public var chart: ChartKind
    public var title: String
    /// Curves: the scalars to draw; histograms: the series name.
    public var series: [String]
    public var smoothing: Double
    /// Weight tiles (rescaled to bytes, one per unit) or sample predictions.
    public var images: ImageSamples?

    public init(chart: ChartKind, title: String, series: [String], smoothing: Double, images: ImageSamples? = nil) {
        self.chart = chart
        self.title = title
        self.series = series
        self.smoothing = smoothing
        self.images = images
    }
}

public struct CheckpointMetrics: Codable, Sendable, Equatable {
    /// For {checkpoint}: the file written in the run folder; for {restore}: the file read.
    public var file: String
    public var step: Int
    public var sha256: String

    public init(file: String, step: Int, sha256: String) {
        self.file = file
        self.step = step
        self.sha256 = sha256
    }
}
