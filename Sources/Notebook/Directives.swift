import FileFormats
import Foundation
import Datasets
import NeuralNet
@_exported import RunRecords

/// A validated directive with every value typed and defaulted.
public enum Directive: Sendable, Equatable {
    case data(DataDirective)
    case network(NetworkDirective)
    case train(TrainDirective)
    case evaluate(EvaluateDirective)
    case plot(PlotDirective)
    case checkpoint(CheckpointDirective)
    case restore(RestoreDirective)

    public var kind: DirectiveKind {
        switch self {
        case .data: .data
        case .network: .network
        case .train: .train
        case .evaluate: .evaluate
        case .plot: .plot
        case .checkpoint: .checkpoint
        case .restore: .restore
        }
    }

    /// Reads a directive of `kind` from its (parameter-substituted) body.
    static func read(_ kind: DirectiveKind, body: YAMLNode?, location: SourceLocation) -> (Directive?, [Diagnostic]) {
        var fields = DirectiveFields(body, directive: kind.rawValue, location: location, allowed: kind.keys)
        let directive: Directive? = switch kind {
        case .data: DataDirective(&fields).map(Directive.data)
        case .network: NetworkDirective(&fields).map(Directive.network)
        case .train: TrainDirective(&fields).map(Directive.train)
        case .evaluate: EvaluateDirective(&fields).map(Directive.evaluate)
        case .plot: PlotDirective(&fields).map(Directive.plot)
        case .checkpoint: CheckpointDirective(&fields).map(Directive.checkpoint)
        case .restore: RestoreDirective(&fields).map(Directive.restore)
        }
        return (fields.diagnostics.isEmpty ? directive : nil, fields.diagnostics)
    }
}

extension DirectiveKind {
    /// The keys each directive accepts.
    public var keys: [String] {
        switch self {
        case .data: ["dataset", "path", "normalize", "validation", "limit", "classes", "points", "noise"] + UserDataOptions.keys
        case .network: ["name", "layers", "init", "l2"]
        case .train: ["steps", "batch_size", "optimizer", "learning_rate", "schedule", "momentum", "log_every",
                      "eval_every", "checkpoint_every", "augment"]
        case .evaluate: ["split"]
        case .plot: ["chart", "title", "scalars", "smoothing", "of", "layer", "count", "split"]
        case .checkpoint: ["name"]
        case .restore: ["path"]
        }
    }
}

/// `{data}`: which dataset to load and how to prepare it.
public struct DataDirective: Sendable, Equatable {
    public var dataset: DataSourceKind
    /// The dataset's folder as written (relative to the notebook, or absolute); nil to search the
    /// usual places (`DataLocator`), and for the spiral. For the user's own files, the file (or the
    /// images' folder), which they must give.
    public var path: String?
    public var pathLocation: SourceLocation
    /// How to read the user's own files; nil for the built-in datasets.
    public var user: UserDataOptions?
    /// The user's data as validation found them (sizes, features, classes), read from the files
    /// while the notebook is planned; nil for the built-in datasets, whose shapes are known.
    public var preview: DataPreview?
    public var normalize: Normalization
    /// Training examples held out for validation (0: none).
    public var validation: Int
    public var limit: Int?
    public var spiral: SpiralOptions

    public struct SpiralOptions: Sendable, Equatable {
        public var classes = 3
        public var points = 100
        public var noise = 0.2
    }

    init?(_ fields: inout DirectiveFields) {
        let dataset: DataSourceKind? = fields.choice("dataset", required: true)
        path = InputPath.checked(fields.string("path"), key: "path", fields: &fields)
        pathLocation = fields.location(of: "path")
        normalize = fields.choice("normalize") ?? .none
        validation = fields.int("validation", in: 1...10_000_000) ?? 0
        limit = fields.int("limit", in: 1...10_000_000)
        spiral = SpiralOptions()
        spiral.classes = fields.int("classes", in: 2...256) ?? spiral.classes
        spiral.points = fields.int("points", in: 2...1_000_000) ?? spiral.points
        spiral.noise = fields.float("noise", in: 0...10) ?? spiral.noise
        guard let dataset else { return nil }
        self.dataset = dataset
        user = UserDataOptions(&fields, kind: dataset)
        if dataset.isUserData && !fields.has("path") {
            fields.report(fields.location, "dataset: \(dataset.rawValue) needs 'path': " + (dataset == .imageFolder
                ? "the folder of images, with a folder per class" : "the \(dataset.rawValue) file") + ", relative to the notebook")
        }
        if dataset == .spiral {
            if fields.has("path") { fields.report(fields.location(of: "path"), "the spiral is generated; it takes no 'path'") }
        } else {
            for key in ["classes", "points", "noise"] where fields.has(key) {
                fields.report(fields.location(of: key), "'\(key)' applies only to the spiral dataset")
            }
        }
    }

