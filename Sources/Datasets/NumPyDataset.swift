import Foundation

/// Classification data saved with NumPy: an .npz archive of features and labels (Keras's mnist.npz
/// and the like), or separate .npy files.
///
/// Features may be
/// - `(N, H, W)`: greyscale images;
/// - `(N, H, W, C)` with C = 1 or 3: images with their channels last, as NumPy, Keras and PIL keep
///   them, transposed to LabBook's planar layout (all of channel 0, then channel 1, ...);
/// - `(N, F)`: a table of F features per example.
///
/// uint8 images are kept as bytes; every other array becomes Float (images keep their `imageShape`),
/// and a NaN, an infinity or a float64 beyond Float's range is an error.
///
/// Labels are `(N,)` or `(N, 1)` class indices from 0 to 255, of an integer type or bool, or floats that
/// hold whole numbers (frameworks often save labels as float32); anything else is an error. The class
/// names are the indices as text, "0" up to the highest label in the training and test sets.
public enum NumPyDataset {
    /// Loads the .npz archive at `path`: the training split from `names.trainFeatures` and
    /// `names.trainLabels`, the test split from `names.testFeatures` and `names.testLabels`.
    ///
    /// An archive with neither test array gives an empty test split (the caller holds one out of the
    /// training set); one with only one of them is an error. The dataset's name is the file's name
    /// without its extension.
    public static func load(archive path: String, names: NumPyArrayNames = .keras) throws -> Dataset {
        let archive = try ZipArchive(path: path)
        func required(_ name: String) throws -> LocatedArray {
            guard let array = try readArray(name, from: archive) else {
                throw DatasetError(path: path, "the archive has no array '\(name)'. \(arrayList(archive))")
            }
            return array
        }
        let trainFeatures = try required(names.trainFeatures)
        let trainLabels = try required(names.trainLabels)
        let testFeatures = try readArray(names.testFeatures, from: archive)
        let testLabels = try readArray(names.testLabels, from: archive)
        let test: (features: LocatedArray, labels: LocatedArray)?
        switch (testFeatures, testLabels) {
        case let (features?, labels?): test = (features, labels)
        case (nil, nil): test = nil
        case (_?, nil), (nil, _?):
            let (present, absent) = testFeatures != nil ? (names.testFeatures, names.testLabels)
                                                        : (names.testLabels, names.testFeatures)
            throw DatasetError(path: path, "the archive has the test array '\(present)' but not '\(absent)'; "
                               + "give both or neither. \(arrayList(archive))")
        }
        return try assemble(name: stem(path), train: (trainFeatures, trainLabels), test: test, files: [path])
    }

    /// Loads features and labels from separate .npy files, and the test split from `testFeatures`
    /// and `testLabels` when given (both or neither; without them the test split is empty). The
    /// dataset's name is the features file's name without its extension.
    public static func load(
        features: String, labels: String, testFeatures: String? = nil, testLabels: String? = nil
    ) throws -> Dataset {
        func read(_ path: String) throws -> LocatedArray {
            (try NumPyArray.read(contentsOf: path), ArrayLocation(path: path, member: nil))
        }
        let train = (features: try read(features), labels: try read(labels))
        let test: (features: LocatedArray, labels: LocatedArray)?
        switch (testFeatures, testLabels) {
        case let (featuresPath?, labelsPath?): test = (try read(featuresPath), try read(labelsPath))
        case (nil, nil): test = nil
        case let (featuresPath?, nil):
            throw DatasetError(path: featuresPath, "test features are given without test labels; give both or neither")
        case let (nil, labelsPath?):
            throw DatasetError(path: labelsPath, "test labels are given without test features; give both or neither")
        }
        let files = [features, labels] + [testFeatures, testLabels].compactMap { $0 }
        return try assemble(name: stem(features), train: train, test: test, files: files)
    }

    typealias LocatedArray = (array: NumPyArray, location: ArrayLocation)

    /// The examples of a features array read from `path` without labels (to classify them): shaped
    /// and converted as `load` converts training features, images planar, uint8 images kept as bytes.
    public static func unlabeledExamples(_ array: NumPyArray, path: String)
        throws -> (features: FeatureStorage, count: Int, featureCount: Int, imageShape: ImageShape?) {
        let converted = try convertFeatures((array, ArrayLocation(path: path, member: nil)))
        return (converted.storage, converted.count, converted.layout.featureCount, converted.layout.imageShape)
    }

    /// The array `name` of `archive` (its member `name.npy`, as `np.savez` names it), or nil.
    static func readArray(_ name: String, from archive: ZipArchive) throws -> LocatedArray? {
        guard let member = archive.member(named: name + ".npy") else { return nil }
        let location = ArrayLocation(path: archive.path, member: member.name)
        return (try NumPyArray.parse(archive.contents(of: member), location: location), location)
    }

