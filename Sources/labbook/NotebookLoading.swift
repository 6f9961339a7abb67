import ArgumentParser
import Foundation
import Notebook

/// Reads and validates a notebook for a command, printing diagnostics compiler style on failure.
enum NotebookLoading {
    /// The validated plan, or an exit: 1 with every diagnostic printed, 2 for a bad `-p` override.
    static func plan(path: String, overrides: [String] = []) throws -> NotebookPlan {
        let bytes = try read(path)
        do {
            return try NotebookPlan.make(bytes: bytes, path: path, overrides: overrides)
        } catch let diagnostics as Diagnostics {
            printError(diagnostics.description)
            let count = diagnostics.all.filter { $0.severity == .error }.count
            printError("\(count) error\(count == 1 ? "" : "s") in \(path)")
            throw ExitCode(1)
        } catch let error as ParameterOverrideError {
            for line in error.description.split(separator: "\n") { printError("labbook: error: \(line)") }
            throw ExitCode(2)
        }
    }

    /// The notebook's bytes, at most one past the size LabBook accepts: enough for the parser to refuse
    /// a larger file without this process ever holding all of it (or reading a device without end).
    static func read(_ path: String) throws -> [UInt8] {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        guard exists, !isFolder.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            throw fail("\(path): " + (exists ? (isFolder.boolValue ? "is a folder, not a notebook" : "cannot be read")
                                      : "no such file"))
        }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        let wanted = NotebookLimits.maximumNotebookBytes + 1
        do {
            while bytes.count < wanted, let chunk = try handle.read(upToCount: min(1 << 20, wanted - bytes.count)),
                  !chunk.isEmpty {
                bytes += chunk
            }
        } catch {
            throw fail("\(path): cannot be read (\(error.localizedDescription))")
        }
        return bytes
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