    /// The images' shape; nil for data that are not images (and for user data not yet previewed).
    public var imageShape: (height: Int, width: Int, channels: Int)? {
        switch dataset {
        case .cifar10, .cifar10Python: (32, 32, 3)
        case .mnist, .fashionMNIST: (28, 28, 1)
        case .spiral: nil
        case .csv, .npz, .npy, .imageFolder: preview?.imageShape.map { ($0.height, $0.width, $0.channels) }
        }
    }

    /// Examples, features and classes of the dataset before `limit` and `validation` are applied
    /// (user data: after `test_fraction`; zeros until previewed).
    public var shape: (train: Int, test: Int, features: Int, classes: Int) {
        switch dataset {
        case .cifar10, .cifar10Python: (50_000, 10_000, 3072, 10)
        case .mnist, .fashionMNIST: (60_000, 10_000, 784, 10)
        case .spiral: (spiral.classes * spiral.points, spiral.classes * spiral.points, 2, spiral.classes)
        case .csv, .npz, .npy, .imageFolder:
            preview.map { ($0.train, $0.test, $0.features, $0.classes) } ?? (0, 0, 0, 0)
        }
    }
}

/// `{network}`: a stack of layers on top of the data's features (see `LayerSchema` for the syntax).
public struct NetworkDirective: Sendable, Equatable {
    public var layers: [LayerSpec]
    /// Where each layer is written, for messages.
    public var layerLocations: [SourceLocation]
    public var initializer: Initializer
    public var l2: Float
    /// What the report and TensorBoard call this network (its log folder's name); nil for the
    /// default, `network-<n>` for the notebook's n-th network.
    public var name: String?

    init?(_ fields: inout DirectiveFields) {
        name = fields.string("name")
        if let name, !Self.isValidName(name) {
            fields.report(fields.location(of: "name"), "network name '\(name)' must be 1 to 64 letters, digits, '.', '_' "
                          + "or '-', not starting with '.': it names the network's TensorBoard folder")
        }
        initializer = fields.choice("init") ?? .truncatedNormal
        l2 = Float(fields.float("l2", in: 0...1e6) ?? 0)
        layers = []
        layerLocations = []
        guard let node = fields.node("layers") else {
            fields.report(fields.location, "{network} needs 'layers', a list such as '- dense: 120'")
            return nil
        }
        guard case .sequence(let items, _) = node, !items.isEmpty else {
            fields.report(node.location, "'layers' must be a list of layers such as '- dense: 120', not \(node.typeName)")
            return nil
        }
        for (index, item) in items.enumerated() {
            let isLast = index == items.count - 1
            guard let layer = Self.readLayer(item, isLast: isLast, fields: &fields) else { continue }
            layers.append(layer)
            layerLocations.append(item.location)
        }
        guard layers.count == items.count else { return nil }
    }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    static func readLayer(_ item: YAMLNode, isLast: Bool, fields: inout DirectiveFields) -> LayerSpec? {
        LayerSchema.read(item, isLast: isLast, fields: &fields)
    }

    /// Whether the network reads images as images (height, width, channels): it has a layer that
    /// works on them. Networks of dense layers read an image as the vector it is stored as.
    public var takesImages: Bool {
        layers.contains { spec in
            switch spec {
            case .conv2d, .maxPool, .avgPool, .globalAvgPool: true
            default: false
            }
        }
    }

    /// The shape of one example this network reads from `data`.
    public func inputShape(for data: DataDirective) -> [Int] {
        inputShape(features: data.shape.features, image: data.imageShape)
    }

    /// The shape of one example this network reads from data of `features` values, images of `image`.
    public func inputShape(features: Int, image: (height: Int, width: Int, channels: Int)?) -> [Int] {
        if takesImages, let image { [image.height, image.width, image.channels] } else { [features] }
    }
}

