import Datasets
import FileFormats
import Foundation
import NeuralNet
import RunRecords

/// A trained network ready to classify new data outside its notebook (`labbook predict`): read from a
/// checkpoint, with the description of its data and the fitted normalization the checkpoint carries
/// (see `PredictionInput`).
///
/// Files are told apart by their bytes: a PNG or JPEG image, decoded to the recorded channels and
/// resized to the recorded size when it differs; an .npy array of examples of the recorded shape; or
/// a CSV table, read with the recorded columns (`dataset: csv`) or as rows of numbers, one per
/// feature (tables from .npy and .npz arrays, the spiral). Every example is then normalized as the
/// training data were and run through the network in inference mode, as {evaluate} runs it.
public struct Predictor {
    public let network: Network
    public let input: PredictionInput
    public let normalizer: Normalizer
    /// The checkpoint file the network came from.
    public let checkpointPath: String

    /// The network of `checkpoint`, read from `path` (named in errors).
    public init(checkpoint: Checkpoint, path: String) throws {
        guard let saved = checkpoint.input else {
            throw PredictionError("\(path): the checkpoint does not describe its data (written by a LabBook before "
                                  + "\(Self.firstVersion), or before any {data} block); rerun the notebook")
        }
        do {
            (input, normalizer) = try PredictionInput.read(saved, network: checkpoint.network)
        } catch let error as PredictionError {
            throw PredictionError("\(path): \(error.message)")
        }
        network = checkpoint.network
        checkpointPath = path
    }

    /// The version whose checkpoints first carried `input` metadata.
    static let firstVersion = "0.7.0"

