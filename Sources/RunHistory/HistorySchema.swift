import Foundation

/// The tables of a run history, and how a file is brought to them.
///
/// The file carries LabBook's `application_id` and its schema version in `user_version`, so a
/// database that is someone else's is refused rather than written into, and one written by a newer
/// LabBook is refused rather than misread. Each version's statements run in the same
/// `BEGIN IMMEDIATE` transaction that reads the version: of several processes that open a new
/// history at once, the first creates the tables and the others, waiting on its lock, find them
/// there.
enum HistorySchema {
    /// `PRAGMA application_id`: "LBkH".
    static let applicationID: Int64 = 0x4C42_6B48

    /// The statements that bring version `index` to `index + 1`.
    static let migrations: [String] = [
        """
        -- One row per run, ok or failed.
        CREATE TABLE run (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            notebook_path TEXT NOT NULL,      -- absolute
            notebook_name TEXT NOT NULL,      -- the file name without its extension
            title TEXT NOT NULL,
            code_sha256 TEXT,                 -- run.json's notebook_sha256
            seed TEXT NOT NULL,               -- decimal: a UInt64 may not fit SQLite's integers
            started TEXT NOT NULL,            -- ISO 8601, UTC
            seconds REAL NOT NULL,
            status TEXT NOT NULL,             -- ok or failed
            error TEXT,
            labbook_version TEXT NOT NULL,
            blas_core TEXT NOT NULL,
            blas_threads INTEGER NOT NULL,
            run_folder TEXT NOT NULL,         -- absolute
            recorded TEXT NOT NULL            -- ISO 8601, UTC: when the row was written
        );
        CREATE INDEX run_by_notebook ON run (notebook_name);
        CREATE INDEX run_by_folder ON run (run_folder);

        -- Parameters as resolved, each with its type, its value as `-p` writes it.
        CREATE TABLE parameter (
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            type TEXT NOT NULL,               -- int, float, bool or string
            value TEXT NOT NULL,
            PRIMARY KEY (run_id, name)
        ) WITHOUT ROWID;

        -- Every block in notebook order, with its cache key (absent for skipped blocks).
        CREATE TABLE block (
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,        -- 0 for the first block
            line INTEGER NOT NULL,
            directive TEXT NOT NULL,
            status TEXT NOT NULL,
            seconds REAL NOT NULL,
            cache_key TEXT,
            network TEXT,                     -- the network the block works on
            PRIMARY KEY (run_id, position)
        ) WITHOUT ROWID;

        -- Final figures: each evaluation's accuracy and loss, each training block's final and best.
        CREATE TABLE metric (
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            ordinal INTEGER NOT NULL,         -- the order the run produced them in
            value REAL,                       -- NULL for NaN, which SQLite can not store
            kind TEXT NOT NULL,               -- evaluate or train
            block_position INTEGER NOT NULL,
            headline INTEGER NOT NULL,        -- 1 for the plain names `labbook runs` shows as columns
            PRIMARY KEY (run_id, name)
        ) WITHOUT ROWID;

        -- The logged training curves, one row per logged step of each training block.
        CREATE TABLE curve_point (
            run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
            block_position INTEGER NOT NULL,
            step INTEGER NOT NULL,
            loss REAL,                        -- NULL for NaN
            train_accuracy REAL,
            validation_accuracy REAL,         -- NULL where the step was not evaluated
            PRIMARY KEY (run_id, block_position, step)
        ) WITHOUT ROWID;
        """,
    ]

    static var currentVersion: Int64 { Int64(migrations.count) }

    /// What a file holds, as far as the history is concerned.
    enum State: Equatable {
        /// No tables at all: a new or empty file.
        case empty
        /// A history at schema `version`.
        case history(version: Int64)
        /// Tables of something else, or another application's id.
        case foreign
    }

    static func state(of db: SQLiteConnection) throws(SQLiteError) -> State {
        let application = try db.scalar("PRAGMA application_id")?.integer ?? 0
        let version = try db.scalar("PRAGMA user_version")?.integer ?? 0
        if application == applicationID { return .history(version: version) }
        let tables = try db.scalar("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")?.integer ?? 0
        return application == 0 && tables == 0 && version == 0 ? .empty : .foreign
    }

    /// Creates or upgrades the tables in one immediate transaction; throws for a file that is not a
    /// history or that a newer LabBook wrote.
    static func migrate(_ db: SQLiteConnection, path: String) throws {
        try db.transaction(immediate: true) {
            var version: Int64
            switch try state(of: db) {
            case .empty:
                version = 0
                try db.execute("PRAGMA application_id = \(applicationID)")
            case .history(let found):
                version = found
            case .foreign:
                throw notAHistory(path)
            }
            guard version <= currentVersion else { throw newer(path, version: version) }
            while version < currentVersion {
                try db.execute(migrations[Int(version)])
                version += 1
            }
            try db.execute("PRAGMA user_version = \(version)")
        }
    }

    static func notAHistory(_ path: String) -> HistoryError {
        HistoryError("\(path) is not a LabBook run history: it is an SQLite database of something else")
    }

    static func newer(_ path: String, version: Int64) -> HistoryError {
        HistoryError("run history \(path): written by a newer LabBook (schema \(version); this one knows "
                     + "\(currentVersion)); upgrade LabBook, or name another file with --history")
    }
}
