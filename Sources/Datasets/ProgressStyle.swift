import Foundation

/// How a long task shows its progress on standard error: redrawn in place on a terminal, as plain
/// lines in a log or pipe, or not at all.
public enum ProgressStyle: Sendable {
    case silent, lines, bar

    /// A bar when standard error is a terminal, lines when it is a file or pipe; nothing when quiet.
    public static func forStandardError(quiet: Bool) -> ProgressStyle {
        quiet ? .silent : (isatty(STDERR_FILENO) != 0 ? .bar : .lines)
    }
}