    /// The network of the checkpoint `target` names: a checkpoint file, or a run folder, whose
    /// `model.safetensors` (the network after its last {train}) is used, else the last checkpoint its
    /// run.json lists.
    public init(target: String) throws {
        let path = try Self.checkpointPath(for: target)
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            throw PredictionError("\(PlainErrorText.of(error))")
        }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint.decode(bytes)
        } catch {
            var reason = PlainErrorText.of(error)
            if reason.hasPrefix("checkpoint: ") { reason.removeFirst("checkpoint: ".count) }
            throw PredictionError("\(path): not a LabBook checkpoint: \(reason)")
        }
        try self.init(checkpoint: checkpoint, path: path)
    }

    /// The checkpoint file `target` names (see `init(target:)`).
    public static func checkpointPath(for target: String) throws -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isFolder) else {
            throw PredictionError("\(target): no such run folder or checkpoint")
        }
        guard isFolder.boolValue else { return target }
        let folder = URL(fileURLWithPath: target)
        let model = folder.appendingPathComponent("model.safetensors").path
        if FileManager.default.fileExists(atPath: model) { return model }
        let recordURL = folder.appendingPathComponent(OwnedRunFolder.recordFile)
        guard FileManager.default.fileExists(atPath: recordURL.path) else {
            throw PredictionError("\(target): not a run folder: it holds neither model.safetensors nor "
                                  + "\(OwnedRunFolder.recordFile)")
        }
        let record: RunRecord
        do {
            record = try RunRecordFile.read(from: recordURL)
        } catch {
            throw PredictionError(PlainErrorText.of(error))
        }
        guard let last = record.checkpoints?.last else {
            throw PredictionError("\(target): the run wrote no checkpoint (there is no model.safetensors, and "
                                  + "\(OwnedRunFolder.recordFile) lists none); train the network or save it with "
                                  + "a {checkpoint} block")
        }
        return folder.appendingPathComponent(last.path).path
    }

    // MARK: Reading inputs

    /// The examples of one file, ready to classify: one per image, table row or array entry, each
    /// with its name (`cat.png`, `fruit.csv:3`, `x.npy[0]`).
    public struct Examples: Sendable {
        public var names: [String]
        /// Raw values (pixels as bytes, table features as floats), `input.featureCount` per example,
        /// images planar as the training data were kept.
        public var features: FeatureStorage
    }

    /// What a file to classify is, by its first bytes.
    enum FileKind {
        case image(ImageFormat)
        case numPy
        case text
    }

    /// The examples in `path`, as the network reads them; errors name the file (and the line of a
    /// table row).
    public func examples(of path: String) throws -> Examples {
        do {
            switch try Self.kind(of: path) {
            case .image(let format): return try imageExamples(path, format: format)
            case .numPy: return try arrayExamples(path)
            case .text: return try tableExamples(path)
            }
        } catch let error as DatasetError {
            throw PredictionError(error.description)
        }
    }

    static func kind(of path: String) throws -> FileKind {
        let (descriptor, _) = try openRegularFile(path)
        defer { close(descriptor) }
        var head = [UInt8](repeating: 0, count: 512)
        let count = try head.withUnsafeMutableBytes { try readFully(descriptor, into: $0, path: path) }
        head.removeSubrange(count...)
        guard !head.isEmpty else {
            throw DatasetError(path: path, "is empty, not an image, a CSV table or an .npy array")
        }
        if let format = ImageFormat(leadingBytes: head) { return .image(format) }
        if head.starts(with: NumPyArray.magic) { return .numPy }
        // Text has no NUL bytes and decodes as UTF-8 (a character cut at the 512th byte aside).
        let isText = !head.contains(0) && (String(validating: head, as: UTF8.self) != nil
            || (1...3).contains { String(validating: head.dropLast($0), as: UTF8.self) != nil })
        guard isText else {
            let start = head.prefix(8).map { String($0, radix: 16, uppercase: true) }
                .map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: " ")
            throw DatasetError(path: path, "is not a PNG or JPEG image, a CSV table or an .npy array (it starts with "
                               + "the bytes \(start))")
        }
        return .text
    }

    private func imageExamples(_ path: String, format: ImageFormat) throws -> Examples {
        guard let shape = input.imageShape else {
            throw DatasetError(path: path, "is a \(format.rawValue) image, but the network classifies rows of "
                               + "\(input.featureCount) feature\(input.featureCount == 1 ? "" : "s") (\(input.dataset) "
                               + "data); give a CSV table" + (input.csv == nil ? " or an .npy array" : ""))
        }
        guard input.imageValues == PredictionInput.uint8 else {
            throw DatasetError(path: path, "is a \(format.rawValue) image, but the network was trained on images of "
                               + "\(input.imageValues ?? "") values, whose scale need not be a picture's 0-255; give an "
                               + ".npy array of images like those it was trained on")
        }
        var image = try ImageDecoder.decode(contentsOf: path, channels: shape.channels)
        if image.height != shape.height || image.width != shape.width {
            image = image.resized(height: shape.height, width: shape.width)
        }
        return Examples(names: [path], features: .bytes(image.planarPixels))
    }

    private func arrayExamples(_ path: String) throws -> Examples {
        let array = try NumPyArray.read(contentsOf: path)
        let read = try NumPyDataset.unlabeledExamples(array, path: path)
        let expected: String
        if let shape = input.imageShape {
            expected = shape.channels == 1
                ? "(N, \(shape.height), \(shape.width)) or (N, \(shape.height), \(shape.width), 1)"
                : "(N, \(shape.height), \(shape.width), \(shape.channels))"
        } else {
            expected = "(N, \(input.featureCount))"
        }
        guard read.imageShape == input.imageShape, read.featureCount == input.featureCount else {
            throw DatasetError(path: path, "has shape \(array.shapeDescription), but the network classifies "
                               + describeExamples() + ": give an array of shape \(expected)")
        }
        guard read.count > 0 else { throw DatasetError(path: path, "holds no examples (shape \(array.shapeDescription))") }
        return Examples(names: (0..<read.count).map { "\(path)[\($0)]" }, features: read.features)
    }

    private func tableExamples(_ path: String) throws -> Examples {
        if input.imageShape != nil {
            throw DatasetError(path: path, "is text, but the network classifies " + describeExamples()
                               + ": give PNG or JPEG images, or an .npy array of them")
        }
        let rows = try input.csv.map { try $0.encodeRows(ofFile: path) }
            ?? CSVDataset.numberRows(ofFile: path, featureCount: input.featureCount)
        return Examples(names: rows.lines.map { "\(path):\($0)" }, features: .floats(rows.features))
    }

    /// What the network reads, for messages: `32x32 images of 3 channels`, `rows of 5 features`.
    private func describeExamples() -> String {
        if let shape = input.imageShape {
            return "\(shape.height)x\(shape.width) images of \(shape.channels) channel\(shape.channels == 1 ? "" : "s")"
        }
        return "rows of \(input.featureCount) feature\(input.featureCount == 1 ? "" : "s")"
    }

    // MARK: Classifying

    /// Every example of `batches`, in order, classified in one pass of the network in inference mode
    /// (as {evaluate} runs it, normalized as the training data were).
    public func classify(_ batches: [Examples]) -> [Prediction] {
        let names = batches.flatMap(\.names)
        guard !names.isEmpty else { return [] }
        let storage: FeatureStorage
        if batches.allSatisfy({ if case .bytes = $0.features { true } else { false } }) {
            storage = .bytes(batches.flatMap { batch -> [UInt8] in
                if case .bytes(let values) = batch.features { values } else { [] }
            })
        } else {
            storage = .floats(batches.flatMap { batch -> [Float] in
                switch batch.features {
                case .bytes(let values): values.map(Float.init)
                case .floats(let values): values
                }
            })
        }
        let examples = LabeledExamples(features: storage, labels: [UInt8](repeating: 0, count: names.count),
                                       featureCount: input.featureCount)
        // A network that reads images as images gets them channels last, as in training.
        let channelsLast = network.inputShape.count == 3 ? input.imageShape : nil
        let source = NormalizedExamples(examples, normalizer: normalizer, classCount: input.classNames.count,
                                        channelsLast: channelsLast)
        let classes = network.outputSize
        var predictions: [Prediction] = []
        predictions.reserveCapacity(names.count)
        network.forEachChunk(of: source) { logits, _, rows in
            for row in 0..<rows {
                let probabilities = Self.softmax(UnsafeBufferPointer(start: logits + row * classes, count: classes))
                predictions.append(Prediction(input: names[predictions.count], probabilities: probabilities,
                                              classNames: input.classNames))
            }
        }
        return predictions
    }

    /// Probabilities from logits, computed in Double after subtracting the largest logit.
    static func softmax(_ logits: UnsafeBufferPointer<Float>) -> [Double] {
        let largest = Double(logits.max() ?? 0)
        let exponentials = logits.map { Foundation.exp(Double($0) - largest) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }
}

