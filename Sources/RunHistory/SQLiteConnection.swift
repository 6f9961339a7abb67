import CSQLite
import Foundation

/// A value as SQLite stores it.
enum SQLiteValue: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case null

    var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
    var text: String? { if case .text(let value) = self { value } else { nil } }
    /// A REAL or INTEGER column as a Double; NULL (how SQLite stores NaN) as nil.
    var real: Double? {
        switch self {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }
}

/// An SQLite result code with the library's message for it.
struct SQLiteError: Error, CustomStringConvertible {
    /// The extended result code.
    var code: Int32
    var message: String
    /// The operating system's error number behind a failed open or read, when SQLite kept one.
    var systemErrno: Int32?

    /// The primary result code (`SQLITE_BUSY`, `SQLITE_NOTADB`, ...).
    var primary: Int32 { code & 0xff }

    /// Another connection holds the lock this one needs.
    var isBusy: Bool { primary == SQLITE_BUSY || primary == SQLITE_LOCKED }

    var description: String { message }
}

/// One connection to an SQLite database file, used from one thread: a thin layer over SQLite's C
/// interface (prepared statements, bound values, transactions), nothing more.
final class SQLiteConnection {
    private let handle: OpaquePointer

    /// Opens `path`, read-only or for writing (creating the file when it is missing). Waits up to
    /// `busyTimeout` milliseconds for a lock another process holds before a statement fails as busy.
    init(path: String, readOnly: Bool, busyTimeout: Int32 = 10_000) throws(SQLiteError) {
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            let code = handle.map { sqlite3_extended_errcode($0) } ?? status
            let system = handle.map { sqlite3_system_errno($0) }
            sqlite3_close_v2(handle)
            throw SQLiteError(code: code, message: message, systemErrno: system == 0 ? nil : system)
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeout)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    private func error(_ status: Int32) -> SQLiteError {
        let code = sqlite3_extended_errcode(handle)
        let system = sqlite3_system_errno(handle)
        return SQLiteError(code: code == SQLITE_OK ? status : code, message: String(cString: sqlite3_errmsg(handle)),
                           systemErrno: system == 0 ? nil : system)
    }

    /// Runs one or more statements that take no values and return no rows.
    func execute(_ sql: String) throws(SQLiteError) {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw error(status) }
    }

    /// Runs one statement with `values` bound to its `?` parameters, for its effect.
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Runs one statement with `values` bound and returns every row it yields.
    func rows(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var rows: [[SQLiteValue]] = []
        while try statement.step() { rows.append(statement.row()) }
        return rows
    }

    /// The first column of the first row, if there is one.
    func scalar(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> SQLiteValue? {
        try rows(sql, values).first?.first
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status) }
        return SQLiteStatement(statement, connection: self)
    }

    /// The row id of the last row inserted through this connection.
    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in one transaction: `BEGIN IMMEDIATE` takes the write lock at once (waiting for
    /// other writers), so what the body reads can not change before it writes; any error rolls
    /// everything back. A plain `BEGIN` (deferred) is for reads that must see one snapshot.
    func transaction<T>(immediate: Bool, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    fileprivate func statementError(_ status: Int32) -> SQLiteError { error(status) }
}

/// A prepared statement: values bound, rows stepped through, finalized when released.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private let connection: SQLiteConnection

    fileprivate init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(statement)
    }

    /// SQLite's SQLITE_TRANSIENT: it copies bound text before `bind` returns.
    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }

    /// Clears the statement and binds `values` to its parameters in order.
    func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 = switch value {
            case .integer(let number): sqlite3_bind_int64(statement, index, number)
            // SQLite stores NaN as NULL; reading NULL back as NaN is the caller's business.
            case .real(let number): sqlite3_bind_double(statement, index, number)
            case .text(let text): sqlite3_bind_text(statement, index, text, -1, Self.transient)
            case .null: sqlite3_bind_null(statement, index)
            }
            guard status == SQLITE_OK else { throw connection.statementError(status) }
        }
    }

    /// Advances to the next row: true while there is one.
    func step() throws(SQLiteError) -> Bool {
        let status = sqlite3_step(statement)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.statementError(status)
        }
    }

    /// Binds `values` and steps the statement to its end, for an insert run many times.
    func run(_ values: [SQLiteValue]) throws(SQLiteError) {
        try bind(values)
        while try step() {}
    }

    /// The current row's columns.
    func row() -> [SQLiteValue] {
        (0..<sqlite3_column_count(statement)).map { column in
            switch sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
            case SQLITE_FLOAT: .real(sqlite3_column_double(statement, column))
            case SQLITE_NULL: .null
            default: .text(sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "")
            }
        }
    }
}
