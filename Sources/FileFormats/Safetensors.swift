import Foundation
import NeuralNet

/// Reads and writes the safetensors format (huggingface/safetensors), which NumPy, PyTorch and JAX
/// load without running code from the file, unlike pickle.
///
/// A file is an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON (an object mapping
/// each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`, plus an optional
/// `"__metadata__"` object of strings), padded with spaces to a multiple of 8 bytes, then the tensors'
/// little-endian bytes. Offsets count from the first byte after the header.
///
/// The reader treats every file as hostile: each number in the header is checked (with overflow checks)
/// before it is used, and nothing is allocated by the size a file claims, only by the size it has.
public enum Safetensors {
    /// The largest header accepted, as in the reference implementation: real headers are kilobytes,
    /// and a larger claim is a corrupt or hostile file.
    public static let maximumHeaderByteCount = 100_000_000

    /// The key of the optional string-to-string metadata object in the header.
    public static let metadataKey = "__metadata__"

    // MARK: Writing

    /// The bytes of a safetensors file holding `tensors` and `metadata`.
    ///
    /// The layout is deterministic, so the same content always gives the same bytes (checkpoints are
    /// hashed to prove reruns identical): tensors are laid out as the reference implementation lays them
    /// out (widest dtype first, then by name, so every tensor is aligned to its element size), the header
    /// lists `__metadata__` first with its keys sorted, then the tensors in layout order.
    public static func encode(tensors: [SafetensorsTensor], metadata: [String: String] = [:]) throws -> [UInt8] {
        var seen = Set<String>()
        for tensor in tensors {
            guard tensor.name != metadataKey else { throw SafetensorsError.reservedName }
            guard seen.insert(tensor.name).inserted else { throw SafetensorsError.duplicateName(tensor.name) }
        }
        let ordered = tensors.sorted { left, right in
            left.dtype.layoutRank != right.dtype.layoutRank
                ? left.dtype.layoutRank > right.dtype.layoutRank
                : left.name.utf8.lexicographicallyPrecedes(right.name.utf8)
        }

        var header = "{"
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { key in
                jsonString(key) + ":" + jsonString(metadata[key] ?? "")
            }
            entries.append(jsonString(metadataKey) + ":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in ordered {
            let end = offset + tensor.bytes.count
            entries.append(jsonString(tensor.name) + ":{\"dtype\":" + jsonString(tensor.dtype.rawValue)
                + ",\"shape\":[" + tensor.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += entries.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        headerBytes += Array(repeating: UInt8(ascii: " "), count: (8 - headerBytes.count % 8) % 8)

        var file: [UInt8] = []
        file.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { file += $0 }
        file += headerBytes
        for tensor in ordered { file += tensor.bytes }
        return file
    }

    /// `text` as a JSON string literal, escaped as serde_json (the reference writer) escapes it, so our
    /// headers match the reference byte for byte.
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    // MARK: Reading

    /// Parses and checks a whole safetensors file.
    ///
    /// Throws `SafetensorsError` naming the first problem: a header length beyond the file or the limit,
    /// a header that is not a JSON object of well-formed entries, an unknown dtype, a negative or
    /// non-integer dimension, a shape whose size overflows or disagrees with its byte range, a range
    /// outside the data or reversed, two tensors sharing bytes, or data bytes no tensor accounts for.
    public static func decode(_ bytes: [UInt8]) throws -> SafetensorsFile {
        guard bytes.count >= 8 else { throw SafetensorsError.fileTooSmall(byteCount: bytes.count) }
        var claimedHeaderLength: UInt64 = 0
        for index in (0..<8).reversed() { claimedHeaderLength = claimedHeaderLength << 8 | UInt64(bytes[index]) }
        guard claimedHeaderLength <= UInt64(maximumHeaderByteCount) else {
            throw SafetensorsError.headerTooLarge(claimed: claimedHeaderLength, limit: maximumHeaderByteCount)
        }
        guard claimedHeaderLength <= UInt64(bytes.count - 8) else {
            throw SafetensorsError.headerBeyondFile(claimed: claimedHeaderLength, available: bytes.count - 8)
        }
        let headerEnd = 8 + Int(claimedHeaderLength)
        guard headerEnd > 8, bytes[8] == UInt8(ascii: "{") else { throw SafetensorsError.headerNotAnObject }

        let header: RawHeader
        do {
            header = try JSONDecoder().decode(RawHeader.self, from: Data(bytes[8..<headerEnd]))
        } catch let error as SafetensorsError {
            throw error
        } catch let error as DecodingError {
            throw SafetensorsError.invalidHeaderJSON(describe(error))
        } catch {
            throw SafetensorsError.invalidHeaderJSON(String(describing: error))
        }

        let dataByteCount = bytes.count - headerEnd
        var tensors: [String: SafetensorsTensorInfo] = [:]
        for entry in header.entries {
            let info = try validate(entry, dataByteCount: dataByteCount)
            tensors[entry.name] = SafetensorsTensorInfo(
                dtype: info.dtype, shape: info.shape,
                byteRange: (headerEnd + info.offsets.lowerBound)..<(headerEnd + info.offsets.upperBound))
        }
        try checkLayout(tensors, dataStart: headerEnd, dataEnd: bytes.count)
        return SafetensorsFile(bytes: bytes, tensors: tensors, metadata: header.metadata)
    }

    /// Checks one header entry against its dtype, its shape and the size of the data section.
    private static func validate(
        _ entry: RawEntry, dataByteCount: Int
    ) throws -> (dtype: SafetensorsDType, shape: [Int], offsets: Range<Int>) {
        guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
            throw SafetensorsError.unknownDType(tensor: entry.name, dtype: entry.dtype)
        }
        if let negative = entry.shape.first(where: { $0 < 0 }) {
            throw SafetensorsError.invalidShape(tensor: entry.name, shape: entry.shape,
                                                reason: "dimension \(negative) is negative")
        }
        var elementCount = 1
        for dimension in entry.shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw SafetensorsError.shapeOverflow(tensor: entry.name, shape: entry.shape) }
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow else { throw SafetensorsError.shapeOverflow(tensor: entry.name, shape: entry.shape) }

        guard entry.dataOffsets.count == 2 else {
            throw SafetensorsError.invalidEntry(
                tensor: entry.name, reason: "data_offsets must be [begin, end], got \(entry.dataOffsets)")
        }
        let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
        guard begin >= 0, end >= 0 else {
            throw SafetensorsError.invalidEntry(
                tensor: entry.name, reason: "data_offsets \(entry.dataOffsets) must not be negative")
        }
        guard begin <= end else { throw SafetensorsError.offsetsReversed(tensor: entry.name, begin: begin, end: end) }
        guard end <= dataByteCount else {
            throw SafetensorsError.offsetsOutOfBounds(tensor: entry.name, begin: begin, end: end,
                                                      dataByteCount: dataByteCount)
        }
        guard end - begin == byteCount else {
            throw SafetensorsError.sizeMismatch(tensor: entry.name, dtype: dtype, shape: entry.shape,
                                                expectedByteCount: byteCount, actualByteCount: end - begin)
        }
        return (dtype, entry.shape, begin..<end)
    }

