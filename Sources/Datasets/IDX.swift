/// An IDX file's contents (the format MNIST ships in): its dimensions and its unsigned-byte values,
/// last dimension fastest.
public struct IDXArray: Sendable, Equatable {
    public var dimensions: [Int]
    public var values: [UInt8]

    public init(dimensions: [Int], values: [UInt8]) {
        self.dimensions = dimensions
        self.values = values
    }
}

/// Reads IDX files: two zero bytes, a type byte, a dimension-count byte, one big-endian UInt32 per
/// dimension, then the values.
public enum IDX {
    /// More than any IDX dataset holds; a header claiming more is damaged or hostile.
    public static let maximumValueCount = 1 << 31

    static let unsignedByteType: UInt8 = 0x08
    static let typeNames: [UInt8: String] = [
        0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "16-bit integer", 0x0C: "32-bit integer",
        0x0D: "32-bit float", 0x0E: "64-bit float",
    ]

    /// Reads the unsigned-byte IDX file at `path`, plain or gzip-compressed, which must have
    /// `dimensionCount` dimensions (1 for labels, 3 for images).
    public static func read(_ path: String, dimensionCount: Int) throws -> IDXArray {
        try read(from: openDataFile(path), dimensionCount: dimensionCount)
    }

    /// Reads an unsigned-byte IDX array with `dimensionCount` dimensions from `source`, which must end
    /// where the values do.
    public static func read(from source: any ByteSource, dimensionCount: Int) throws -> IDXArray {
        let path = source.path
        let header = try source.readExactly(4, of: "the IDX header")
        guard header[0] == 0, header[1] == 0 else {
            throw DatasetError(path: path, "not an IDX file: it starts with "
                               + "\(hex(header[0])) \(hex(header[1])) where IDX has 0x00 0x00", offset: 0)
        }
        guard header[2] == unsignedByteType else {
            let name = typeNames[header[2]].map { " (\($0))" } ?? ""
            throw DatasetError(path: path, "IDX value type \(hex(header[2]))\(name) is not supported; "
                               + "only unsigned bytes (0x08) are", offset: 2)
        }
        guard Int(header[3]) == dimensionCount else {
            throw DatasetError(path: path, "expected \(dimensionCount) dimension\(dimensionCount == 1 ? "" : "s"), "
                               + "the header says \(header[3])", offset: 3)
        }
        let dimensionBytes = try source.readExactly(4 * dimensionCount, of: "the IDX dimensions")
        let dimensions = stride(from: 0, to: dimensionBytes.count, by: 4).map { start in
            dimensionBytes[start..<(start + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        let described = dimensions.map(String.init).joined(separator: " x ")
        let valueCount = try dimensions.reduce(1) { product, dimension in
            let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow, result <= maximumValueCount else {
                throw DatasetError(path: path, "dimensions \(described) describe implausibly many values "
                                   + "(the limit is \(maximumValueCount))", offset: 4)
            }
            return result
        }
        let dataStart = source.offset
        var values: [UInt8] = []
        let delivered = try source.read(upTo: valueCount, appendingTo: &values)
        guard delivered == valueCount else {
            throw DatasetError(path: path, "the data end after \(delivered) of the \(valueCount) bytes that "
                               + "dimensions \(described) describe", offset: dataStart + delivered)
        }
        guard try source.isAtEnd() else {
            throw DatasetError(path: path, "more data follow the \(valueCount) bytes that dimensions "
                               + "\(described) describe", offset: dataStart + valueCount)
        }
        return IDXArray(dimensions: dimensions, values: values)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return "0x" + (digits.count < 2 ? "0" : "") + digits
    }
}
