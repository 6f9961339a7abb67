import Datasets
import FileFormats
import Foundation
import NeuralNet

/// What a checkpoint's `input` metadata says about the data its network was trained on: enough to
/// turn a new image, table row or array into the network's inputs and its outputs into class names,
/// without the notebook or its data. The runner writes it into every checkpoint once a {data} block
/// has run; `labbook predict` reads it.
///
/// As JSON (snake_case keys, sorted, absent parts as `null`):
/// `{"class_names": ["apple", ...], "csv": {...} or null, "dataset": "csv", "feature_count": 5,
/// "image_shape": {"channels": 3, "height": 32, "width": 32} or null, "image_values": "uint8",
/// "float32" or null, "normalize": "standardize"}`. The fitted normalization itself travels as the
/// checkpoint's `Input/offset` and `Input/multiplier` tensors (see `CheckpointInput`).
public struct PredictionInput: Sendable, Equatable, Codable {
    /// The {data} block's `dataset`: `cifar10`, `mnist`, `csv`, `image-folder`, ...
    public var dataset: String
    /// One name per network output, in output order.
    public var classNames: [String]
    /// The images' shape, for image data; nil for tables.
    public var imageShape: ImageShape?
    /// How the training images' values were kept: `uint8` (pixels 0-255, as decoded images give
    /// them) or `float32` (an .npy or .npz array of floats, whose scale is the user's). Nil for tables.
    public var imageValues: String?
    public var normalize: Normalization
    /// How a CSV table's rows become features (columns, one-hot categories), for `dataset: csv`.
    public var csv: CSVFeatureEncoder?
    /// Features per example: the network's input size.
    public var featureCount: Int

    public init(dataset: String, classNames: [String], imageShape: ImageShape?, imageValues: String?,
                normalize: Normalization, csv: CSVFeatureEncoder?, featureCount: Int) {
        self.dataset = dataset
        self.classNames = classNames
        self.imageShape = imageShape
        self.imageValues = imageValues
        self.normalize = normalize
        self.csv = csv
        self.featureCount = featureCount
    }

    /// The description of `dataset`, loaded by a {data} block of kind `kind` with `encoder` (for tables).
    init(_ dataset: Dataset, kind: DataSourceKind, normalize: Normalization, encoder: CSVFeatureEncoder?) {
        let imageValues: String? = switch dataset.train.features {
        case _ where dataset.imageShape == nil: nil
        case .bytes: Self.uint8
        case .floats: Self.float32
        }
        self.init(dataset: kind.rawValue, classNames: dataset.classNames, imageShape: dataset.imageShape,
                  imageValues: imageValues, normalize: normalize, csv: encoder, featureCount: dataset.featureCount)
    }

    static let uint8 = "uint8"
    static let float32 = "float32"

    enum CodingKeys: String, CodingKey {
        case dataset, classNames, imageShape, imageValues, normalize, csv, featureCount
    }

    /// Every key written, absent parts as `null`, so the metadata always shows the same fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dataset, forKey: .dataset)
        try container.encode(classNames, forKey: .classNames)
        try container.encode(imageShape, forKey: .imageShape)
        try container.encode(imageValues, forKey: .imageValues)
        try container.encode(normalize, forKey: .normalize)
        try container.encode(csv, forKey: .csv)
        try container.encode(featureCount, forKey: .featureCount)
    }

    /// The JSON text of the `input` metadata: the same bytes for the same description.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The checkpoint's part: this description and `normalizer`'s vectors.
    func checkpointInput(_ normalizer: Normalizer) throws -> CheckpointInput {
        CheckpointInput(json: try json(), offset: normalizer.offset, multiplier: normalizer.multiplier)
    }

    /// The description and normalizer a checkpoint carries, checked against its network; the error
    /// says what is wrong, for a checkpoint that was damaged or edited.
    static func read(_ input: CheckpointInput, network: Network) throws -> (PredictionInput, Normalizer) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let description: PredictionInput
        do {
            description = try decoder.decode(PredictionInput.self, from: Data(input.json.utf8))
        } catch {
            throw PredictionError("its metadata 'input' is not valid: \(PlainErrorText.of(error))")
        }
        if let problem = description.inconsistency(network: network, normalizer: input) {
            throw PredictionError("its metadata 'input' does not fit the network: \(problem)")
        }
        return (description, Normalizer(kind: description.normalize, offset: input.offset, multiplier: input.multiplier))
    }

    private func inconsistency(network: Network, normalizer: CheckpointInput) -> String? {
        guard featureCount == network.inputSize else {
            return "\(featureCount) features for a network of \(network.inputSize) inputs"
        }
        guard classNames.count == network.outputSize else {
            return "\(classNames.count) class names for a network of \(network.outputSize) outputs"
        }
        guard normalizer.offset.count == featureCount, normalizer.multiplier.count == featureCount else {
            return "a normalization of \(normalizer.offset.count) features for \(featureCount)"
        }
        if let imageShape {
            guard imageShape.channels == 1 || imageShape.channels == 3, imageShape.height > 0, imageShape.width > 0,
                  imageShape.height <= ImageDecoder.maximumSide, imageShape.width <= ImageDecoder.maximumSide,
                  imageShape.featureCount == featureCount else {
                return "images of \(imageShape.height)x\(imageShape.width) pixels and \(imageShape.channels) channels "
                    + "for \(featureCount) features"
            }
            guard imageValues == Self.uint8 || imageValues == Self.float32 else {
                return "image values '\(imageValues ?? "null")' (uint8 or float32)"
            }
            // A network that reads images as images must read these.
            if network.inputShape.count == 3,
               network.inputShape != [imageShape.height, imageShape.width, imageShape.channels] {
                return "images of \(imageShape.height)x\(imageShape.width)x\(imageShape.channels) for a network that "
                    + "reads \(network.inputShape)"
            }
        }
        if let csv, csv.featureCount != featureCount {
            return "a table encoding of \(csv.featureCount) features for \(featureCount)"
        }
        return nil
    }
}

/// Why a prediction could not be made: the message names the file (and line) at fault.
public struct PredictionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