    /// Checks that the tensors tile the data section exactly: no two share a byte, and no byte between
    /// or after them is left over (the format allows no holes).
    private static func checkLayout(_ tensors: [String: SafetensorsTensorInfo], dataStart: Int, dataEnd: Int) throws {
        // By position, ties by name, so the error reported for a bad file is always the same one.
        let byPosition = tensors.sorted { left, right in
            let (a, b) = (left.value.byteRange, right.value.byteRange)
            if a.lowerBound != b.lowerBound { return a.lowerBound < b.lowerBound }
            if a.upperBound != b.upperBound { return a.upperBound < b.upperBound }
            return left.key.utf8.lexicographicallyPrecedes(right.key.utf8)
        }
        var cursor = dataStart
        var previous: String?
        for (name, info) in byPosition {
            if info.byteRange.lowerBound < cursor, let previous {
                throw SafetensorsError.overlappingTensors(previous, name)
            }
            if info.byteRange.lowerBound > cursor {
                throw SafetensorsError.uncoveredData(offset: cursor - dataStart,
                                                     byteCount: info.byteRange.lowerBound - cursor)
            }
            cursor = info.byteRange.upperBound
            previous = name
        }
        if cursor < dataEnd {
            throw SafetensorsError.uncoveredData(offset: cursor - dataStart, byteCount: dataEnd - cursor)
        }
    }

