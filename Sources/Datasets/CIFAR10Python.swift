import Foundation

/// CIFAR-10's Python version (`cifar-10-batches-py`), the one the original tutorial reads: pickled
/// dictionaries `data_batch_1` ... `data_batch_5` and `test_batch` (a uint8 array `data` of N rows of
/// 3072 planar pixels and a list `labels`), and `batches.meta` (`label_names`).
public enum CIFAR10Python {
    public static let folderName = "cifar-10-batches-py"
    public static let trainFiles = (1...5).map { "data_batch_\($0)" }
    public static let testFile = "test_batch"
    public static let metaFile = "batches.meta"
    public static let imageShape = ImageShape(channels: 3, height: 32, width: 32)
    public static let classCount = 10

    /// Loads the dataset from `directory`: the `cifar-10-batches-py` folder itself or its parent.
    public static func load(directory: String) throws -> Dataset {
        let folder = resolveFolder(directory)
        let metaPath = folder + "/" + metaFile
        let trainPaths = trainFiles.map { folder + "/" + $0 }
        let testPath = folder + "/" + testFile
        let classNames = try readClassNames(metaPath)
        let train = try readBatches(trainPaths)
        let test = try readBatches([testPath])
        return Dataset(name: "cifar10", classNames: classNames, imageShape: imageShape,
                       train: train, test: test, files: [metaPath] + trainPaths + [testPath])
    }

    static func resolveFolder(_ directory: String) -> String {
        let nested = directory + "/" + folderName
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory), isDirectory.boolValue {
            return nested
        }
        return directory
    }

    /// The ten class names under `label_names`.
    static func readClassNames(_ path: String) throws -> [String] {
        let meta = try Pickle.load(contentsOf: path)
        guard case .list(let entries)? = meta["label_names"] else {
            throw DatasetError(path: path, "expected a dictionary with a list 'label_names', found "
                               + (meta["label_names"]?.kind ?? meta.kind))
        }
        let names = entries.compactMap(\.text)
        guard names.count == entries.count, names.count == classCount else {
            throw DatasetError(path: path, "expected \(classCount) label names as text, found \(entries.count) "
                               + "entries, \(names.count) of them text")
        }
        return names
    }

    /// The examples of `paths`, one batch after another.
    static func readBatches(_ paths: [String]) throws -> LabeledExamples {
        var pixels: [UInt8] = []
        var labels: [UInt8] = []
        for path in paths {
            let batch = try readBatch(path)
            if pixels.isEmpty { pixels.reserveCapacity(batch.pixels.count * paths.count) }
            pixels.append(contentsOf: batch.pixels)
            labels.append(contentsOf: batch.labels)
        }
        return LabeledExamples(features: .bytes(pixels), labels: labels, featureCount: imageShape.featureCount)
    }

    /// One batch's pixels (N rows of 3072) and N labels, checked against each other.
    static func readBatch(_ path: String) throws -> (pixels: [UInt8], labels: [UInt8]) {
        let batch = try Pickle.load(contentsOf: path)
        guard case .dict = batch else {
            throw DatasetError(path: path, "expected a dictionary with 'data' and 'labels', found \(batch.kind)")
        }
        guard let data = batch["data"] else { throw DatasetError(path: path, "the batch has no 'data'") }
        guard case .ndarray(let shape, _, let pixels) = data, shape.count == 2,
              shape[1] == imageShape.featureCount else {
            let found = if case .ndarray(let shape, _, _) = data { "shape \(shape)" } else { data.kind }
            throw DatasetError(path: path, "'data' must be a uint8 array of shape [N, "
                               + "\(imageShape.featureCount)], found \(found)")
        }
        guard case .list(let entries)? = batch["labels"] else {
            throw DatasetError(path: path, "the batch has no list 'labels'")
        }
        guard entries.count == shape[0] else {
            throw DatasetError(path: path, "\(entries.count) labels for \(shape[0]) images")
        }
        let labels = try entries.enumerated().map { index, entry in
            guard case .int(let label) = entry, (0..<classCount).contains(label) else {
                let found = if case .int(let label) = entry { "\(label)" } else { entry.kind }
                throw DatasetError(path: path, "label \(index) is \(found), not a class from 0 to \(classCount - 1)")
            }
            return UInt8(label)
        }
        return (pixels, labels)
    }
}