/// One example's classification: every class with its probability, most probable first (ties in
/// class order).
public struct Prediction: Sendable, Equatable {
    public struct Ranked: Sendable, Equatable, Codable {
        public var className: String
        public var probability: Double

        enum CodingKeys: String, CodingKey {
            case className = "class"
            case probability
        }
    }

    /// The image's path, `file:line` for a table row, `file[i]` for an array's example.
    public var input: String
    public var ranked: [Ranked]

    init(input: String, probabilities: [Double], classNames: [String]) {
        self.input = input
        ranked = probabilities.indices
            .sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
            .map { Ranked(className: classNames[$0], probability: probabilities[$0]) }
    }

    /// `cat.png: cat 87.3%, dog 8.1%, deer 2.0%`: the `top` most probable classes.
    public func line(top: Int) -> String {
        input + ": " + ranked.prefix(top).map { "\($0.className) \(String(format: "%.1f", $0.probability * 100))%" }
            .joined(separator: ", ")
    }

    /// `predictions` as a JSON array of `{"input": ..., "predictions": [{"class": ..., "probability": ...}]}`,
    /// each with its `top` most probable classes.
    public static func json(_ predictions: [Prediction], top: Int) throws -> String {
        struct Entry: Encodable {
            var input: String
            var predictions: [Ranked]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let entries = predictions.map { Entry(input: $0.input, predictions: Array($0.ranked.prefix(top))) }
        return String(decoding: try encoder.encode(entries), as: UTF8.self)
    }
}
