import Datasets
import FileFormats
import Foundation
import NeuralNet
import Report
import XCTest
@testable import Notebook

/// `Predictor` on networks made by hand, whose every output can be worked out on paper: the input
/// metadata a checkpoint carries, files told apart by their bytes, images resized and converted,
/// normalization applied, softmax and ranking, and every mistake named by its file.
final class PredictionTests: XCTestCase {
    /// A network of one dense layer without activation, with the given weights (`[inputs, units]`,
    /// row by row) and biases.
    static func linearNetwork(inputs: Int, weights: [Float], biases: [Float]) -> Network {
        var generator = SeededGenerator(seed: 1)
        var network = Network(inputSize: inputs, layers: [LayerSpec(units: biases.count, activation: .none)],
                              initializer: .zeros, l2: 0, generator: &generator)
        network.layers[0].parameters = [Tensor(shape: [inputs, biases.count], scalars: weights),
                                        Tensor(shape: [biases.count], scalars: biases)]
        return network
    }

    /// Writes a checkpoint of `network` with `input` and its normalization into `folder`.
    static func writeCheckpoint(_ network: Network, input: PredictionInput?, offset: [Float], multiplier: [Float],
                                in folder: URL, name: String = "model.safetensors") throws -> String {
        let saved = try input.map { CheckpointInput(json: try $0.json(), offset: offset, multiplier: multiplier) }
        let checkpoint = try Checkpoint(network: network, optimizer: SGD(learningRate: 0.1), input: saved)
        let url = folder.appendingPathComponent(name)
        try Data(try checkpoint.encode()).write(to: url)
        return url.path
    }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// An .npy file (format 1.0) of `shape` holding `values` as `descr` (`|u1` bytes or `<f4` floats).
    static func npy(shape: [Int], descr: String, data: [UInt8]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + data
    }

    static func float32Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    // MARK: Tables

    /// Two features, offsets (10, 20) and multipliers (0.5, 2); logits (x0', -x0', x1').
    func tableNetwork(in folder: URL) throws -> String {
        let network = Self.linearNetwork(inputs: 2, weights: [1, -1, 0, 0, 0, 1], biases: [0, 0, 0])
        let input = PredictionInput(dataset: "npy", classNames: ["left", "right", "up"], imageShape: nil,
                                    imageValues: nil, normalize: .standardize, csv: nil, featureCount: 2)
        return try Self.writeCheckpoint(network, input: input, offset: [10, 20], multiplier: [0.5, 2], in: folder)
    }

