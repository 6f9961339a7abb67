import ArgumentParser
import Datasets
import Foundation
import Notebook

/// Reads and validates a notebook for a command, printing diagnostics compiler style on failure.
enum NotebookLoading {
    /// The validated plan, or an exit: 1 with every diagnostic printed, 2 for a bad `-p` override.
    static func plan(path: String, overrides: [String] = [], seed: UInt64? = nil) throws -> NotebookPlan {
        let bytes = try read(path)
        do {
            return try NotebookPlan.make(bytes: bytes, path: path, overrides: overrides, seed: seed)
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
        var status = stat()
        // Naming a file that is not there, a folder or a device is a command-line mistake; a file
        // that exists but can not be read is the file's problem.
        guard stat(path, &status) == 0 else {
            throw errno == ENOENT ? usageError("\(path): no such file") : fail("\(path): cannot be read: \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw usageError("\(path): " + (status.st_mode & S_IFMT == S_IFDIR ? "is a folder, not a notebook"
                                                                            : "is not a regular file, so not a notebook"))
        }
        let descriptor: Int32
        do {
            // Opened without blocking, so a file swapped for a FIFO since `stat` can not hang the check.
            descriptor = try openRegularFile(path).descriptor
        } catch {
            throw fail("\(error)")
        }
        defer { close(descriptor) }
        let wanted = NotebookLimits.maximumNotebookBytes + 1
        do {
            return try [UInt8](unsafeUninitializedCapacity: wanted) { buffer, count in
                count = try readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer), path: path)
            }
        } catch {
            throw fail("\(path): cannot be read (\(error))")
        }
    }
}
