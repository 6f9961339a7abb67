import CSQLite
import Foundation
import RunRecords

/// The run history: one SQLite file in which every `labbook run` records its run, and which
/// `labbook runs` and `labbook diff` read.
///
/// Several processes may write one history at once (parallel trials, two terminals): the file is
/// in WAL mode, every connection waits for another's lock (a busy timeout, then retries while the
/// lock stays taken), each run is written in one `BEGIN IMMEDIATE` transaction, and the tables are
/// created or upgraded under that same lock. A record is written whole or not at all.
public final class HistoryStore {
    /// The file, as it was named.
    public let path: String
    private let db: SQLiteConnection

    private init(path: String, db: SQLiteConnection) {
        self.path = path
        self.db = db
    }

    /// Opens the history at `url` for recording, creating the file and its tables when missing.
    public static func openForRecording(at url: URL) throws -> HistoryStore {
        let path = url.path
        try requireRegularFile(path)
        return try guarded(path) {
            let db = try retryingWhileBusy { try SQLiteConnection(path: path, readOnly: false) }
            try retryingWhileBusy {
                // Setting WAL mode writes the file's header once; later opens find it set.
                if try db.scalar("PRAGMA journal_mode")?.text?.lowercased() != "wal" {
                    _ = try db.scalar("PRAGMA journal_mode = WAL")
                }
            }
            try db.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
            try retryingWhileBusy { try HistorySchema.migrate(db, path: path) }
            return HistoryStore(path: path, db: db)
        }
    }

    /// Opens the history at `url` for reading; nil when there is no file there. Never creates or
    /// changes the file.
    public static func openForReading(at url: URL) throws -> HistoryStore? {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        try requireRegularFile(path)
        return try guarded(path) {
            let db = try retryingWhileBusy { try SQLiteConnection(path: path, readOnly: true) }
            try db.execute("PRAGMA foreign_keys = ON")
            return HistoryStore(path: path, db: db)
        }
    }

    // MARK: - Recording