/// `{train}`: how many steps of which optimizer on which batches.
public struct TrainDirective: Sendable, Equatable {
    public var steps: Int
    public var batchSize: Int
    public var optimizer: OptimizerKind
    public var learningRate: Float
    public var schedule: LearningRateSchedule
    public var momentum: Float
    public var logEvery: Int
    public var evalEvery: Int?
    public var checkpointEvery: Int?
    /// Random flips and crops of the training images, drawn from the notebook's seed.
    public var augment: Augment?
    public var batchSizeLocation: SourceLocation
    public var evalEveryLocation: SourceLocation
    public var augmentLocation: SourceLocation

    /// `augment: {flip: true, crop: 4}`.
    public struct Augment: Sendable, Equatable {
        /// Mirror each image left to right with probability 1/2.
        public var flip: Bool
        /// Zero-pad each side by `crop` pixels, then crop back to size at a random offset.
        public var crop: Int
    }

    init?(_ fields: inout DirectiveFields) {
        let steps = fields.int("steps", required: true, in: 1...100_000_000)
        batchSize = fields.int("batch_size", in: 1...1_000_000) ?? 32
        batchSizeLocation = fields.location(of: "batch_size")
        optimizer = fields.choice("optimizer") ?? .sgd
        learningRate = Float(fields.float("learning_rate", in: 0...1e6, excludingLowerBound: true)
                             ?? (optimizer == .adam ? 0.001 : 0.01))
        schedule = fields.choice("schedule") ?? .constant
        momentum = Float(fields.float("momentum", in: 0...0.999_999) ?? 0.9)
        if fields.has("momentum") && optimizer != .momentum {
            fields.report(fields.location(of: "momentum"), "'momentum' applies only to optimizer: momentum")
        }
        logEvery = fields.int("log_every", in: 1...100_000_000) ?? 100
        evalEvery = fields.int("eval_every", in: 1...100_000_000)
        evalEveryLocation = fields.location(of: "eval_every")
        checkpointEvery = fields.int("checkpoint_every", in: 1...100_000_000)
        augmentLocation = fields.location(of: "augment")
        if let node = fields.node("augment") {
            var settings = DirectiveFields(node, directive: "train", location: node.location, allowed: ["flip", "crop"])
            let flip = settings.bool("flip") ?? false
            let crop = settings.int("crop", in: 0...64) ?? 0
            if case .mapping = node {
                augment = Augment(flip: flip, crop: crop)
            }
            fields.absorb(settings)
        }
        guard let steps else { return nil }
        self.steps = steps
    }
}

/// `{evaluate}`: accuracy and loss of the current network on a split.
public struct EvaluateDirective: Sendable, Equatable {
    public var split: Split
    public var splitLocation: SourceLocation

    init?(_ fields: inout DirectiveFields) {
        split = fields.choice("split") ?? .test
        splitLocation = fields.location(of: "split")
    }
}

/// What a histogram chart shows the distribution of.
public enum HistogramSubject: String, CaseIterable, Sendable, Codable {
    case logits, weights, activations
}

/// `{plot}`: one chart of what the run has recorded so far.
public struct PlotDirective: Sendable, Equatable {
    public var chart: ChartKind
    public var title: String?
    /// For curves: which recorded scalars (default: all of them).
    public var scalars: [String]?
    /// TensorBoard-style exponential smoothing of curves, 0 (none) to below 1.
    public var smoothing: Double
    public var subject: HistogramSubject
    /// 1-based layer for weights and activations histograms, weights and feature maps.
    public var layer: Int
    /// Whether `layer` was written (feature maps default to the first conv2d layer).
    public var layerGiven: Bool
    /// How many tiles or samples.
    public var count: Int
    public var split: Split
    public var location: SourceLocation

    public static let scalarNames = ["loss", "train_accuracy", "validation_accuracy"]

    /// The recorded histogram series this plot draws: `logits`, `Layer2/weights`, ...
    public var seriesName: String {
        subject == .logits ? "logits" : "Layer\(layer)/\(subject.rawValue)"
    }

    public var defaultTitle: String {
        switch chart {
        case .curves: "Training curves"
        case .histograms: "Distribution of \(seriesName) during training"
        case .confusion: "Confusion matrix"
        case .weights: layer == 1 ? "First-layer weights" : "Weights of layer \(layer)"
        case .samples: "Sample predictions (\(split.rawValue))"
        case .featureMaps: "Feature maps" + (layerGiven ? " of layer \(layer)" : "")
        }
    }

