/// A dataset file that could not be read, naming the file and what is wrong with it.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or folder) at fault, as the user gave it.
    public var path: String
    public var message: String
    /// The byte offset of the problem in the (decompressed) file, where it helps.
    public var offset: Int?

    public init(path: String, _ message: String, offset: Int? = nil) {
        self.path = path
        self.message = message
        self.offset = offset
    }

    public var description: String {
        "\(path): \(message)" + (offset.map { " (at byte \($0))" } ?? "")
    }
}