    func testRowsOfNumbersAreNormalizedClassifiedAndRanked() throws {
        let folder = try temporaryFolder()
        let checkpoint = try tableNetwork(in: folder)
        let table = folder.appendingPathComponent("points.csv").path
        // A header (no numbers in it), then (14, 20.5) -> (2, 1) -> logits (2, -2, 1) and
        // (4, 22) -> (-3, 4) -> logits (-3, 3, 4).
        try "a,b\n14,20.5\n\n4, 22\n".write(toFile: table, atomically: true, encoding: .utf8)
        let predictor = try Predictor(target: checkpoint)
        XCTAssertEqual(predictor.checkpointPath, checkpoint)
        let predictions = predictor.classify([try predictor.examples(of: table)])
        XCTAssertEqual(predictions.map(\.input), ["\(table):2", "\(table):4"], "rows are named by their lines")
        func softmax(_ logits: [Double]) -> [Double] {
            let exponentials = logits.map { Foundation.exp($0) }
            return exponentials.map { $0 / exponentials.reduce(0, +) }
        }
        let first = softmax([2, -2, 1]), second = softmax([-3, 3, 4])
        XCTAssertEqual(predictions[0].ranked.map(\.className), ["left", "up", "right"])
        XCTAssertEqual(predictions[0].ranked[0].probability, first[0], accuracy: 1e-6)
        XCTAssertEqual(predictions[0].ranked[1].probability, first[2], accuracy: 1e-6)
        XCTAssertEqual(predictions[1].ranked.map(\.className), ["up", "right", "left"])
        XCTAssertEqual(predictions[1].ranked[0].probability, second[2], accuracy: 1e-6)
        for prediction in predictions {
            XCTAssertEqual(prediction.ranked.map(\.probability).reduce(0, +), 1, accuracy: 1e-9)
        }
        XCTAssertEqual(predictions[0].line(top: 2), "\(table):2: left \(String(format: "%.1f", first[0] * 100))%, "
                       + "up \(String(format: "%.1f", first[2] * 100))%")

        // The same rows as an .npy array of floats: named by index.
        let array = folder.appendingPathComponent("points.npy").path
        try Data(Self.npy(shape: [2, 2], descr: "<f4", data: Self.float32Bytes([14, 20.5, 4, 22]))).write(to: URL(fileURLWithPath: array))
        let fromArray = predictor.classify([try predictor.examples(of: array)])
        XCTAssertEqual(fromArray.map(\.input), ["\(array)[0]", "\(array)[1]"])
        XCTAssertEqual(fromArray.map(\.ranked), predictions.map(\.ranked))

        // Several files go through the network together, in order.
        let both = predictor.classify([try predictor.examples(of: array), try predictor.examples(of: table)])
        XCTAssertEqual(both.map(\.input), fromArray.map(\.input) + predictions.map(\.input))

        let json = try Prediction.json(predictions, top: 1)
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        XCTAssertEqual(parsed.count, 2)
        XCTAssertEqual(parsed[0]["input"] as? String, "\(table):2")
        let ranked = try XCTUnwrap(parsed[1]["predictions"] as? [[String: Any]])
        XCTAssertEqual(ranked.count, 1)
        XCTAssertEqual(ranked[0]["class"] as? String, "up")
        XCTAssertEqual(try XCTUnwrap(ranked[0]["probability"] as? Double), second[2], accuracy: 1e-6)
    }

