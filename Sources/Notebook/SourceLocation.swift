/// A place in a notebook file: 1-based line and column (the column in UTF-8 bytes, as cmark counts).
/// It prints as `file:line:col`, a diagnostic's prefix; a column of 0 means "the whole line".
public struct SourceLocation: Sendable, Equatable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        column > 0 ? "\(file):\(line):\(column)" : "\(file):\(line)"
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

extension SourceLocation {
    /// Where the byte at `offset` (counted from the start of `bytes`) stands, with lines ended as
    /// CommonMark ends them (LF, CRLF or a lone CR) so positions agree with cmark's.
    init(file: String, offset: Int, in bytes: ArraySlice<UInt8>) {
        var line = 1, lineStart = 0
        var index = 0
        for byte in bytes.prefix(offset) {
            index += 1
            if byte == UInt8(ascii: "\n") {
                line += 1
                lineStart = index
            } else if byte == UInt8(ascii: "\r") {
                // A CR ends the line unless an LF follows, which then ends it instead.
                let next = bytes.startIndex + index
                if next < bytes.endIndex && bytes[next] == UInt8(ascii: "\n") { continue }
                line += 1
                lineStart = index
            }
        }
        self.init(file: file, line: line, column: offset - lineStart + 1)
    }
}
