import Foundation
import Synchronization

/// Where LabBook's error lines go: standard error, each line naming LabBook. Under MPI, a rank other
/// than 0 names itself instead ("labbook sweep (rank 1 of 4)"), since the launcher interleaves every
/// rank's lines and an error must tell which rank, and so which node, it came from.
enum ErrorOutput {
    private static let rankName = Mutex<String?>(nil)

    /// From now on, this process's error lines start with `name` rather than "labbook".
    static func speak(as name: String) {
        rankName.withLock { $0 = name }
    }

    /// `text`'s lines as this process writes them: a line starting "labbook: " gets the rank's name
    /// in place of "labbook", any other line not already naming the rank the name in front.
    static func lines(_ text: String) -> String {
        guard let name = rankName.withLock({ $0 }) else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line.hasPrefix("labbook: ") { return name + line.dropFirst("labbook".count) }
            return line.hasPrefix(name + ": ") ? String(line) : "\(name): \(line)"
        }.joined(separator: "\n")
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((ErrorOutput.lines(text) + "\n").utf8))
}
