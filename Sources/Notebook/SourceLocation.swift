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
