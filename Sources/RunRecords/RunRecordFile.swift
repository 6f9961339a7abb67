import Foundation

/// Reads and writes `run.json`: snake_case keys, sorted, indented, so runs diff well.
public enum RunRecordFile {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func encode(_ record: RunRecord) throws -> Data {
        try encoder().encode(record)
    }

    /// Writes through a temporary file renamed into place, so a reader never sees half a file.
    public static func write(_ record: RunRecord, to url: URL) throws {
        try encode(record).write(to: url, options: .atomic)
    }

    /// Reads what `encoder()` writes.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    public static func read(from url: URL) throws -> RunRecord {
        let decoder = decoder()
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RunRecordError(description: "\(url.path): cannot read the run record: \(PlainErrorText.of(error)); "
                                 + "is this a LabBook run folder?")
        }
        do {
            return try decoder.decode(RunRecord.self, from: data)
        } catch {
            throw RunRecordError(description: "\(url.path): not a LabBook run record: \(PlainErrorText.of(error))")
        }
    }
}

/// A run.json that is missing or is not one LabBook wrote.
public struct RunRecordError: Error, CustomStringConvertible {
    public var description: String
}
