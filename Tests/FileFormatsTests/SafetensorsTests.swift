import Foundation
import XCTest
@testable import FileFormats
import NeuralNet

/// A safetensors file from its header text and `dataByteCount` zero data bytes, the header length
/// written as given (so tests can write wrong ones).
func safetensorsFile(header: String, dataByteCount: Int = 0, claimedHeaderLength: UInt64? = nil) -> [UInt8] {
    let headerBytes = Array(header.utf8)
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (claimedHeaderLength ?? UInt64(headerBytes.count)).littleEndian) { bytes += $0 }
    return bytes + headerBytes + [UInt8](repeating: 0, count: dataByteCount)
}

/// The folder of seed files shared by the safetensors tests and fuzzers.
let safetensorsCorpusFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("SafetensorsCorpus")

/// Sample content shared by the safetensors, checkpoint and fuzz tests.
enum SafetensorsSamples {
    /// Tensors of several dtypes, with awkward values (NaN with a payload, infinities, subnormals) and
    /// an empty tensor.
    static func tensors() throws -> [SafetensorsTensor] {
        let awkwardFloats: [Float] = [0, -0.0, 1, -1.5, .infinity, -.infinity, .leastNonzeroMagnitude,
                                      .greatestFiniteMagnitude, Float(bitPattern: 0x7FC0_1234), .ulpOfOne]
        return [
            SafetensorsTensor(name: "Layer1/weights", tensor: Tensor(shape: [2, 5], scalars: awkwardFloats)),
            SafetensorsTensor(name: "Layer1/biases", float32: [3, 4, 5]),
            SafetensorsTensor(name: "counts", int64: [.min, -1, 0, 1, .max]),
            try SafetensorsTensor(name: "mask", dtype: .uint8, shape: [3], bytes: [1, 0, 255]),
            SafetensorsTensor(name: "empty", float32: []),
        ]
    }

    /// A small network trained a few steps by `optimizer`, so it has slot state, with its trainer.
    static func trainedTrainer(_ optimizer: any Optimizer, steps: Int) -> Trainer {
        var generator = SeededGenerator(seed: 7)
        let network = Network(inputSize: 5, layers: [LayerSpec(units: 4, activation: .relu),
                                                     LayerSpec(units: 3, activation: .none)],
                              initializer: .he, l2: 0.001, generator: &generator)
        let trainer = Trainer(network: network, optimizer: optimizer, batchSize: 6)
        train(trainer, steps: steps, seed: 1)
        return trainer
    }

    static func train(_ trainer: Trainer, steps: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed &+ UInt64(trainer.optimizer.step))
        for _ in 0..<steps {
            for i in 0..<(trainer.batchSize * trainer.network.inputSize) { trainer.input[i] = generator.nextFloat() - 0.5 }
            for i in 0..<trainer.batchSize { trainer.labels[i] = Int32(generator.nextInt(below: trainer.network.outputSize)) }
            _ = trainer.step()
        }
    }

    static func batchOrder() -> Checkpoint.BatchOrderState {
        var generator = SeededGenerator(seed: 3)
        var permutation = Array(0..<10)
        generator.shuffle(&permutation)
        return Checkpoint.BatchOrderState(generatorState: generator.state, permutation: permutation,
                                          position: 6, epoch: 2)
    }
}

final class SafetensorsTests: XCTestCase {
    // MARK: Format