    init?(_ fields: inout DirectiveFields) {
        let chart: ChartKind? = fields.choice("chart", required: true)
        title = fields.string("title")
        smoothing = fields.float("smoothing", in: 0...0.999) ?? 0.6
        subject = fields.choice("of") ?? .logits
        layerGiven = fields.has("layer")
        layer = fields.int("layer", in: 1...1000) ?? 1
        count = fields.int("count", in: 1...1000) ?? (chart == .featureMaps ? 4 : 24)
        split = fields.choice("split") ?? .test
        location = fields.location
        scalars = nil
        if let node = fields.node("scalars") {
            scalars = Self.readScalars(node, fields: &fields)
        }
        guard let chart else { return nil }
        self.chart = chart
    }

    static func readScalars(_ node: YAMLNode, fields: inout DirectiveFields) -> [String]? {
        let items: [YAMLNode]
        if case .sequence(let list, _) = node { items = list } else { items = [node] }
        var names: [String] = []
        for item in items {
            let name: String? = if case .scalar(let value, _) = item { value.description } else { nil }
            guard let name, scalarNames.contains(name) else {
                fields.report(item.location, "'\(name ?? item.typeName)' is not a recorded scalar (choose from "
                              + "\(scalarNames.joined(separator: ", ")))",
                              suggestion: name.flatMap { Spelling.suggestion(for: $0, among: scalarNames) })
                continue
            }
            names.append(name)
        }
        return names
    }
}

/// `{checkpoint}`: saves the network under a file name inside the run folder.
public struct CheckpointDirective: Sendable, Equatable {
    public var name: String

    init?(_ fields: inout DirectiveFields) {
        guard let name = fields.string("name", required: true) else { return nil }
        guard let safe = OutputName.fileName(name) else {
            fields.report(fields.location(of: "name"), "checkpoint name '\(name)' must be a plain file name "
                          + "(no folders, no '..'): checkpoints are written inside the run folder")
            return nil
        }
        self.name = safe
    }
}

/// `{restore}`: loads a checkpoint into the current network.
public struct RestoreDirective: Sendable, Equatable {
    /// As written: relative to the notebook's folder, or absolute.
    public var path: String

    init?(_ fields: inout DirectiveFields) {
        guard let path = InputPath.checked(fields.string("path", required: true), key: "path", fields: &fields) else {
            return nil
        }
        self.path = path
    }
}

/// Paths a notebook reads from: absolute ones and `~/...` as written, relative ones only inside the
/// notebook's own folder, so a shared notebook can not reach into its reader's other folders
/// through `..`.
enum InputPath {
    static func checked(_ path: String?, key: String, fields: inout DirectiveFields) -> String? {
        guard let path else { return nil }
        guard isAllowed(path) else {
            fields.report(fields.location(of: key), "'\(path)' leaves the notebook's folder; use a path inside it"
                          + (key == "path" ? ", an absolute path, or (for a built-in dataset) leave out 'path' to search "
                             + "$LABBOOK_DATA and ~/.cache/labbook/datasets" : " or an absolute path"))
            return nil
        }
        return path
    }

    /// A path as written in a notebook, `~/` expanded, relative paths against the notebook's `folder`.
    static func resolve(_ written: String, against folder: URL) -> URL {
        let path = expandingHome(written)
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path).standardizedFileURL
    }

    static func isAllowed(_ path: String) -> Bool {
        if path.hasPrefix("/") || path.hasPrefix("~/") { return true }
        var depth = 0
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": depth -= 1
            default: depth += 1
            }
            if depth < 0 { return false }
        }
        return true
    }

    /// `~/...` in the user's home folder; anything else unchanged.
    static func expandingHome(_ path: String) -> String {
        guard path.hasPrefix("~/") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        return home + path.dropFirst(1)
    }
}

/// Output names from notebooks, kept inside the run folder.
enum OutputName {
    /// `name` with `.safetensors` added if missing, or nil if it is not a plain file name.
    static func fileName(_ name: String) -> String? {
        guard !name.contains("/"), !name.contains("\\"), !name.contains("\0"),
              name != ".", name != "..", !name.hasPrefix("."), name.utf8.count <= 200 else { return nil }
        return name.hasSuffix(".safetensors") ? name : name + ".safetensors"
    }
}