    /// Records `record`, whose run folder is `runFolder`, and returns its id.
    @discardableResult
    public func record(_ record: RunRecord, runFolder: URL) throws -> Int64 {
        let figures = RunFigures(record)
        let notebook = Self.notebookPath(record)
        let name = URL(fileURLWithPath: notebook).deletingPathExtension().lastPathComponent
        let recorded = ISO8601DateFormatter().string(from: Date())
        return try Self.guarded(path) {
            try Self.retryingWhileBusy {
                try db.transaction(immediate: true) {
                    try db.run("""
                        INSERT INTO run (notebook_path, notebook_name, title, code_sha256, seed, started, seconds,
                                         status, error, labbook_version, blas_core, blas_threads, run_folder, recorded)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, [
                            .text(notebook), .text(name), .text(record.title), record.notebookSha256.map(SQLiteValue.text) ?? .null,
                            .text(String(record.seed)), .text(record.started), .real(record.seconds),
                            .text(record.status == .ok ? "ok" : "failed"), record.error.map(SQLiteValue.text) ?? .null,
                            .text(record.labbookVersion), .text(record.blas.core), .integer(Int64(record.blas.threads)),
                            .text(runFolder.standardizedFileURL.path), .text(recorded),
                        ])
                    let id = db.lastInsertedRowID
                    let parameter = try db.prepare("INSERT INTO parameter (run_id, name, type, value) VALUES (?, ?, ?, ?)")
                    for (name, value) in record.params.sorted(by: { $0.key < $1.key }) {
                        try parameter.run([.integer(id), .text(name), .text(ParameterText.type(of: value)), .text(value.text)])
                    }
                    let block = try db.prepare("""
                        INSERT INTO block (run_id, position, line, directive, status, seconds, cache_key, network)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                    for (position, recorded) in record.blocks.enumerated() {
                        try block.run([
                            .integer(id), .integer(Int64(position)), .integer(Int64(recorded.line)),
                            .text(recorded.directive.rawValue), .text(recorded.status.rawValue), .real(recorded.seconds),
                            recorded.cacheKey.map(SQLiteValue.text) ?? .null,
                            figures.networks[position].map(SQLiteValue.text) ?? .null,
                        ])
                    }
                    let metric = try db.prepare("""
                        INSERT INTO metric (run_id, name, ordinal, value, kind, block_position, headline)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                    for (ordinal, figure) in figures.metrics.enumerated() {
                        try metric.run([
                            .integer(id), .text(figure.name), .integer(Int64(ordinal)), .real(figure.value),
                            .text(figure.kind), .integer(Int64(figure.blockPosition)), .integer(figure.headline ? 1 : 0),
                        ])
                    }
                    let point = try db.prepare("""
                        INSERT INTO curve_point (run_id, block_position, step, loss, train_accuracy, validation_accuracy)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """)
                    for curve in figures.curves {
                        for sample in curve.points {
                            try point.run([
                                .integer(id), .integer(Int64(curve.blockPosition)), .integer(Int64(sample.step)),
                                .real(sample.loss), .real(sample.trainAccuracy),
                                sample.validationAccuracy.map(SQLiteValue.real) ?? .null,
                            ])
                        }
                    }
                    return id
                }
            }
        }
    }

    /// The notebook's absolute path: run.json names it as it was given, and records the absolute
    /// folder it was run from.
    static func notebookPath(_ record: RunRecord) -> String {
        let notebook = URL(fileURLWithPath: record.notebook)
        if !record.notebook.hasPrefix("/"), let folder = record.notebookDirectory {
            return URL(fileURLWithPath: folder).appendingPathComponent(notebook.lastPathComponent).standardizedFileURL.path
        }
        return notebook.standardizedFileURL.path
    }

    // MARK: - Reading

    /// Every run, oldest first, with parameters and metrics (no blocks or curves).
    public func runs() throws -> [StoredRun] {
        try reading { try self.query(where: "", []) }
    }

    /// The run with `id`, with its blocks and curves, or nil.
    public func run(id: Int64) throws -> StoredRun? {
        try reading { try self.query(where: "WHERE id = ?", [.integer(id)], details: true).first }
    }

    /// The runs recorded for `folder` (an absolute path), oldest first, with blocks and curves.
    /// Records `record` unless the history already holds it (the same run folder and start time):
    /// for a sweep's rank 0, which hears of trials that other ranks' runs recorded in their own
    /// history, the same file as this one on a shared file system and another on a node's own.
    /// Returns the new run's id, or nil when it was there.
    public func recordUnlessPresent(_ record: RunRecord, runFolder: URL) throws -> Int64? {
        let present = try reading {
            try self.query(where: "WHERE run_folder = ? AND started = ?",
                           [.text(runFolder.standardizedFileURL.path), .text(record.started)])
        }
        return present.isEmpty ? try self.record(record, runFolder: runFolder) : nil
    }

    public func runs(inFolder folder: String) throws -> [StoredRun] {
        try reading { try self.query(where: "WHERE run_folder = ?", [.text(folder)], details: true) }
    }

    /// The run a user names on the command line: its id as `labbook runs` shows it (digits), or its
    /// run folder's path, relative to `directory`. A folder with several recorded runs names the
    /// one its run.json holds, or failing that the latest recorded there.
    public func run(named argument: String, relativeTo directory: URL) throws -> StoredRun {
        if !argument.isEmpty, argument.allSatisfy(\.isASCII), argument.allSatisfy(\.isNumber) {
            guard let id = Int64(argument), let run = try run(id: id) else {
                let range = try reading { () throws -> (Int64, Int64)? in
                    guard try self.hasTables(), let row = try self.db.rows("SELECT min(id), max(id) FROM run").first,
                          let low = row[0].integer, let high = row[1].integer else { return nil }
                    return (low, high)
                }
                throw HistoryError("no run with id \(argument) in \(path)"
                                   + (range.map { " (its ids go from \($0.0) to \($0.1))" } ?? " (it holds no runs yet)"))
            }
            return run
        }
        let url = FigureText.absolute(argument, from: directory)
        let folders = Array(Set([url.path, url.resolvingSymlinksInPath().path]))
        var candidates: [StoredRun] = []
        for folder in folders { candidates += try runs(inFolder: folder) }
        candidates.sort { $0.id < $1.id }
        guard let latest = candidates.last else {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            throw HistoryError("no run named '\(argument)' in \(path): "
                               + (exists && isFolder.boolValue ? "no run was recorded for the folder \(url.path)"
                                  : "it is neither a run id nor a run folder")
                               + "; `labbook runs` lists the runs it holds")
        }
        if let current = try? RunRecordFile.read(from: url.appendingPathComponent("run.json")),
           let match = candidates.last(where: { $0.started == current.started && $0.codeSHA256 == current.notebookSha256 }) {
            return match
        }
        return latest
    }

    /// Reads in one transaction, so the rows come from one state of the file.
    private func reading<T>(_ body: () throws -> T) throws -> T {
        try Self.guarded(path) {
            switch try HistorySchema.state(of: db) {
            case .empty:
                return try body() as T
            case .foreign:
                throw HistorySchema.notAHistory(path)
            case .history(let version) where version > HistorySchema.currentVersion:
                throw HistorySchema.newer(path, version: version)
            case .history:
                return try Self.retryingWhileBusy { try db.transaction(immediate: false, body) }
            }
        }
    }

    /// Whether the file holds LabBook's tables (false for an empty file).
    private func hasTables() throws -> Bool {
        if case .history = try HistorySchema.state(of: db) { return true }
        return false
    }

    private func query(where condition: String, _ values: [SQLiteValue], details: Bool = false) throws -> [StoredRun] {
        guard try hasTables() else { return [] }
        let rows = try db.rows("""
            SELECT id, notebook_path, notebook_name, title, code_sha256, seed, started, seconds, status, error,
                   labbook_version, blas_core, blas_threads, run_folder
            FROM run \(condition) ORDER BY id
            """, values)
        var runs = rows.map { row in
            StoredRun(id: row[0].integer ?? 0, notebookPath: row[1].text ?? "", notebookName: row[2].text ?? "",
                      title: row[3].text ?? "", codeSHA256: row[4].text, seed: row[5].text.flatMap { UInt64($0) } ?? 0,
                      started: row[6].text ?? "", seconds: row[7].real ?? .nan, status: row[8].text ?? "",
                      error: row[9].text, labbookVersion: row[10].text ?? "", blasCore: row[11].text ?? "",
                      blasThreads: Int(row[12].integer ?? 0), runFolder: row[13].text ?? "", parameters: [:], metrics: [])
        }
        guard !runs.isEmpty else { return [] }
        var index: [Int64: Int] = [:]
        for (offset, run) in runs.enumerated() { index[run.id] = offset }
        // One run: its rows by id; all runs: every row, matched to its run here.
        let filter = runs.count == 1 ? "WHERE run_id = \(runs[0].id)" : ""
        for row in try db.rows("SELECT run_id, name, type, value FROM parameter \(filter)") {
            guard let id = row[0].integer, let offset = index[id], let name = row[1].text else { continue }
            runs[offset].parameters[name] = ParameterText.value(type: row[2].text ?? "", text: row[3].text ?? "")
        }
        for row in try db.rows("""
            SELECT run_id, name, value, kind, block_position, headline FROM metric \(filter) ORDER BY run_id, ordinal
            """) {
            guard let id = row[0].integer, let offset = index[id], let name = row[1].text else { continue }
            runs[offset].metrics.append(StoredMetric(name: name, value: row[2].real ?? .nan, kind: row[3].text ?? "",
                                                     blockPosition: Int(row[4].integer ?? 0),
                                                     headline: row[5].integer == 1))
        }
        guard details else { return runs }
        for row in try db.rows("""
            SELECT run_id, position, line, directive, status, seconds, cache_key, network FROM block \(filter)
            ORDER BY run_id, position
            """) {
            guard let id = row[0].integer, let offset = index[id] else { continue }
            runs[offset].blocks.append(StoredBlock(position: Int(row[1].integer ?? 0), line: Int(row[2].integer ?? 0),
                                                   directive: row[3].text ?? "", status: row[4].text ?? "",
                                                   seconds: row[5].real ?? 0, cacheKey: row[6].text, network: row[7].text))
        }
        for row in try db.rows("""
            SELECT run_id, block_position, step, loss, train_accuracy, validation_accuracy FROM curve_point \(filter)
            ORDER BY run_id, block_position, step
            """) {
            guard let id = row[0].integer, let offset = index[id] else { continue }
            let position = Int(row[1].integer ?? 0)
            let point = TrainingPoint(step: Int(row[2].integer ?? 0), loss: row[3].real ?? .nan,
                                      trainAccuracy: row[4].real ?? .nan, validationAccuracy: row[5].real)
            if runs[offset].curves.last?.blockPosition == position {
                runs[offset].curves[runs[offset].curves.count - 1].points.append(point)
            } else {
                runs[offset].curves.append(StoredCurve(blockPosition: position, points: [point]))
            }
        }
        return runs
    }

    /// Checks the file the way `PRAGMA integrity_check` does: nil when it is sound, else SQLite's
    /// first complaints.
    public func integrityProblems() throws -> String? {
        try Self.guarded(path) {
            let rows = try db.rows("PRAGMA integrity_check")
            let lines = rows.compactMap { $0.first?.text }
            return lines == ["ok"] ? nil : lines.prefix(5).joined(separator: "; ")
        }
    }

    // MARK: - Errors and locks

    /// Refuses a path that exists and is not a regular file (following links): SQLite would fail
    /// on a folder, and block forever reading a FIFO.
    private static func requireRegularFile(_ path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFREG else {
            let kind = status.st_mode & S_IFMT == S_IFDIR ? "a folder" : "not a regular file"
            throw HistoryError("run history \(path): \(kind), not a history file")
        }
    }

    /// Runs `body`, turning SQLite's errors into sentences that name the file.
    private static func guarded<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError {
            throw HistoryError.sqlite(error, path: path)
        }
    }

    /// Runs `body` again while another process holds the lock it needs. The busy timeout already
    /// waits inside SQLite, but SQLite answers at once, without waiting, where waiting could
    /// deadlock (two connections that both read and then both want to write, or setting up WAL
    /// mode while another process opens the file); a short random pause then lets one through.
    static func retryingWhileBusy<T>(seconds: Double = 60, _ body: () throws -> T) throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do {
                return try body()
            } catch let error as SQLiteError where error.isBusy && Date() < deadline {
                usleep(UInt32.random(in: 2_000...40_000))
            }
        }
    }
}
