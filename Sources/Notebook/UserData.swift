import Datasets
import Foundation

/// What validation learns from the user's files before anything runs: enough to check the blocks
/// after the {data} block (the network's input, the classes, the batch size, image-only charts).
public struct DataPreview: Sendable, Equatable {
    /// Examples after `test_fraction` (before `limit` and `validation`).
    public var train: Int
    public var test: Int
    public var features: Int
    public var classes: Int
    public var imageShape: ImageShape?

    init(_ dataset: Dataset) {
        train = dataset.train.count
        test = dataset.test.count
        features = dataset.featureCount
        classes = dataset.classCount
        imageShape = dataset.imageShape
    }

    init(train: Int, test: Int, features: Int, classes: Int, imageShape: ImageShape?) {
        self.train = train
        self.test = test
        self.features = features
        self.classes = classes
        self.imageShape = imageShape
    }
}

/// The user's own files (`dataset: csv`, `npz`, `npy`, `image-folder`): read whole for a run, and
/// previewed while the notebook is planned, so a missing file, a bad column or a network that does
/// not fit the data is reported with every other error, before anything runs.
enum UserData {
    /// The dataset the directive describes, its test split drawn with `seed` when it gives
    /// `test_fraction`, and (for tables) its features' names and the encoder that reads other tables'
    /// rows into the same features (which checkpoints keep, for `labbook predict`). Paths are
    /// resolved by `resolve`.
    static func load(_ directive: DataDirective, seed: UInt64, resolve: (String) -> String) throws
        -> (dataset: Dataset, featureNames: [String]?, encoder: CSVFeatureEncoder?) {
        guard let options = directive.user, let written = directive.path else {
            throw DatasetError(path: directive.dataset.rawValue, "needs 'path'")
        }
        let path = resolve(written)
        var dataset: Dataset
        var featureNames: [String]?
        var encoder: CSVFeatureEncoder?
        switch directive.dataset {
        case .csv:
            guard let label = options.label else { throw DatasetError(path: path, "needs 'label'") }
            let table = try CSVDataset.load(train: path, test: options.test.map(resolve), options: CSVTableOptions(
                label: label, features: options.features, categorical: options.categorical))
            dataset = table.dataset
            featureNames = table.featureNames
            encoder = table.encoder
        case .npz:
            dataset = try NumPyDataset.load(archive: path, names: options.arrays)
        case .npy:
            guard let labels = options.labels else { throw DatasetError(path: path, "needs 'labels'") }
            dataset = try NumPyDataset.load(features: path, labels: resolve(labels), testFeatures: options.test.map(resolve),
                                            testLabels: options.testLabels.map(resolve))
        case .imageFolder:
            dataset = try ImageFolder.load(path: path, size: options.size.map { ($0.height, $0.width) },
                                           channels: options.channels)
        case .cifar10, .cifar10Python, .mnist, .fashionMNIST, .spiral:
            throw DatasetError(path: path, "is a built-in dataset")
        }
        _ = try splitCounts(train: dataset.train.count, test: dataset.test.count, directive: directive, path: path)
        if let fraction = options.testFraction {
            dataset = try dataset.holdingOutTest(fraction: fraction, seed: seed)
        }
        return (dataset, featureNames, encoder)
    }

    /// The training and test examples the directive makes of `train` and `test` read from its files:
    /// `test_fraction` draws the test split from data that have none, and data without one need it.
    static func splitCounts(train: Int, test: Int, directive: DataDirective, path: String) throws
        -> (train: Int, test: Int) {
        if let fraction = directive.user?.testFraction {
            guard test == 0 else {
                throw DatasetError(path: path, "has its own test examples (\(test)); leave out 'test_fraction'")
            }
            let heldOut = try Dataset.testCount(fraction: fraction, of: train, path: path)
            return (train - heldOut, heldOut)
        }
        guard test > 0 else {
            let alternative = switch directive.dataset {
            case .csv: ", or 'test: FILE'"
            case .npy: ", or 'test' and 'test_labels'"
            case .npz: ", or put x_test and y_test arrays in the archive"
            case .imageFolder: ", or put the images in train/ and test/ folders"
            case .cifar10, .cifar10Python, .mnist, .fashionMNIST, .spiral: ""
            }
            throw DatasetError(path: path, "holds no test examples: add 'test_fraction: 0.2' to draw a fifth of them "
                               + "as the test split" + alternative)
        }
        return (train, test)
    }

    /// Every file the directive's data are read from, for the block's cache key: a change to any of
    /// them, and to nothing else, reruns the block.
    static func inputFiles(_ directive: DataDirective, resolve: (String) -> String) -> [String] {
        guard let options = directive.user, let written = directive.path else { return [] }
        switch directive.dataset {
        case .imageFolder:
            // A folder that can not be listed keys as itself; loading it reports why.
            return (try? ImageFolder.files(path: resolve(written))) ?? [resolve(written)]
        default:
            return ([written] + [options.labels, options.test, options.testLabels].compactMap { $0 }).map(resolve)
        }
    }

    /// The preview of the directive's data, read as a run would read them.
    static func preview(_ directive: DataDirective, seed: UInt64, resolve: (String) -> String) throws -> DataPreview {
        let files = inputFiles(directive, resolve: resolve)
        let key = PreviewKey(directive: directive, seed: seed, files: files, stamps: files.map(BlockCache.FileFingerprint.init))
        if let known = previews.withLock({ $0[key] }) { return known }
        let preview: DataPreview
        if directive.dataset == .imageFolder, let options = directive.user, let written = directive.path {
            // Listing the folder and reading one image's size is enough; decoding every image is the run's work.
            let path = resolve(written)
            let folder = try ImageFolder.preview(path: path, size: options.size.map { ($0.height, $0.width) },
                                                 channels: options.channels)
            let counts = try splitCounts(train: folder.train, test: folder.test, directive: directive, path: path)
            preview = DataPreview(train: counts.train, test: counts.test, features: folder.shape.featureCount,
                                  classes: folder.classNames.count, imageShape: folder.shape)
        } else {
            preview = DataPreview(try load(directive, seed: seed, resolve: resolve).dataset)
        }
        previews.withLock { $0[key] = preview }
        return preview
    }

    /// Previews already read in this process: a sweep validates every trial, and a plan is resolved
    /// more than once to tell the notebook's errors from an override's. Keyed by the files' sizes and
    /// times as well, so an edited file is read again.
    private static let previews = PreviewStore()

    private final class PreviewStore: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [PreviewKey: DataPreview] = [:]

        func withLock<Result>(_ body: (inout [PreviewKey: DataPreview]) -> Result) -> Result {
            lock.lock()
            defer { lock.unlock() }
            return body(&stored)
        }
    }

    private struct PreviewKey: Hashable {
        var directive: String
        var seed: UInt64
        var files: [String]
        /// What `stat` says of each file, as the block cache fingerprints files; nil for one missing.
        var stamps: [BlockCache.FileFingerprint?]

        init(directive: DataDirective, seed: UInt64, files: [String], stamps: [BlockCache.FileFingerprint?]) {
            var described = directive
            described.pathLocation = SourceLocation(file: "", line: 0, column: 0)
            self.directive = "\(described)"
            self.seed = seed
            self.files = files
            self.stamps = stamps
        }
    }
}
