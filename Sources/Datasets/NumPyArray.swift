/// One array read from NumPy's .npy format (`np.save`), in C order: the last dimension varies fastest.
///
/// The format: the magic `\x93NUMPY`, a major and a minor version byte, the header's length (a
/// little-endian UInt16 in version 1.0, UInt32 in 2.0 and 3.0), the header (see `NumPyHeader`), then
/// the values.
public struct NumPyArray: Sendable, Equatable {
    /// The values, in the type the file stores them in.
    public enum Values: Sendable, Equatable {
        case bool([Bool])
        case uint8([UInt8])
        case int8([Int8])
        case int32([Int32])
        case int64([Int64])
        case float32([Float])
        case float64([Double])

        public var count: Int {
            switch self {
            case .bool(let values): values.count
            case .uint8(let values): values.count
            case .int8(let values): values.count
            case .int32(let values): values.count
            case .int64(let values): values.count
            case .float32(let values): values.count
            case .float64(let values): values.count
            }
        }
    }

    public var shape: [Int]
    public var values: Values
    /// Where the values start in the file (or archive member) the array was read from, so that an
    /// error about one value can give its byte offset.
    public var dataOffset: Int

    public init(shape: [Int], values: Values, dataOffset: Int = 0) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
        self.dataOffset = dataOffset
    }

    public var dtype: NumPyDType {
        switch values {
        case .bool: .bool
        case .uint8: .uint8
        case .int8: .int8
        case .int32: .int32
        case .int64: .int64
        case .float32: .float32
        case .float64: .float64
        }
    }

    /// The shape as NumPy prints it: `(60000, 28, 28)`, `(10,)`.
    public var shapeDescription: String { Self.describe(shape) }

    static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    public static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// NumPy's own bound (`max_header_size` in `np.load`): longer headers come only with structured
    /// types, which LabBook does not read, and NumPy refuses them as unsafe to parse.
    public static let maximumHeaderLength = 10_000

    /// Reads the .npy file at `path`.
    public static func read(contentsOf path: String) throws -> NumPyArray {
        try parse(readFile(path), location: ArrayLocation(path: path, member: nil))
    }

    /// Parses a whole .npy file's `bytes`; errors name `path`.
    public static func parse(_ bytes: [UInt8], path: String) throws -> NumPyArray {
        try parse(bytes, location: ArrayLocation(path: path, member: nil))
    }

    static func parse(_ bytes: [UInt8], location: ArrayLocation) throws -> NumPyArray {
        guard bytes.starts(with: magic) else {
            throw location.error(notNumPyMessage(bytes), offset: 0)
        }
        guard bytes.count >= 10 else {
            throw location.error("the file ends inside the .npy preamble (\(bytes.count) bytes)", offset: bytes.count)
        }
        let (major, minor) = (bytes[6], bytes[7])
        let lengthSize: Int
        switch (major, minor) {
        case (1, 0): lengthSize = 2
        case (2, 0), (3, 0): lengthSize = 4
        default:
            throw location.error(".npy format version \(major).\(minor) is not supported; LabBook reads "
                                 + "1.0, 2.0 and 3.0", offset: 6)
        }
        let headerStart = 8 + lengthSize
        guard bytes.count >= headerStart else {
            throw location.error("the file ends inside the header length", offset: bytes.count)
        }
        let headerLength = bytes[8..<headerStart].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard headerLength <= maximumHeaderLength else {
            throw location.error("the header claims \(headerLength) bytes, more than the \(maximumHeaderLength) "
                                 + "that NumPy itself reads", offset: 8)
        }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else {
            throw location.error("the file ends after \(bytes.count - headerStart) of the header's "
                                 + "\(headerLength) bytes", offset: bytes.count)
        }
        let header = try NumPyHeader.parse(bytes[headerStart..<dataStart], offset: headerStart, utf8: major == 3,
                                           location: location)
        let dtype: NumPyDType
        do {
            dtype = try NumPyDType(descr: header.descr)
        } catch {
            throw location.error(error.message, offset: header.descrOffset)
        }
        guard !header.fortranOrder else {
            throw location.error("the array is in Fortran (column-major) order, which LabBook does not read; "
                                 + "save it with np.save(path, np.ascontiguousarray(x))", offset: headerStart)
        }
        let shape = describe(header.shape)
        let count = try header.shape.reduce(1) { product, size in
            let (result, overflow) = product.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw location.error("shape \(shape) describes more values than can be counted", offset: headerStart)
            }
            return result
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        let available = bytes.count - dataStart
        guard !overflow, byteCount <= available else {
            throw location.error("the data end after \(available) bytes, but shape \(shape) of \(dtype) needs "
                                 + (overflow ? "more than can be counted" : "\(byteCount)") + ": the file is truncated "
                                 + "or its header is wrong", offset: bytes.count)
        }
        guard byteCount == available else {
            throw location.error("\(available - byteCount) bytes follow the \(byteCount) bytes of data that shape "
                                 + "\(shape) of \(dtype) describes", offset: dataStart + byteCount)
        }
        let values = try decode(bytes, from: dataStart, count: count, as: dtype, location: location)
        return NumPyArray(shape: header.shape, values: values, dataOffset: dataStart)
    }

    /// What a file that lacks the magic is, for the error: an .npz archive is the likely mix-up.
    static func notNumPyMessage(_ bytes: [UInt8]) -> String {
        if bytes.starts(with: ZipArchive.localHeaderSignature) {
            return "not an .npy file: it is a zip archive (an .npz file holding several arrays?)"
        }
        let start = bytes.prefix(6).map { byte in
            (0x20...0x7e).contains(byte) ? String(Character(Unicode.Scalar(byte))) : "\\x" + hex(byte)
        }.joined()
        return "not an .npy file: it starts with '\(start)', not NumPy's '\\x93NUMPY'"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return (digits.count < 2 ? "0" : "") + digits
    }

    private static func decode(
        _ bytes: [UInt8], from start: Int, count: Int, as dtype: NumPyDType, location: ArrayLocation
    ) throws -> Values {
        switch dtype {
        case .uint8:
            return .uint8(Array(bytes[start..<(start + count)]))
        case .int8:
            return .int8(bytes[start..<(start + count)].map { Int8(bitPattern: $0) })
        case .bool:
            // NumPy writes booleans as 0 and 1 only; any other byte means a damaged file.
            if let index = bytes[start..<(start + count)].firstIndex(where: { $0 > 1 }) {
                throw location.error("boolean value \(index - start) is the byte \(bytes[index]), not 0 or 1",
                                     offset: index)
            }
            return .bool(bytes[start..<(start + count)].map { $0 == 1 })
        case .int32:
            return .int32(littleEndian(bytes, from: start, count: count) { (raw: UInt32) in Int32(bitPattern: raw) })
        case .int64:
            return .int64(littleEndian(bytes, from: start, count: count) { (raw: UInt64) in Int64(bitPattern: raw) })
        case .float32:
            return .float32(littleEndian(bytes, from: start, count: count) { (raw: UInt32) in Float(bitPattern: raw) })
        case .float64:
            return .float64(littleEndian(bytes, from: start, count: count) { (raw: UInt64) in Double(bitPattern: raw) })
        }
    }

    /// `count` little-endian `Raw` values from `start`, each made into a `Value`.
    private static func littleEndian<Raw: FixedWidthInteger, Value>(
        _ bytes: [UInt8], from start: Int, count: Int, _ make: (Raw) -> Value
    ) -> [Value] {
        bytes.withUnsafeBytes { source in
            [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
                for index in 0..<count {
                    let raw = source.loadUnaligned(fromByteOffset: start + index * MemoryLayout<Raw>.size, as: Raw.self)
                    (buffer.baseAddress! + index).initialize(to: make(Raw(littleEndian: raw)))
                }
                initialized = count
            }
        }
    }
}

/// Where an array was read from, as errors name it: a .npy file, or a member of an .npz archive, whose
/// errors name the archive as their path and the member in their message, with offsets in the
/// member's uncompressed bytes.
struct ArrayLocation {
    var path: String
    var member: String?

    /// The array's name for messages: the member's name, or the file's.
    var name: String { member ?? path.split(separator: "/").last.map(String.init) ?? path }

    func error(_ message: String, offset: Int? = nil) -> DatasetError {
        DatasetError(path: path, member.map { "\($0): \(message)" } ?? message, offset: offset)
    }
}
