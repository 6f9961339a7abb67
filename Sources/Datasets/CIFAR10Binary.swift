import Foundation

/// CIFAR-10's binary version (`cifar-10-batches-bin`): `data_batch_1.bin` ... `data_batch_5.bin` and
/// `test_batch.bin`, each a run of 3073-byte records (a label byte, then 1024 red, 1024 green and
/// 1024 blue bytes, rows top to bottom), and `batches.meta.txt` with one class name per line.
public enum CIFAR10Binary {
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    public static let testFile = "test_batch.bin"
    public static let metaFile = "batches.meta.txt"
    public static let imageShape = ImageShape(channels: 3, height: 32, width: 32)
    public static let defaultClassNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]
    static let recordSize = 1 + 3072

    /// Loads the dataset from `directory`, which is the `cifar-10-batches-bin` folder or its parent.
    public static func load(directory: String) throws -> Dataset {
        let folder = resolveFolder(directory)
        let classNames = try readClassNames(folder + "/" + metaFile)
        let trainPaths = trainFiles.map { folder + "/" + $0 }
        let testPath = folder + "/" + testFile
        let train = try readRecords(trainPaths, classCount: classNames.count)
        let test = try readRecords([testPath], classCount: classNames.count)
        return Dataset(name: "cifar10", classNames: classNames, imageShape: imageShape,
                       train: train, test: test, files: trainPaths + [testPath])
    }

    static func resolveFolder(_ directory: String) -> String {
        let nested = directory + "/cifar-10-batches-bin"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory), isDirectory.boolValue {
            return nested
        }
        return directory
    }

    /// Class names from `batches.meta.txt`; the standard ten when the file is absent.
    static func readClassNames(_ path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return defaultClassNames }
        let bytes = try readFile(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DatasetError(path: path, "class names are not UTF-8 text")
        }
        let names = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard (2...256).contains(names.count) else {
            throw DatasetError(path: path, "expected 2 to 256 class names, one per line, found \(names.count)")
        }
        return names
    }

    /// Reads every record of `paths`, in order, into one split.
    static func readRecords(_ paths: [String], classCount: Int) throws -> LabeledExamples {
        let sizes = try paths.map { path in
            let size = try fileSize(path)
            guard size > 0, size % recordSize == 0 else {
                throw DatasetError(path: path, "size \(size) bytes is not a whole number of "
                                   + "\(recordSize)-byte records (1 label byte + 3072 pixel bytes)")
            }
            return size / recordSize
        }
        let total = sizes.reduce(0, +)
        var labels = [UInt8](repeating: 0, count: total)
        var pixels = [UInt8](repeating: 0, count: total * 3072)
        var first = 0
        for (path, count) in zip(paths, sizes) {
            let bytes = try readFile(path)
            guard bytes.count == count * recordSize else {
                throw DatasetError(path: path, "file changed while it was read")
            }
            try bytes.withUnsafeBufferPointer { source in
                try pixels.withUnsafeMutableBufferPointer { pixels in
                    for record in 0..<count {
                        let offset = record * recordSize
                        let label = source[offset]
                        guard Int(label) < classCount else {
                            throw DatasetError(path: path, "record \(record) has label \(label), but there are "
                                               + "only \(classCount) classes", offset: offset)
                        }
                        labels[first + record] = label
                        let target = pixels.baseAddress! + (first + record) * 3072
                        target.update(from: source.baseAddress! + offset + 1, count: 3072)
                    }
                }
            }
            first += count
        }
        return LabeledExamples(features: .bytes(pixels), labels: labels, featureCount: 3072)
    }
}
