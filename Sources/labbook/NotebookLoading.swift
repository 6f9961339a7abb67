import ArgumentParser
import Foundation
import Notebook

/// Reads and validates a notebook for a command, printing diagnostics compiler style on failure.
enum NotebookLoading {
    /// The validated plan, or an exit: 1 with every diagnostic printed, 2 for a bad `-p` override.
    static func plan(path: String, overrides: [String] = []) throws -> NotebookPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            // Naming a file that is not there (or a folder) is a command-line mistake; one that exists
            // but can not be read is the file's problem.
            guard exists && !isFolder.boolValue else {
                throw usageError("\(path): " + (exists ? "is a folder, not a notebook" : "no such file"))
            }
            throw fail("\(path): cannot be read")
        }
        do {
            return try NotebookPlan.make(bytes: [UInt8](data), path: path, overrides: overrides)
        } catch let diagnostics as Diagnostics {
            printError(diagnostics.description)
            let count = diagnostics.all.filter { $0.severity == .error }.count
            printError("\(count) error\(count == 1 ? "" : "s") in \(path)")
            throw ExitCode(1)
        } catch let error as ParameterOverrideError {
            printError("labbook: error: \(error)")
            throw ExitCode(2)
        }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