    /// A decoding error as one line naming where in the header it happened.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? "" : " at " + context.codingPath.map { key in
                key.intValue.map { "[\($0)]" } ?? key.stringValue
            }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return context.debugDescription + path(context)
        case .keyNotFound(let key, let context):
            return "missing field \"\(key.stringValue)\"" + path(context)
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey]
            return context.debugDescription + (underlying.map { " (\($0))" } ?? "") + path(context)
        @unknown default:
            return String(describing: error)
        }
    }
}

/// One tensor to write: its name, element type, shape and little-endian bytes.
public struct SafetensorsTensor: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    public let bytes: [UInt8]

    /// A tensor from raw bytes; the byte count must be the shape's element count times the dtype's size.
    public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw SafetensorsError.invalidShape(tensor: name, shape: shape, reason: "a dimension is negative")
        }
        var expected = dtype.byteCount
        for dimension in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw SafetensorsError.shapeOverflow(tensor: name, shape: shape) }
            expected = product
        }
        guard bytes.count == expected else {
            throw SafetensorsError.sizeMismatch(tensor: name, dtype: dtype, shape: shape,
                                                expectedByteCount: expected, actualByteCount: bytes.count)
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An `F32` tensor; `Tensor` guarantees the shape and scalar count agree.
    public init(name: String, tensor: Tensor) {
        self.init(name: name, shape: tensor.shape, float32: tensor.scalars)
    }

    /// An `F32` tensor of one dimension.
    public init(name: String, float32 values: [Float]) {
        self.init(name: name, shape: [values.count], float32: values)
    }

    /// An `I64` tensor of one dimension.
    public init(name: String, int64 values: [Int64]) {
        self.name = name
        dtype = .int64
        shape = [values.count]
        bytes = Self.littleEndianBytes(values)
    }

    private init(name: String, shape: [Int], float32 values: [Float]) {
        self.name = name
        dtype = .float32
        self.shape = shape
        bytes = Self.littleEndianBytes(values.map(\.bitPattern))
    }

    private static func littleEndianBytes<Word: FixedWidthInteger>(_ values: [Word]) -> [UInt8] {
        let size = MemoryLayout<Word>.size
        var bytes = [UInt8](repeating: 0, count: values.count * size)
        bytes.withUnsafeMutableBytes { raw in
            for (index, value) in values.enumerated() {
                raw.storeBytes(of: value.littleEndian, toByteOffset: index * size, as: Word.self)
            }
        }
        return bytes
    }
}

/// The element types of the safetensors format, in the reference implementation's order of increasing
/// alignment (its writer lays out wider types first).
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "U8"
    case int8 = "I8"
    case float8E5M2 = "F8_E5M2"
    case float8E4M3 = "F8_E4M3"
    case int16 = "I16"
    case uint16 = "U16"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int32 = "I32"
    case uint32 = "U32"
    case float32 = "F32"
    case float64 = "F64"
    case int64 = "I64"
    case uint64 = "U64"

    /// The size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: 1
        case .int16, .uint16, .float16, .bfloat16: 2
        case .int32, .uint32, .float32: 4
        case .float64, .int64, .uint64: 8
        }
    }

    /// Position in the reference implementation's dtype order, which its writer sorts by.
    var layoutRank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// Where one tensor lives in a decoded file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// The tensor's bytes within the whole file (header included), checked to lie inside it.
    public let byteRange: Range<Int>

    /// The number of elements, the product of the shape (checked not to overflow when decoded).
    public var elementCount: Int { byteRange.count / dtype.byteCount }
}

/// A decoded safetensors file: its bytes, the checked position of each tensor, and its metadata.
public struct SafetensorsFile: Sendable, Equatable {
    public let bytes: [UInt8]
    public let tensors: [String: SafetensorsTensorInfo]
    public let metadata: [String: String]

