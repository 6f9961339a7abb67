import ArgumentParser
import Foundation
import RunHistory

/// `--history FILE`, shared by `run`, `runs` and `diff`.
struct HistoryOption: ParsableArguments {
    @Option(name: .customLong("history"), help: ArgumentHelp(
        "The run history file (default: $LABBOOK_HISTORY, else labbook-history.sqlite in the current folder).",
        valueName: "file"))
    var path: String?

    /// The history file these options name; `--history ''` is a usage error.
    func url() throws -> URL {
        if path?.isEmpty == true { throw usageError("--history '' names no file") }
        return HistoryLocation.resolve(option: path, environment: ProcessInfo.processInfo.environment,
                                       directory: currentDirectory)
    }

    var currentDirectory: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true) }
}
