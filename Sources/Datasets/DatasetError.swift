/// A dataset file that could not be read, naming the file and what is wrong with it.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or folder) at fault, as the user gave it.
    public var path: String
    public var message: String
    /// The byte offset of the problem in the (decompressed) file, where it helps.
    public var offset: Int?
    /// The 1-based line of the problem in a text file (a CSV table), shown as `path:line:` the way
    /// compilers and editors point at a line.
    public var line: Int?

    public init(path: String, _ message: String, offset: Int? = nil, line: Int? = nil) {
        self.path = path
        self.message = message
        self.offset = offset
        self.line = line
    }

    public var description: String {
        "\(path)" + (line.map { ":\($0)" } ?? "") + ": \(message)" + (offset.map { " (at byte \($0))" } ?? "")
    }
}