    /// The tensor names, sorted.
    public var names: [String] { tensors.keys.sorted() }

    /// The described tensor, or an error naming the missing one.
    public func info(_ name: String) throws -> SafetensorsTensorInfo {
        guard let info = tensors[name] else { throw SafetensorsError.tensorNotFound(name) }
        return info
    }

    /// The raw bytes of tensor `name`.
    public func data(_ name: String) throws -> ArraySlice<UInt8> {
        bytes[try info(name).byteRange]
    }

    /// The values of `F32` tensor `name`, in storage (row-major) order.
    public func float32(_ name: String) throws -> [Float] {
        try words(name, dtype: .float32, as: UInt32.self).map(Float.init(bitPattern:))
    }

    /// The values of `I64` tensor `name`, in storage order.
    public func int64(_ name: String) throws -> [Int64] {
        try words(name, dtype: .int64, as: Int64.self)
    }

    /// A `Tensor` from `F32` tensor `name`.
    public func tensor(_ name: String) throws -> Tensor {
        let info = try info(name)
        return Tensor(shape: info.shape, scalars: try float32(name))
    }

    /// The elements of tensor `name` as little-endian words of `dtype`'s size; the range was checked
    /// against the file when it was decoded, so every load is inside `bytes`.
    private func words<Word: FixedWidthInteger>(
        _ name: String, dtype: SafetensorsDType, as _: Word.Type
    ) throws -> [Word] {
        let info = try info(name)
        guard info.dtype == dtype else {
            throw SafetensorsError.wrongDType(tensor: name, expected: dtype, actual: info.dtype)
        }
        let size = MemoryLayout<Word>.size
        return bytes.withUnsafeBytes { file in
            (0..<info.elementCount).map { index in
                Word(littleEndian: file.loadUnaligned(fromByteOffset: info.byteRange.lowerBound + index * size,
                                                      as: Word.self))
            }
        }
    }
}

/// Why a safetensors file could not be read or written.
public enum SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    case fileTooSmall(byteCount: Int)
    case headerTooLarge(claimed: UInt64, limit: Int)
    case headerBeyondFile(claimed: UInt64, available: Int)
    case headerNotAnObject
    case invalidHeaderJSON(String)
    case invalidEntry(tensor: String, reason: String)
    case invalidMetadata(String)
    case unknownDType(tensor: String, dtype: String)
    case invalidShape(tensor: String, shape: [Int], reason: String)
    case shapeOverflow(tensor: String, shape: [Int])
    case sizeMismatch(tensor: String, dtype: SafetensorsDType, shape: [Int], expectedByteCount: Int, actualByteCount: Int)
    case offsetsReversed(tensor: String, begin: Int, end: Int)
    case offsetsOutOfBounds(tensor: String, begin: Int, end: Int, dataByteCount: Int)
    case overlappingTensors(String, String)
    case uncoveredData(offset: Int, byteCount: Int)
    case tensorNotFound(String)
    case wrongDType(tensor: String, expected: SafetensorsDType, actual: SafetensorsDType)
    case duplicateName(String)
    case reservedName

    public var description: String {
        switch self {
        case .fileTooSmall(let count):
            "safetensors file is \(count) bytes, too short for the 8-byte header length"
        case .headerTooLarge(let claimed, let limit):
            "safetensors header claims \(claimed) bytes, more than the \(limit)-byte limit"
        case .headerBeyondFile(let claimed, let available):
            "safetensors header claims \(claimed) bytes but only \(available) follow the length"
        case .headerNotAnObject:
            "safetensors header is not a JSON object (it must start with '{')"
        case .invalidHeaderJSON(let reason):
            "safetensors header is not valid: \(reason)"
        case .invalidEntry(let tensor, let reason):
            "safetensors tensor '\(tensor)': \(reason)"
        case .invalidMetadata(let reason):
            "safetensors __metadata__ is not valid: \(reason)"
        case .unknownDType(let tensor, let dtype):
            "safetensors tensor '\(tensor)' has unknown dtype '\(dtype)' (known: "
                + SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        case .invalidShape(let tensor, let shape, let reason):
            "safetensors tensor '\(tensor)' has invalid shape \(shape): \(reason)"
        case .shapeOverflow(let tensor, let shape):
            "safetensors tensor '\(tensor)' has shape \(shape) whose size overflows 64 bits"
        case .sizeMismatch(let tensor, let dtype, let shape, let expected, let actual):
            "safetensors tensor '\(tensor)' of \(dtype.rawValue) \(shape) needs \(expected) bytes "
                + "but its data has \(actual)"
        case .offsetsReversed(let tensor, let begin, let end):
            "safetensors tensor '\(tensor)' has data_offsets [\(begin), \(end)] that end before they begin"
        case .offsetsOutOfBounds(let tensor, let begin, let end, let count):
            "safetensors tensor '\(tensor)' has data_offsets [\(begin), \(end)] beyond the \(count) data bytes"
        case .overlappingTensors(let first, let second):
            "safetensors tensors '\(first)' and '\(second)' share bytes"
        case .uncoveredData(let offset, let count):
            "safetensors data has \(count) bytes at offset \(offset) that belong to no tensor"
        case .tensorNotFound(let name):
            "safetensors file has no tensor '\(name)'"
        case .wrongDType(let tensor, let expected, let actual):
            "safetensors tensor '\(tensor)' is \(actual.rawValue), expected \(expected.rawValue)"
        case .duplicateName(let name):
            "two tensors are named '\(name)'"
        case .reservedName:
            "a tensor may not be named '\(Safetensors.metadataKey)'"
        }
    }
}

