/// The largest notebook LabBook reads, and the largest parts of one. Real tutorials stay far below
/// every limit (the longest shipped notebook is about 40 KiB with a few dozen blocks); the limits
/// bound the time and memory a runaway or hostile file can cost, and each is checked before the work
/// it bounds, so an oversized input is refused in time proportional to the limit, not to the input.
public enum NotebookLimits {
    /// The whole file, in bytes (16 MiB).
    public static let maximumNotebookBytes = 16 << 20
    /// Markdown text (outside fenced code and HTML blocks) in one part of the notebook, as
    /// `MarkdownSegments` cuts it: a blank line followed by an unindented line starts a new part.
    /// cmark's tree of a part's inline text takes about 200 times its size, so this bounds a
    /// parse's memory (256 KiB: a few thousand lines of prose with no such break).
    public static let maximumMarkdownPartBytes = 256 << 10
    /// Directive blocks in one notebook.
    public static let maximumBlocks = 50_000
    /// The YAML of the front matter or of one directive block, in bytes (64 KiB), which also bounds
    /// every single value in it.
    public static let maximumYAMLBytes = 64 << 10
    /// Nested mappings and lists in one YAML text.
    public static let maximumYAMLDepth = 32
    /// Values (scalars, mappings and lists) in one YAML text: bounds what aliases could expand to.
    public static let maximumYAMLValues = 10_000

    /// `bytes` as `16 MiB`, `64 KiB`, `20.5 MiB` or `12 bytes`, for messages.
    static func describe(bytes: Int) -> String {
        let mebibyte = 1 << 20, kibibyte = 1 << 10
        if bytes >= mebibyte {
            return bytes % mebibyte == 0 ? "\(bytes / mebibyte) MiB"
                : "\((Double(bytes) / Double(mebibyte) * 10).rounded(.up) / 10) MiB"
        }
        if bytes >= kibibyte { return "\((bytes + kibibyte - 1) / kibibyte) KiB" }
        return "\(bytes) bytes"
    }
}
