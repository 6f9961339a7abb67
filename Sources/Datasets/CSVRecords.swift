import Foundation
internal import CSV

/// One record (row) of a CSV file: its cells, and the line it starts on.
struct CSVRecord: Equatable {
    var cells: [String]
    /// 1-based; a record whose quoted cells hold line breaks spans several lines and is known by its first.
    var line: Int
}

/// The records of a CSV file, parsed by CSV.swift (RFC 4180 quoting, LF, CRLF or CR line ends, a
/// UTF-8 byte order mark skipped), one at a time, with the line each starts on. Blank lines are skipped.
///
/// CSV.swift does not report line numbers, so they are counted here: a record's first line is the
/// previous record's plus one plus the line breaks inside its cells, which only quoted cells can hold
/// and which the library keeps as they were in the file.
final class CSVRecords {
    let path: String
    private let stream: BoundedFileInputStream
    private let reader: CSVReader
    private let maximumRecordBytes: Int
    private var nextLine = 1

    init(path: String, maximumFileBytes: Int, maximumRecordBytes: Int) throws {
        self.path = path
        self.maximumRecordBytes = maximumRecordBytes
        stream = try BoundedFileInputStream(path: path, maximumBytes: maximumFileBytes)
        // CSV.swift would skip a UTF-16 or UTF-32 byte order mark and go on reading the text as UTF-8.
        for mark: [UInt8] in [[0xFF, 0xFE], [0xFE, 0xFF], [0x00, 0x00, 0xFE, 0xFF]] where stream.begins(with: mark) {
            throw DatasetError(path: path, "is UTF-16 or UTF-32 text; save the table as UTF-8")
        }
        do {
            reader = try CSVReader(stream: stream)
        } catch {
            throw stream.readError ?? DatasetError(path: path, "cannot be read as CSV: \(error)")
        }
    }

    /// The next record, or `nil` at the end of the file.
    func next() throws -> CSVRecord? {
        while true {
            let (limit, overflow) = stream.bytesDelivered.addingReportingOverflow(maximumRecordBytes)
            stream.deliveryLimit = overflow ? .max : limit
            let line = nextLine
            let cells = reader.next()
            if let error = stream.readError { throw error }
            // Reading stopped at a limit can also cut a character in two, so the limits come first.
            if stream.stoppedAtDeliveryLimit {
                let limit = maximumRecordBytes % (1 << 20) == 0 ? "\(maximumRecordBytes >> 20) MiB" : "\(maximumRecordBytes) bytes"
                throw DatasetError(path: path, "a record longer than \(limit) starts here; is a closing quote missing?",
                                   line: line)
            }
            if stream.stoppedAtMaximumBytes {
                throw DatasetError(path: path, "the file grew past the limit of \(stream.bytesDelivered) bytes for a "
                                   + "table while it was read", line: line)
            }
            let linesSpanned = cells.map { 1 + Self.lineBreaks(in: $0) } ?? 0
            if reader.error != nil {
                throw DatasetError(path: path, "this row is not UTF-8 text; save the table as UTF-8",
                                   line: line + max(linesSpanned - 1, 0))
            }
            guard let cells else { return nil }
            nextLine += linesSpanned
            if cells.count == 1, cells[0].allSatisfy(\.isWhitespace) { continue }
            return CSVRecord(cells: cells, line: line)
        }
    }

    /// Line breaks in the cells: LF, CRLF and a lone CR each count once, as they end a record outside quotes.
    static func lineBreaks(in cells: [String]) -> Int {
        var count = 0
        for cell in cells {
            var afterCarriageReturn = false
            for byte in cell.utf8 {
                if byte == UInt8(ascii: "\r") || (byte == UInt8(ascii: "\n") && !afterCarriageReturn) { count += 1 }
                afterCarriageReturn = byte == UInt8(ascii: "\r")
            }
        }
        return count
    }
}

extension CSVRecord {
    /// Throws unless the record has `expected` cells, as the header (on `headerLine`) or the first row does.
    func requireCellCount(_ expected: Int, headerLine: Int?, path: String) throws {
        guard cells.count != expected else { return }
        let reference = headerLine.map { "the header (line \($0)) has" } ?? "the first row has"
        let breaks = CSVRecords.lineBreaks(in: cells)
        let spanned = breaks > 0 ? "; its quoted cells run on to line \(line + breaks): is a quote misplaced?" : ""
        throw DatasetError(path: path, "this row has \(cells.count) cells, but \(reference) \(expected)\(spanned)", line: line)
    }
}