    /// The archive's array names, for an error about a missing one.
    static func arrayList(_ archive: ZipArchive) -> String {
        let names = archive.members.map(\.name).filter { !$0.hasSuffix("/") }
            .map { $0.hasSuffix(".npy") ? String($0.dropLast(4)) : $0 }
        return names.isEmpty ? "It holds no arrays." : "Its arrays: " + names.joined(separator: ", ") + "."
    }

    static func stem(_ path: String) -> String {
        ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// Builds the dataset from the arrays read, checking them against each other.
    static func assemble(
        name: String, train: (features: LocatedArray, labels: LocatedArray),
        test: (features: LocatedArray, labels: LocatedArray)?, files: [String]
    ) throws -> Dataset {
        let trainFeatures = try convertFeatures(train.features)
        guard trainFeatures.count > 0 else {
            throw train.features.location.error("holds no examples (shape \(train.features.array.shapeDescription))")
        }
        let trainLabels = try convertLabels(train.labels, exampleCount: trainFeatures.count,
                                            featuresName: train.features.location.name)
        var testFeatures = Features(storage: trainFeatures.storage.emptyOfSameKind, count: 0,
                                    layout: trainFeatures.layout)
        var testLabels: [UInt8] = []
        if let test {
            testFeatures = try convertFeatures(test.features)
            let location = test.features.location
            guard testFeatures.layout == trainFeatures.layout else {
                throw location.error("its examples are \(testFeatures.layout) but the training examples "
                                     + "(\(train.features.location.name)) are \(trainFeatures.layout)")
            }
            guard testFeatures.storage.isBytes == trainFeatures.storage.isBytes else {
                throw location.error("it is \(test.features.array.dtype) but the training images "
                                     + "(\(train.features.location.name)) are \(train.features.array.dtype); save both "
                                     + "with the same dtype (uint8 images are kept as bytes, others as floats)")
            }
            testLabels = try convertLabels(test.labels, exampleCount: testFeatures.count,
                                           featuresName: location.name)
        }
        let highestLabel = Int((trainLabels + testLabels).max() ?? 0)
        let featureCount = trainFeatures.layout.featureCount
        return Dataset(
            name: name, classNames: (0...highestLabel).map(String.init), imageShape: trainFeatures.layout.imageShape,
            train: LabeledExamples(features: trainFeatures.storage, labels: trainLabels, featureCount: featureCount),
            test: LabeledExamples(features: testFeatures.storage, labels: testLabels, featureCount: featureCount),
            files: files)
    }

    /// One split's features, converted, and how each example is laid out.
    struct Features {
        var storage: FeatureStorage
        var count: Int
        var layout: Layout
    }

    enum Layout: Equatable, CustomStringConvertible {
        case image(ImageShape)
        case table(featureCount: Int)

        var featureCount: Int {
            switch self {
            case .image(let shape): shape.featureCount
            case .table(let count): count
            }
        }

        var imageShape: ImageShape? {
            if case .image(let shape) = self { shape } else { nil }
        }

        var description: String {
            switch self {
            case .image(let shape):
                "\(shape.height)x\(shape.width) images of \(shape.channels) channel\(shape.channels == 1 ? "" : "s")"
            case .table(let count): "rows of \(count) feature\(count == 1 ? "" : "s")"
            }
        }
    }

    static func convertFeatures(_ located: LocatedArray) throws -> Features {
        let (array, location) = located
        let shape = array.shape
        let layout: Layout
        switch shape.count {
        case 2:
            layout = .table(featureCount: shape[1])
        case 3:
            layout = .image(ImageShape(channels: 1, height: shape[1], width: shape[2]))
        case 4 where shape[3] == 1 || shape[3] == 3:
            layout = .image(ImageShape(channels: shape[3], height: shape[1], width: shape[2]))
        case 4:
            let hint = shape[1] == 1 || shape[1] == 3
                ? "; it looks channels-first, so save x.transpose(0, 2, 3, 1)" : ""
            throw location.error("images of shape (N, H, W, C) must have 1 or 3 channels last, but the shape is "
                                 + "\(array.shapeDescription)\(hint)")
        default:
            throw location.error("features must have shape (N, F) for a table, (N, H, W) for greyscale images or "
                                 + "(N, H, W, C) for images, but the shape is \(array.shapeDescription)")
        }
        let (featureCount, overflow) = shape.dropFirst().reduce((1, false)) { product, size in
            let (result, overflow) = product.0.multipliedReportingOverflow(by: size)
            return (result, product.1 || overflow)
        }
        guard !overflow, featureCount > 0 else {
            throw location.error("each example of shape \(array.shapeDescription) holds "
                                 + (overflow ? "more values than can be counted" : "no values"))
        }
        let count = shape[0]
        let channels = layout.imageShape?.channels ?? 1
        let pixels = featureCount / channels
        let storage: FeatureStorage
        if case .uint8(let values) = array.values, layout.imageShape != nil {
            storage = .bytes(planar(values, examples: count, pixels: pixels, channels: channels))
        } else {
            storage = .floats(planar(try floats(located), examples: count, pixels: pixels, channels: channels))
        }
        return Features(storage: storage, count: count, layout: layout)
    }

    /// Channels-last pixels (each pixel's channels together) rearranged channel-major, as LabBook keeps
    /// images.
    static func planar<Value>(_ values: [Value], examples: Int, pixels: Int, channels: Int) -> [Value] {
        guard channels > 1 else { return values }
        return [Value](unsafeUninitializedCapacity: values.count) { target, initialized in
            values.withUnsafeBufferPointer { source in
                for example in 0..<examples {
                    let base = example * pixels * channels
                    for pixel in 0..<pixels {
                        for channel in 0..<channels {
                            (target.baseAddress! + base + channel * pixels + pixel)
                                .initialize(to: source[base + pixel * channels + channel])
                        }
                    }
                }
            }
            initialized = values.count
        }
    }

    /// The values as Float; each must be finite, and a float64 must fit Float's range.
    static func floats(_ located: LocatedArray) throws -> [Float] {
        let (array, location) = located
        func requireFinite(_ converted: [Float], original: (Int) -> String) throws -> [Float] {
            if let index = converted.firstIndex(where: { !$0.isFinite }) {
                let value = original(index)
                let reason = value == "nan" || value.hasSuffix("inf") ? "" : ", beyond Float's range"
                throw location.error("value \(index) is \(value)\(reason); features must be finite numbers",
                                     offset: array.dataOffset + index * array.dtype.itemSize)
            }
            return converted
        }
        switch array.values {
        case .bool(let values): return values.map { $0 ? 1 : 0 }
        case .uint8(let values): return values.map(Float.init)
        case .int8(let values): return values.map(Float.init)
        case .int32(let values): return values.map(Float.init)
        case .int64(let values): return values.map(Float.init)
        case .float32(let values): return try requireFinite(values) { "\(values[$0])" }
        case .float64(let values): return try requireFinite(values.map(Float.init)) { "\(values[$0])" }
        }
    }

    /// Class indices, one per example, each 0...255.
    static func convertLabels(_ located: LocatedArray, exampleCount: Int, featuresName: String) throws -> [UInt8] {
        let (array, location) = located
        let shape = array.shape
        guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
            let hint = shape.count == 2 ? " (one-hot labels? save y.argmax(axis=1))" : ""
            throw location.error("labels must have shape (N,) or (N, 1), one class index per example, but the "
                                 + "shape is \(array.shapeDescription)\(hint)")
        }
        guard shape[0] == exampleCount else {
            throw location.error("holds \(shape[0]) labels, but \(featuresName) holds \(exampleCount) examples")
        }
        /// `value` is the label as an integer when it is a whole number in Int64's range.
        func classIndex(_ value: Int64?, whole: Bool, text: @autoclosure () -> String, at index: Int) throws -> UInt8 {
            guard let value, let label = UInt8(exactly: value) else {
                let problem = whole ? "is outside 0...255 (LabBook takes at most 256 classes)" : "is not a whole number"
                throw location.error("label \(text()) of example \(index) \(problem); labels must be class indices",
                                     offset: array.dataOffset + index * array.dtype.itemSize)
            }
            return label
        }
        switch array.values {
        case .uint8(let values): return values
        case .bool(let values): return values.map { $0 ? 1 : 0 }
        case .int8(let values):
            return try values.enumerated().map { try classIndex(Int64($1), whole: true, text: "\($1)", at: $0) }
        case .int32(let values):
            return try values.enumerated().map { try classIndex(Int64($1), whole: true, text: "\($1)", at: $0) }
        case .int64(let values):
            return try values.enumerated().map { try classIndex($1, whole: true, text: "\($1)", at: $0) }
        case .float32(let values):
            return try values.enumerated().map {
                try classIndex(Int64(exactly: $1), whole: $1.rounded() == $1, text: "\($1)", at: $0)
            }
        case .float64(let values):
            return try values.enumerated().map {
                try classIndex(Int64(exactly: $1), whole: $1.rounded() == $1, text: "\($1)", at: $0)
            }
        }
    }
}

extension FeatureStorage {
    /// No values, kept as these are: an empty split beside this one.
    fileprivate var emptyOfSameKind: FeatureStorage {
        switch self {
        case .bytes: .bytes([])
        case .floats: .floats([])
        }
    }

    fileprivate var isBytes: Bool {
        if case .bytes = self { true } else { false }
    }
}