    func testRoundTripIsBitExact() throws {
        let tensors = try SafetensorsSamples.tensors()
        let metadata = ["note": "quote \" backslash \\ newline \n tab \t bell \u{07} é 日本", "global_step": "42"]
        let bytes = try Safetensors.encode(tensors: tensors, metadata: metadata)
        let file = try Safetensors.decode(bytes)

        XCTAssertEqual(file.metadata, metadata)
        XCTAssertEqual(file.names, tensors.map(\.name).sorted())
        for tensor in tensors {
            let info = try file.info(tensor.name)
            XCTAssertEqual(info.dtype, tensor.dtype)
            XCTAssertEqual(info.shape, tensor.shape)
            XCTAssertEqual(Array(try file.data(tensor.name)), tensor.bytes, tensor.name)
        }
        let weights = try file.float32("Layer1/weights")
        XCTAssertEqual(weights.map(\.bitPattern), try SafetensorsSamples.tensors()[0].bytes.withUnsafeBytes { raw in
            (0..<10).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        })
        XCTAssertEqual(weights[8].bitPattern, 0x7FC0_1234, "a NaN keeps its payload")
        XCTAssertEqual(try file.int64("counts"), [.min, -1, 0, 1, .max])
        XCTAssertEqual(try file.tensor("Layer1/biases"), Tensor(shape: [3], scalars: [3, 4, 5]))
        XCTAssertEqual(try file.info("empty").elementCount, 0)
    }

    func testSameContentGivesSameBytes() throws {
        let tensors = try SafetensorsSamples.tensors()
        var forward: [String: String] = [:]
        var backward: [String: String] = [:]
        for key in ["b", "a", "c", "Z"] { forward[key] = key + "!" }
        for key in ["Z", "c", "a", "b"] { backward[key] = key + "!" }
        let first = try Safetensors.encode(tensors: tensors, metadata: forward)
        let second = try Safetensors.encode(tensors: tensors.reversed(), metadata: backward)
        XCTAssertEqual(first, second)
        XCTAssertEqual(try Safetensors.encode(tensors: tensors, metadata: forward), first)

        let headerLength = first.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        XCTAssertEqual(headerLength % 8, 0, "the header is padded to a multiple of 8 bytes")
        let header = String(decoding: first[8..<(8 + headerLength)], as: UTF8.self)
        let padding = header.reversed().prefix { $0 == " " }.count
        XCTAssertLessThan(padding, 8)
        XCTAssertTrue(header.dropLast(padding).hasSuffix("}"))
    }

    func testLayoutMatchesTheReferenceWriter() throws {
        // Widest dtype first, then by name; the header lists __metadata__ first, then tensors by offset.
        let bytes = try Safetensors.encode(
            tensors: [
                SafetensorsTensor(name: "b", float32: [1]),
                SafetensorsTensor(name: "a", float32: [2, 3]),
                SafetensorsTensor(name: "p", int64: [7]),
            ],
            metadata: ["format": "pt"])
        let headerLength = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertEqual(
            header,
            #"{"__metadata__":{"format":"pt"},"p":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"#
                + #""a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"#
                + #""b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}      "#)
    }

    func testHandWrittenFileFromTheSpecDecodes() throws {
        // The reference implementation's documentation example: a 2×2 I32 tensor of zeros.
        let header = #"{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}"#
        XCTAssertEqual(header.utf8.count, 0x3C)
        let bytes: [UInt8] = [0x3C, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + [UInt8](repeating: 0, count: 16)
        let file = try Safetensors.decode(bytes)
        XCTAssertEqual(file.tensors, ["test": SafetensorsTensorInfo(dtype: .int32, shape: [2, 2], byteRange: 68..<84)])
        XCTAssertEqual(file.metadata, [:])

        // Whitespace and any key order are allowed, as are scalars (shape []).
        let spaced = safetensorsFile(
            header: #"{ "s" : { "shape" : [ ], "data_offsets" : [ 0 , 8 ], "dtype" : "F64" } ,"#
                + #" "__metadata__" : { "k" : "v" } }    "#, dataByteCount: 8)
        let scalar = try Safetensors.decode(spaced)
        XCTAssertEqual(try scalar.info("s").shape, [])
        XCTAssertEqual(scalar.metadata, ["k": "v"])
    }

    func testFileWrittenByTheReferenceImplementationDecodes() throws {
        // Written by Python's safetensors.numpy.save_file (see Tests/SafetensorsCorpus/README.md).
        let bytes = try [UInt8](Data(contentsOf: safetensorsCorpusFolder.appendingPathComponent(
            "reference-numpy.safetensors")))
        let file = try Safetensors.decode(bytes)
        XCTAssertEqual(file.metadata, ["format": "np", "written_by": "safetensors.numpy"])
        XCTAssertEqual(try file.tensor("weights"), Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]))
        XCTAssertEqual(try file.int64("steps"), [1, -2, 3])
        XCTAssertEqual(try file.info("flags").dtype, .uint8)
        XCTAssertEqual(Array(try file.data("flags")), [1, 0, 1, 1])
        XCTAssertEqual(try file.info("scalar").shape, [])
        XCTAssertEqual(try file.info("scalar").dtype, .float64)
        XCTAssertEqual(try file.info("nothing").shape, [0, 4])

        // Our writer lays the same content out byte for byte as the reference did.
        let tensors = try file.names.map { name in
            let info = try file.info(name)
            return try SafetensorsTensor(name: name, dtype: info.dtype, shape: info.shape, bytes: Array(try file.data(name)))
        }
        XCTAssertEqual(try Safetensors.encode(tensors: tensors, metadata: file.metadata), bytes)
    }

    // MARK: Hostile files

    func assertThrows(_ bytes: [UInt8], _ expected: SafetensorsError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Safetensors.decode(bytes), file: file, line: line) { error in
            XCTAssertEqual(error as? SafetensorsError, expected, file: file, line: line)
        }
    }

