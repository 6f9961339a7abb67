import CSQLite
import Foundation

/// Why the run history could not be opened, read or written, or a run could not be found in it: a
/// sentence for the user that names the file.
public struct HistoryError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    /// What an SQLite failure at `path` means, in words.
    static func sqlite(_ error: SQLiteError, path: String) -> HistoryError {
        let reason: String
        switch error.primary {
        case SQLITE_NOTADB:
            return HistoryError("\(path) is not a LabBook run history: it is not an SQLite database")
        case SQLITE_CANTOPEN:
            let system = error.systemErrno.map { String(cString: strerror($0)).lowercased() }
            reason = "cannot open it" + (system.map { ": \($0)" } ?? " (does its folder exist, and may LabBook write there?)")
        case SQLITE_READONLY, SQLITE_PERM:
            reason = "it can not be written (read-only)"
        case SQLITE_CORRUPT:
            reason = "the database is damaged (SQLite reports it corrupt)"
        case SQLITE_FULL:
            reason = "the disk is full"
        case SQLITE_IOERR:
            reason = "input/output error (\(error.message))"
        case SQLITE_BUSY, SQLITE_LOCKED:
            reason = "another process kept it locked for too long"
        default:
            reason = error.message
        }
        return HistoryError("run history \(path): \(reason)")
    }
}