    func testTableMistakesNameTheFileAndLine() throws {
        let folder = try temporaryFolder()
        let predictor = try Predictor(target: try tableNetwork(in: folder))
        func message(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try predictor.examples(of: path)) { XCTAssert($0 is PredictionError, "\($0)") }
            do {
                _ = try predictor.examples(of: path)
                return ""
            } catch {
                return "\(error)".replacingOccurrences(of: folder.path + "/", with: "")
            }
        }
        XCTAssertEqual(try message("three.csv", Array("1,2\n1,2,3\n".utf8)),
                       "three.csv:2: this row has 3 cells, but the network reads 2 features per row")
        XCTAssertEqual(try message("word.csv", Array("1,2\n1,x\n".utf8)), "word.csv:2: column 1: 'x' is not a number")
        XCTAssertEqual(try message("empty.csv", []), "empty.csv: is empty, not an image, a CSV table or an .npy array")
        XCTAssertEqual(try message("junk.bin", [0x50, 0x4B, 3, 4, 0, 0, 0, 0, 9]),
                       "junk.bin: is not a PNG or JPEG image, a CSV table or an .npy array (it starts with the bytes "
                       + "50 4B 03 04 00 00 00 00)")
        XCTAssert(try message("image.png", PNG.encode(width: 2, height: 2, colorType: .grayscale, pixels: [0, 0, 0, 0]))
            .hasPrefix("image.png: is a PNG image, but the network classifies rows of 2 features (npy data); give a CSV "
                       + "table or an .npy array"))
        XCTAssertEqual(try message("wide.npy", Self.npy(shape: [1, 3], descr: "<f4", data: Self.float32Bytes([1, 2, 3]))),
                       "wide.npy: has shape (1, 3), but the network classifies rows of 2 features: give an array of "
                       + "shape (N, 2)")
        XCTAssertThrowsError(try predictor.examples(of: folder.appendingPathComponent("missing.csv").path)) {
            XCTAssert("\($0)".hasSuffix("missing.csv: no such file"), "\($0)")
        }
        XCTAssertThrowsError(try predictor.examples(of: folder.path)) {
            XCTAssert("\($0)".hasSuffix("is a folder, not a file"), "\($0)")
        }
    }

    // MARK: Images

    /// 2x2 grey images scaled to [0, 1]: logits (2 - s, s - 2) for s the sum of the four pixels.
    func imageNetwork(in folder: URL, imageValues: String = "uint8") throws -> String {
        let network = Self.linearNetwork(inputs: 4, weights: [-1, 1, -1, 1, -1, 1, -1, 1], biases: [2, -2])
        let input = PredictionInput(dataset: "image-folder", classNames: ["dark", "bright"],
                                    imageShape: ImageShape(channels: 1, height: 2, width: 2), imageValues: imageValues,
                                    normalize: .scale, csv: nil, featureCount: 4)
        return try Self.writeCheckpoint(network, input: input, offset: [0, 0, 0, 0], multiplier: [Float](repeating: 1 / 255, count: 4),
                                        in: folder)
    }

    func testImagesOfAnySizeAreConvertedResizedAndClassified() throws {
        let folder = try temporaryFolder()
        let predictor = try Predictor(target: try imageNetwork(in: folder))
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        // Told by their bytes, not their names: a white RGB picture of 6x6 named .jpg, a black grey one of 3x3.
        let white = try write("white.jpg", PNG.encode(width: 6, height: 6, colorType: .rgb,
                                                       pixels: [UInt8](repeating: 255, count: 108)))
        let black = try write("black", PNG.encode(width: 3, height: 3, colorType: .grayscale,
                                                   pixels: [UInt8](repeating: 0, count: 9)))
        // Already 2x2: three bright pixels of four, s = 3 -> logits (-1, 1).
        let mostly = try write("mostly.png", PNG.encode(width: 2, height: 2, colorType: .grayscale, pixels: [255, 255, 255, 0]))
        let examples = try [white, black, mostly].map(predictor.examples(of:))
        XCTAssertEqual(examples[0].features, .bytes([255, 255, 255, 255]), "resized to 2x2, converted to grey")
        let predictions = predictor.classify(examples)
        XCTAssertEqual(predictions.map(\.input), [white, black, mostly])
        XCTAssertEqual(predictions.map { $0.ranked[0].className }, ["bright", "dark", "bright"])
        XCTAssertEqual(predictions[0].ranked[0].probability, 1 / (1 + Foundation.exp(-4)), accuracy: 1e-6)
        XCTAssertEqual(predictions[2].ranked[0].probability, 1 / (1 + Foundation.exp(-2)), accuracy: 1e-6)

        // An array of the recorded shape, (N, H, W) or (N, H, W, 1), as bytes or floats.
        let array = try write("images.npy", Self.npy(shape: [2, 2, 2, 1], descr: "|u1", data: [255, 255, 255, 0, 0, 0, 0, 0]))
        XCTAssertEqual(predictor.classify([try predictor.examples(of: array)]).map(\.ranked), [predictions[2].ranked, predictions[1].ranked])
        let floats = try write("floats.npy", Self.npy(shape: [1, 2, 2], descr: "<f4", data: Self.float32Bytes([255, 255, 255, 0])))
        XCTAssertEqual(predictor.classify([try predictor.examples(of: floats)]).map(\.ranked), [predictions[2].ranked])

        func message(_ path: String) -> String {
            do {
                _ = try predictor.examples(of: path)
                return ""
            } catch {
                return "\(error)".replacingOccurrences(of: folder.path + "/", with: "")
            }
        }
        XCTAssertEqual(message(try write("wrong.npy", Self.npy(shape: [1, 3, 3], descr: "|u1", data: [UInt8](repeating: 0, count: 9)))),
                       "wrong.npy: has shape (1, 3, 3), but the network classifies 2x2 images of 1 channel: give an "
                       + "array of shape (N, 2, 2) or (N, 2, 2, 1)")
        XCTAssertEqual(message(try write("rows.csv", Array("1,2,3,4\n".utf8))),
                       "rows.csv: is text, but the network classifies 2x2 images of 1 channel: give PNG or JPEG images, "
                       + "or an .npy array of them")
        XCTAssert(message(try write("cut.png", Array(PNG.encode(width: 6, height: 6, colorType: .rgb,
                                                                 pixels: [UInt8](repeating: 9, count: 108)).prefix(40))))
            .hasPrefix("cut.png: cannot be decoded as a PNG image"), message(folder.appendingPathComponent("cut.png").path))

        // Float images have a scale of their own: a picture's 0-255 pixels are refused for them.
        let floatTrained = try Predictor(target: try imageNetwork(in: try temporaryFolder(), imageValues: "float32"))
        XCTAssertThrowsError(try floatTrained.examples(of: white)) {
            XCTAssert("\($0)".contains("trained on images of float32 values"), "\($0)")
        }
    }

    // MARK: Checkpoints

    func testTheInputMetadataIsWrittenAsDocumented() throws {
        let input = PredictionInput(dataset: "cifar10", classNames: ["airplane", "automobile"],
                                    imageShape: ImageShape(channels: 3, height: 32, width: 32), imageValues: "uint8",
                                    normalize: .meanImage, csv: nil, featureCount: 3072)
        XCTAssertEqual(try input.json(),
                       #"{"class_names":["airplane","automobile"],"csv":null,"dataset":"cifar10","feature_count":3072,"#
                       + #""image_shape":{"channels":3,"height":32,"width":32},"image_values":"uint8","normalize":"mean-image"}"#)
    }

    func testCheckpointsWithoutOrWithDamagedMetadataAreRefusedNamingTheFile() throws {
        let folder = try temporaryFolder()
        let network = Self.linearNetwork(inputs: 2, weights: [1, 0, 0, 1], biases: [0, 0])
        let old = try Self.writeCheckpoint(network, input: nil, offset: [], multiplier: [], in: folder, name: "old.safetensors")
        XCTAssertThrowsError(try Predictor(target: old)) { error in
            XCTAssertEqual("\(error)", "\(old): the checkpoint does not describe its data (written by a LabBook before "
                           + "0.7.0, or before any {data} block); rerun the notebook")
        }
        let threeClasses = PredictionInput(dataset: "npy", classNames: ["a", "b", "c"], imageShape: nil, imageValues: nil,
                                           normalize: .none, csv: nil, featureCount: 2)
        let wrong = try Self.writeCheckpoint(network, input: threeClasses, offset: [0, 0], multiplier: [1, 1], in: folder,
                                             name: "wrong.safetensors")
        XCTAssertThrowsError(try Predictor(target: wrong)) { error in
            XCTAssertEqual("\(error)", "\(wrong): its metadata 'input' does not fit the network: 3 class names for a "
                           + "network of 2 outputs")
        }
        let notACheckpoint = folder.appendingPathComponent("notes.txt").path
        try "hello".write(toFile: notACheckpoint, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Predictor(target: notACheckpoint)) { error in
            XCTAssert("\(error)".hasPrefix("\(notACheckpoint): not a LabBook checkpoint: "), "\(error)")
        }
        let missing = folder.appendingPathComponent("runs/none").path
        XCTAssertThrowsError(try Predictor(target: missing)) { error in
            XCTAssertEqual("\(error)", "\(missing): no such run folder or checkpoint")
        }
        XCTAssertThrowsError(try Predictor(target: folder.path)) { error in
            XCTAssertEqual("\(error)", "\(folder.path): not a run folder: it holds neither model.safetensors nor run.json")
        }
        // A folder with model.safetensors is taken as a run folder.
        let good = PredictionInput(dataset: "npy", classNames: ["a", "b"], imageShape: nil, imageValues: nil,
                                   normalize: .none, csv: nil, featureCount: 2)
        let model = try Self.writeCheckpoint(network, input: good, offset: [0, 0], multiplier: [1, 1], in: folder)
        XCTAssertEqual(try Predictor(target: folder.path).checkpointPath, model)
    }
}