    func assertThrows(
        _ bytes: [UInt8], matching check: @escaping (SafetensorsError) -> Bool, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try Safetensors.decode(bytes), file: file, line: line) { error in
            guard let error = error as? SafetensorsError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertTrue(check(error), "unexpected \(error)", file: file, line: line)
            XCTAssertFalse(error.description.isEmpty)
        }
    }

    func testHeaderLengthProblemsThrow() {
        assertThrows([1, 2, 3], .fileTooSmall(byteCount: 3))
        assertThrows(safetensorsFile(header: "{}", claimedHeaderLength: 100_000_001),
                     .headerTooLarge(claimed: 100_000_001, limit: 100_000_000))
        assertThrows(safetensorsFile(header: "{}", claimedHeaderLength: .max),
                     .headerTooLarge(claimed: .max, limit: 100_000_000))
        assertThrows(safetensorsFile(header: "{}", claimedHeaderLength: 3), .headerBeyondFile(claimed: 3, available: 2))
        assertThrows(safetensorsFile(header: "", dataByteCount: 0), .headerNotAnObject)
        assertThrows(safetensorsFile(header: "[1, 2]"), .headerNotAnObject)
        assertThrows(safetensorsFile(header: " {}"), .headerNotAnObject)
    }

    func testEmptyHeaderObjectIsAnEmptyFile() throws {
        let file = try Safetensors.decode(safetensorsFile(header: "{}      "))
        XCTAssertEqual(file.tensors, [:])
        XCTAssertEqual(try Safetensors.encode(tensors: []), safetensorsFile(header: "{}      "))
    }

    func testInvalidJSONThrows() {
        let invalid: (SafetensorsError) -> Bool = { if case .invalidHeaderJSON = $0 { true } else { false } }
        assertThrows(safetensorsFile(header: #"{"a":"#), matching: invalid)
        assertThrows(safetensorsFile(header: #"{"a":{}} trailing"#), matching: invalid)
        var notUTF8 = safetensorsFile(header: #"{"ab":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#, dataByteCount: 4)
        notUTF8[10] = 0xC3
        notUTF8[11] = 0x28
        assertThrows(notUTF8, matching: invalid)
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        assertThrows(safetensorsFile(header: deep), matching: { _ in true })
    }

    func testMalformedEntriesThrow() {
        func entryError(_ tensor: String) -> (SafetensorsError) -> Bool {
            { if case .invalidEntry(tensor, _) = $0 { true } else { false } }
        }
        assertThrows(safetensorsFile(header: #"{"a":5}"#), matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"a":{"shape":[],"data_offsets":[0,0]}}"#), matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#),
                     matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#),
                     matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[1e30],"data_offsets":[0,8]}}"#),
                     matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}}"#),
                     matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,8]}}"#),
                     matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}"#, dataByteCount: 8),
                     matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[-4,0]}}"#),
                     matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":3,"shape":[0],"data_offsets":[0,0]}}"#),
                     matching: entryError("a"))
        assertThrows(safetensorsFile(header: #"{"__metadata__":{"k":1}}"#),
                     matching: { if case .invalidMetadata = $0 { true } else { false } })
        assertThrows(safetensorsFile(header: #"{"__metadata__":["k"]}"#),
                     matching: { if case .invalidMetadata = $0 { true } else { false } })
    }

    func testInconsistentNumbersThrow() {
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}"#, dataByteCount: 16),
                     .unknownDType(tensor: "a", dtype: "F128"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[-1,-4],"data_offsets":[0,16]}}"#, dataByteCount: 16),
                     matching: { if case .invalidShape("a", [-1, -4], _) = $0 { true } else { false } })
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#,
                                     dataByteCount: 4),
                     .shapeOverflow(tensor: "a", shape: [4_294_967_296, 4_294_967_296]))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}}"#,
                                     dataByteCount: 4),
                     .shapeOverflow(tensor: "a", shape: [4_611_686_018_427_387_904]))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, dataByteCount: 4),
                     .sizeMismatch(tensor: "a", dtype: .float32, shape: [2], expectedByteCount: 8, actualByteCount: 4))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, dataByteCount: 8),
                     .offsetsReversed(tensor: "a", begin: 8, end: 4))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, dataByteCount: 8),
                     .offsetsOutOfBounds(tensor: "a", begin: 0, end: 16, dataByteCount: 8))
        assertThrows(safetensorsFile(
            header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775800,9223372036854775804]}}"#,
            dataByteCount: 4),
                     .offsetsOutOfBounds(tensor: "a", begin: 9_223_372_036_854_775_800,
                                         end: 9_223_372_036_854_775_804, dataByteCount: 4))
    }

    func testLayoutProblemsThrow() {
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
                                     + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataByteCount: 12),
                     .overlappingTensors("a", "b"))
        assertThrows(safetensorsFile(header: #"{"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
                                     + #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataByteCount: 8),
                     .overlappingTensors("a", "b"))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
                                     + #""b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, dataByteCount: 12),
                     .uncoveredData(offset: 4, byteCount: 4))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, dataByteCount: 8),
                     .uncoveredData(offset: 0, byteCount: 4))
        assertThrows(safetensorsFile(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataByteCount: 8),
                     .uncoveredData(offset: 4, byteCount: 4))
        assertThrows(safetensorsFile(header: "{}", dataByteCount: 3), .uncoveredData(offset: 0, byteCount: 3))
    }

    func testAccessorsAndWriterRejectMisuse() throws {
        let file = try Safetensors.decode(try Safetensors.encode(tensors: try SafetensorsSamples.tensors()))
        XCTAssertThrowsError(try file.float32("counts")) { error in
            XCTAssertEqual(error as? SafetensorsError, .wrongDType(tensor: "counts", expected: .float32, actual: .int64))
        }
        XCTAssertThrowsError(try file.float32("missing")) { error in
            XCTAssertEqual(error as? SafetensorsError, .tensorNotFound("missing"))
        }
        XCTAssertThrowsError(try Safetensors.encode(tensors: [SafetensorsTensor(name: "x", float32: [1]),
                                                              SafetensorsTensor(name: "x", float32: [2])])) { error in
            XCTAssertEqual(error as? SafetensorsError, .duplicateName("x"))
        }
        XCTAssertThrowsError(try Safetensors.encode(tensors: [SafetensorsTensor(name: "__metadata__", float32: [])])) {
            XCTAssertEqual($0 as? SafetensorsError, .reservedName)
        }
        XCTAssertThrowsError(try SafetensorsTensor(name: "x", dtype: .float32, shape: [3], bytes: [0, 0, 0, 0])) {
            XCTAssertEqual($0 as? SafetensorsError,
                           .sizeMismatch(tensor: "x", dtype: .float32, shape: [3], expectedByteCount: 12, actualByteCount: 4))
        }
    }

    // MARK: Checkpoints

    /// Saving after 3 steps and resuming for 2 must give exactly the network 5 straight steps give.
    func assertResumesBitIdentically(_ optimizer: any Optimizer, slotTensors: [String],
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let trainer = SafetensorsSamples.trainedTrainer(optimizer, steps: 3)
        let checkpoint = try Checkpoint(network: trainer.network, optimizer: trainer.optimizer,
                                        batchOrder: SafetensorsSamples.batchOrder(), notebookCodeSHA256: String(repeating: "ab", count: 32))
        let bytes = try checkpoint.encode()
        XCTAssertEqual(try checkpoint.encode(), bytes, "same checkpoint, same bytes", file: file, line: line)

        let decoded = try Checkpoint.decode(bytes)
        XCTAssertEqual(decoded, checkpoint, file: file, line: line)
        XCTAssertEqual(try decoded.encode(), bytes, file: file, line: line)
        XCTAssertEqual(decoded.globalStep, 3, file: file, line: line)

        let names = try Safetensors.decode(bytes).names
        for parameter in ["Layer1/weights", "Layer1/biases", "Layer2/weights", "Layer2/biases"] {
            XCTAssertTrue(names.contains(parameter), file: file, line: line)
            for suffix in slotTensors {
                XCTAssertTrue(names.contains(parameter + "/" + suffix), "\(parameter)/\(suffix)", file: file, line: line)
            }
        }

        var fresh = SeededGenerator(seed: 99)
        let blank = Network(inputSize: 5, layers: [LayerSpec(units: 4, activation: .relu),
                                                   LayerSpec(units: 3, activation: .none)],
                            initializer: .glorot, l2: 0.001, generator: &fresh)
        let resumed = Trainer(network: try decoded.restore(into: blank), optimizer: decoded.optimizer.makeOptimizer(),
                              batchSize: 6)
        SafetensorsSamples.train(resumed, steps: 2, seed: 1)
        SafetensorsSamples.train(trainer, steps: 2, seed: 1)
        XCTAssertEqual(resumed.network, trainer.network, file: file, line: line)
        XCTAssertEqual(resumed.optimizer.slotState, trainer.optimizer.slotState, file: file, line: line)
        XCTAssertEqual(resumed.optimizer.step, 5, file: file, line: line)
    }

    func testCheckpointWithMomentumResumesBitIdentically() throws {
        try assertResumesBitIdentically(Momentum(learningRate: 0.1, momentum: 0.9), slotTensors: ["velocity"])
    }

    func testCheckpointWithAdamResumesBitIdentically() throws {
        try assertResumesBitIdentically(Adam(learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-7),
                                        slotTensors: ["adam_m", "adam_v"])
    }

    func testCheckpointWithSGDResumesBitIdentically() throws {
        try assertResumesBitIdentically(SGD(learningRate: 0.3), slotTensors: [])
    }

    func testCheckpointMetadataIsReadable() throws {
        let trainer = SafetensorsSamples.trainedTrainer(Adam(learningRate: 0.001), steps: 2)
        let checkpoint = try Checkpoint(network: trainer.network, optimizer: trainer.optimizer,
                                        batchOrder: SafetensorsSamples.batchOrder(), notebookCodeSHA256: "feed")
        let file = try Safetensors.decode(try checkpoint.encode())
        XCTAssertEqual(file.metadata["format"], "labbook-checkpoint-1")
        XCTAssertEqual(file.metadata["global_step"], "2")
        XCTAssertEqual(file.metadata["layers"],
                       #"[{"activation":"relu","kind":"dense","units":4},{"activation":"none","kind":"dense","units":3}]"#)
        XCTAssertEqual(file.metadata["input_shape"], "[5]")
        XCTAssertEqual(file.metadata["optimizer"],
                       #"{"kind":"adam","learning_rate":0.001,"beta1":0.9,"beta2":0.999,"epsilon":1e-08}"#)
        XCTAssertEqual(file.metadata["l2_regularization"], "0.001")
        XCTAssertEqual(file.metadata["notebook_code_sha256"], "feed")
        XCTAssertEqual(file.metadata["batch_order.position"], "6")
        XCTAssertEqual(file.metadata["batch_order.epoch"], "2")
        XCTAssertEqual(try file.int64("batch_order/permutation").map { Int($0) }, SafetensorsSamples.batchOrder().permutation)
        XCTAssertEqual(try file.info("Layer1/weights").shape, [5, 4])
        XCTAssertEqual(try file.info("Layer2/weights/adam_v").shape, [4, 3])
    }

    func testCheckpointBeforeTheFirstStepHasNoSlotTensors() throws {
        let trainer = SafetensorsSamples.trainedTrainer(Momentum(learningRate: 0.1), steps: 0)
        let checkpoint = try Checkpoint(network: trainer.network, optimizer: trainer.optimizer)
        let bytes = try checkpoint.encode()
        XCTAssertEqual(try Safetensors.decode(bytes).names.count, 4)
        let decoded = try Checkpoint.decode(bytes)
        XCTAssertEqual(decoded, checkpoint)
        XCTAssertNil(decoded.batchOrder)
        XCTAssertNil(decoded.notebookCodeSHA256)
        XCTAssertEqual(decoded.optimizer.slotState, ["velocity": []])
    }

    func testInconsistentCheckpointsAreRefused() throws {
        let trainer = SafetensorsSamples.trainedTrainer(Momentum(learningRate: 0.1), steps: 1)
        var state = try Checkpoint.OptimizerState(trainer.optimizer)
        state.slotState["velocity"]?[2].removeLast()
        XCTAssertThrowsError(try Checkpoint(network: trainer.network, optimizer: state)) { error in
            XCTAssertEqual(String(describing: error),
                           "checkpoint: the optimizer's velocity state for Layer2/weights has 11 values, the parameter 12")
        }
        var order = SafetensorsSamples.batchOrder()
        order.permutation[0] = order.permutation[1]
        XCTAssertThrowsError(try Checkpoint(network: trainer.network, optimizer: trainer.optimizer, batchOrder: order))
        order = SafetensorsSamples.batchOrder()
        order.generatorState = [0, 0, 0, 0]
        XCTAssertThrowsError(try Checkpoint(network: trainer.network, optimizer: trainer.optimizer, batchOrder: order))

        struct Custom: Optimizer {
            var step = 0
            var learningRate: Float = 1
            mutating func withUpdate<Result>(slot: Int, count: Int, _ body: (SGD.Update) throws -> Result) rethrows -> Result {
                try body(SGD.Update(learningRate: 0))
            }
            var slotState: [String: [[Float]]] { get { [:] } set {} }
            var description: String { "custom" }
        }
        XCTAssertThrowsError(try Checkpoint(network: trainer.network, optimizer: Custom()))
    }

    func testForeignOrDamagedCheckpointsThrow() throws {
        let trainer = SafetensorsSamples.trainedTrainer(Momentum(learningRate: 0.1), steps: 1)
        let checkpoint = try Checkpoint(network: trainer.network, optimizer: trainer.optimizer, batchOrder: SafetensorsSamples.batchOrder())
        let file = try Safetensors.decode(try checkpoint.encode())
        func rewritten(dropping dropped: String? = nil, metadata changes: [String: String?] = [:],
                       adding extra: SafetensorsTensor? = nil) throws -> [UInt8] {
            var tensors = try file.names.filter { $0 != dropped }.map { name in
                let info = try file.info(name)
                return try SafetensorsTensor(name: name, dtype: info.dtype, shape: info.shape,
                                             bytes: Array(try file.data(name)))
            }
            if let extra { tensors.append(extra) }
            var metadata = file.metadata
            for (key, value) in changes { metadata[key] = value }
            return try Safetensors.encode(tensors: tensors, metadata: metadata)
        }
        func assertContentError(_ bytes: [UInt8], _ message: String, line: UInt = #line) {
            XCTAssertThrowsError(try Checkpoint.decode(bytes), line: line) { error in
                XCTAssertEqual(error as? CheckpointError, .invalidContent(message), line: line)
            }
        }
        assertContentError(try rewritten(metadata: ["format": "pt"]),
                           "format is 'pt'; this LabBook reads 'labbook-checkpoint-1'")
        assertContentError(try rewritten(metadata: ["format": nil]), "metadata 'format' is missing")
        assertContentError(try rewritten(dropping: "Layer2/biases"), "tensor 'Layer2/biases' is missing")
        assertContentError(try rewritten(dropping: "Layer1/biases/velocity"),
                           "tensor 'Layer1/biases/velocity' is missing while 'Layer1/weights/velocity' is there")
        assertContentError(try rewritten(adding: SafetensorsTensor(name: "Layer3/weights", float32: [1])),
                           "unexpected tensor 'Layer3/weights'")
        assertContentError(try rewritten(metadata: ["layers": #"[{"units":4,"activation":"relu"},{"units":5,"activation":"none"}]"#]),
                           "tensor 'Layer2/weights' is F32 [4, 3], expected F32 [4, 5]")
        assertContentError(try rewritten(metadata: ["layers": #"[{"units":4,"activation":"swish"}]"#]),
                           #"metadata 'layers' is not valid: [{"units":4,"activation":"swish"}]"#)
        assertContentError(try rewritten(metadata: ["global_step": "-3"]),
                           "metadata 'global_step' is '-3', not a non-negative integer")
        assertContentError(try rewritten(metadata: ["optimizer": #"{"kind":"momentum","learning_rate":0.1}"#]),
                           "metadata 'optimizer' lacks momentum for momentum")
        assertContentError(try rewritten(metadata: ["batch_order.generator_state": "1,2,3"]),
                           "metadata 'batch_order.generator_state' is '1,2,3', not four comma-separated integers")
        assertContentError(try rewritten(metadata: ["batch_order.position": "11"]),
                           "the batch order's position 11 or epoch 2 is out of range for 10 examples")
        XCTAssertThrowsError(try Checkpoint.decode([0, 1, 2])) { error in
            XCTAssertEqual(error as? CheckpointError, .file(.fileTooSmall(byteCount: 3)))
        }
    }

    func testRestoreReportsEveryMismatchNamingBothSides() throws {
        let checkpoint = try Checkpoint(network: SafetensorsSamples.trainedTrainer(SGD(learningRate: 0.1), steps: 1).network,
                                        optimizer: SGD(learningRate: 0.1))
        var generator = SeededGenerator(seed: 5)
        let wider = Network(inputSize: 5, layers: [LayerSpec(units: 6, activation: .tanh),
                                                   LayerSpec(units: 3, activation: .none),
                                                   LayerSpec(units: 2, activation: .none)],
                            initializer: .he, l2: 0, generator: &generator)
        XCTAssertThrowsError(try checkpoint.restore(into: wider)) { error in
            XCTAssertEqual(error as? CheckpointError, .mismatch([
                "checkpoint has Layer1/weights [5, 4] but the network has [5, 6]",
                "checkpoint has Layer1/biases [4] but the network has [6]",
                "checkpoint has Layer2/weights [4, 3] but the network has [6, 3]",
                "the network has Layer3/weights [3, 2] but the checkpoint has no Layer3/weights",
                "the network has Layer3/biases [2] but the checkpoint has no Layer3/biases",
                "checkpoint has Layer1 activation relu but the network has tanh",
            ]))
        }
        let shallow = Network(inputSize: 5, layers: [LayerSpec(units: 4, activation: .relu)],
                              initializer: .he, l2: 0, generator: &generator)
        XCTAssertThrowsError(try checkpoint.restore(into: shallow)) { error in
            XCTAssertEqual(error as? CheckpointError, .mismatch([
                "checkpoint has Layer2/weights [4, 3] but the network has no Layer2/weights",
                "checkpoint has Layer2/biases [3] but the network has no Layer2/biases",
            ]))
            XCTAssertTrue(String(describing: error).hasPrefix("checkpoint does not fit the network: checkpoint has"))
        }

        let matching = Network(inputSize: 5, layers: [LayerSpec(units: 4, activation: .relu),
                                                      LayerSpec(units: 3, activation: .none)],
                               initializer: .glorot, l2: 0.5, generator: &generator)
        let restored = try checkpoint.restore(into: matching)
        XCTAssertEqual(restored.layers.map(\.parameters), checkpoint.network.layers.map(\.parameters))
        XCTAssertEqual(restored.specs, checkpoint.network.specs)
        XCTAssertEqual(restored.l2.strength, 0.5, "the target keeps its own L2 strength")
    }

    /// The description of the data a checkpoint may carry for `labbook predict` round-trips bit for
    /// bit, and checkpoints without one (those before LabBook 0.7.0, the cache's own) still decode.
    func testCheckpointInputRoundTripsAndIsOptional() throws {
        let trainer = SafetensorsSamples.trainedTrainer(Momentum(learningRate: 0.1), steps: 2)
        let input = CheckpointInput(json: #"{"class_names":["a","b","c"]}"#, offset: [0.5, -1, 2, 0, 3e-7],
                                    multiplier: [1, 0.25, 1e6, 1, 0.5])
        let checkpoint = try Checkpoint(network: trainer.network, optimizer: trainer.optimizer,
                                        batchOrder: SafetensorsSamples.batchOrder(), input: input)
        let bytes = try checkpoint.encode()
        let decoded = try Checkpoint.decode(bytes)
        XCTAssertEqual(decoded.input, input)
        XCTAssertEqual(decoded, checkpoint)
        XCTAssertEqual(try decoded.encode(), bytes, "same checkpoint, same bytes")
        let file = try Safetensors.decode(bytes)
        XCTAssertEqual(file.metadata["input"], input.json)
        XCTAssertEqual(try file.float32("Input/offset"), input.offset)
        XCTAssertEqual(try file.float32("Input/multiplier"), input.multiplier)
        XCTAssertEqual(try file.info("Input/offset").shape, [5])

        let without = try Checkpoint(network: trainer.network, optimizer: trainer.optimizer)
        let withoutBytes = try without.encode()
        XCTAssertNil(try Checkpoint.decode(withoutBytes).input)
        XCTAssertNil(try Safetensors.decode(withoutBytes).metadata["input"])
        XCTAssertFalse(try Safetensors.decode(withoutBytes).names.contains { $0.hasPrefix("Input/") })
        // The same network restores from either.
        XCTAssertEqual(try Checkpoint.decode(bytes).restore(into: trainer.network), trainer.network)

        // The parts come together, and fit the network.
        XCTAssertThrowsError(try Checkpoint(network: trainer.network, optimizer: trainer.optimizer,
                                            input: CheckpointInput(json: "{}", offset: [0, 0], multiplier: [1, 1]))) { error in
            XCTAssertEqual(error as? CheckpointError, .invalidContent(
                "the input normalization has 2 offsets and 2 multipliers for a network of 5 inputs"))
        }
        func rewritten(dropping dropped: String? = nil, metadata changes: [String: String?] = [:]) throws -> [UInt8] {
            let tensors = try file.names.filter { $0 != dropped }.map { name in
                let info = try file.info(name)
                return try SafetensorsTensor(name: name, dtype: info.dtype, shape: info.shape, bytes: Array(try file.data(name)))
            }
            var metadata = file.metadata
            for (key, value) in changes { metadata[key] = value }
            return try Safetensors.encode(tensors: tensors, metadata: metadata)
        }
        for (bytes, message) in [
            (try rewritten(metadata: ["input": nil]), "metadata 'input' is missing"),
            (try rewritten(dropping: "Input/multiplier"), "tensor 'Input/multiplier' is missing"),
        ] {
            XCTAssertThrowsError(try Checkpoint.decode(bytes)) { error in
                XCTAssertEqual(error as? CheckpointError, .invalidContent(message))
            }
        }
    }

    // MARK: Interop samples
}