// MARK: Header decoding

/// A header entry as written, before its numbers are checked.
private struct RawEntry {
    var name: String
    var dtype: String
    var shape: [Int]
    var dataOffsets: [Int]
}

/// The header object: tensor entries in any order, and the optional metadata.
private struct RawHeader: Decodable {
    var entries: [RawEntry] = []
    var metadata: [String: String] = [:]

    private enum EntryKey: String, CodingKey {
        case dtype
        case shape
        case dataOffsets = "data_offsets"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: HeaderKey.self)
        for key in container.allKeys {
            if key.stringValue == Safetensors.metadataKey {
                do {
                    metadata = try container.decode([String: String].self, forKey: key)
                } catch {
                    throw SafetensorsError.invalidMetadata("it must be an object whose values are all strings")
                }
                continue
            }
            let name = key.stringValue
            do {
                let fields = try container.nestedContainer(keyedBy: EntryKey.self, forKey: key)
                entries.append(RawEntry(
                    name: name,
                    dtype: try fields.decode(String.self, forKey: .dtype),
                    shape: try fields.decode([HeaderInteger].self, forKey: .shape).map(\.value),
                    dataOffsets: try fields.decode([HeaderInteger].self, forKey: .dataOffsets).map(\.value)))
            } catch let error as HeaderInteger.NotAnInteger {
                throw SafetensorsError.invalidEntry(tensor: name, reason: error.reason)
            } catch DecodingError.keyNotFound(let field, _) {
                throw SafetensorsError.invalidEntry(tensor: name, reason: "missing field \"\(field.stringValue)\"")
            } catch DecodingError.typeMismatch(_, let context) {
                let field = context.codingPath.dropFirst().first?.stringValue ?? "entry"
                throw SafetensorsError.invalidEntry(tensor: name, reason: "\(field) has the wrong type: "
                                                    + context.debugDescription)
            }
        }
        entries.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }
}

/// Any key of the header object (tensor names are free-form).
private struct HeaderKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// An integer in the header; anything else (a fraction, a number beyond 64 bits, a string) is an error
/// that says what was found, where a plain `Int` would only say the JSON is invalid.
private struct HeaderInteger: Decodable {
    struct NotAnInteger: Error { var reason: String }

    var value: Int

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self.value = value
        } else if let number = try? container.decode(Double.self) {
            throw NotAnInteger(reason: "\(number) in shape or data_offsets is not an integer that fits in 64 bits")
        } else {
            throw NotAnInteger(reason: "shape and data_offsets must hold integers only")
        }
    }
}
