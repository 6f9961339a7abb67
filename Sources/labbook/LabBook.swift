import ArgumentParser
import CKernels
import Foundation
import NeuralNet
import Notebook

/// The `labbook` command: runs neural-network notebooks and the reference tutorial.
@main
struct LabBook: ParsableCommand {
    static let version = LabBookVersion.current

    static let configuration = CommandConfiguration(
        commandName: "labbook",
        abstract: "Reproducible notebooks for neural-network tutorials.",
        version: version,
        subcommands: [Run.self, Sweep.self, Check.self, Verify.self, Predict.self, Runs.self, Diff.self, New.self, ReportCommand.self,
                      Fetch.self, Tutorial.self, Bench.self]
    )

    /// Runs the command with LabBook's exit statuses: 0 for success, 1 for an error in the user's
    /// notebook or data (reported by the command itself), 2 for a usage error.
    static func main() {
        Sweep.pinToTrialShare()
        BLASCoreSelection.reexecuteWithFasterCoreIfNeeded()
        // Before any thread is started, so every thread LabBook starts inherits it.
        labbook_flush_subnormals()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            }
            // ArgumentParser reports usage errors as EX_USAGE (64); LabBook's contract is 2.
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// Prints a command-line misuse (a bad option value, a file that is not there) and exits with status 2.
func usageError(_ message: String) -> ExitCode {
    printError("labbook: error: \(message)")
    return ExitCode(2)
}

/// Prints an error the way compilers do and exits with status 1.
func fail(_ message: String) -> ExitCode {
    printError("labbook: error: \(message)")
    return ExitCode(1)
}
