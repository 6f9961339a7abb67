import CSQLite
import Foundation
import RunRecords
import XCTest
@testable import RunHistory

final class HistoryStoreTests: XCTestCase {
    func testTheHistoryIsTheOptionElseTheVariableElseTheCurrentFolders() {
        let here = URL(fileURLWithPath: "/work/project")
        let variable = ["LABBOOK_HISTORY": "/shared/h.sqlite"]
        XCTAssertEqual(HistoryLocation.resolve(option: nil, environment: [:], directory: here).path,
                       "/work/project/labbook-history.sqlite")
        XCTAssertEqual(HistoryLocation.resolve(option: nil, environment: variable, directory: here).path, "/shared/h.sqlite")
        XCTAssertEqual(HistoryLocation.resolve(option: "../h.sqlite", environment: variable, directory: here).path,
                       "/work/h.sqlite")
        XCTAssertEqual(HistoryLocation.resolve(option: nil, environment: ["LABBOOK_HISTORY": ""], directory: here).path,
                       "/work/project/labbook-history.sqlite", "an empty variable counts as unset")
    }

    func testARecordedRunReadsBackWhole() throws {
        let folder = try HistoryFixtures.folder(self)
        let store = try HistoryStore.openForRecording(at: folder.appendingPathComponent("h.sqlite"))
        let params: [String: ParameterValue] = ["steps": .int(100), "learning_rate": .float(0.1), "augment": .bool(true),
                                                "optimizer": .string("adam"), "tiny": .float(1e-7)]
        let record = HistoryFixtures.record(params: params, accuracy: 0.875)
        let id = try store.record(record, runFolder: folder.appendingPathComponent("runs/spiral"))
        XCTAssertEqual(id, 1)

        let run = try XCTUnwrap(try store.run(id: id))
        XCTAssertEqual(run.notebookPath, "/work/notebooks/spiral.md")
        XCTAssertEqual(run.notebookName, "spiral")
        XCTAssertEqual(run.title, "Spiral")
        XCTAssertEqual(run.codeSHA256, String(repeating: "a", count: 64))
        XCTAssertEqual(run.seed, 7)
        XCTAssertEqual(run.started, "2026-12-02T09:20:11Z")
        XCTAssertEqual(run.seconds, 1.5)
        XCTAssertEqual(run.status, "ok")
        XCTAssertNil(run.error)
        XCTAssertEqual(run.labbookVersion, "0.7.0")
        XCTAssertEqual(run.blasCore, "Cooperlake")
        XCTAssertEqual(run.runFolder, folder.appendingPathComponent("runs/spiral").path)
        XCTAssertEqual(run.parameters, params, "every parameter comes back with its type and exact value")
        XCTAssertEqual(run.metric("test_accuracy"), 0.875)
        XCTAssertEqual(run.metric("test_loss"), 0.3)
        XCTAssertEqual(run.metric("final_train_loss"), 0.4)
        XCTAssertEqual(run.metric("best_train_loss"), 0.4)
        XCTAssertEqual(try XCTUnwrap(run.metric("final_train_accuracy")), 0.7, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(run.metric("best_train_accuracy")), 0.7, accuracy: 1e-12)
        XCTAssertEqual(run.metric("final_validation_accuracy"), 0.8)
        XCTAssertEqual(run.blocks.map(\.cacheKey), ["k1", "k2", "k3", "k4"])
        XCTAssertEqual(run.blocks.map(\.directive), ["data", "network", "train", "evaluate"])
        XCTAssertEqual(run.blocks.map(\.line), [6, 10, 17, 23])
        XCTAssertEqual(run.blocks.map(\.network), [nil, "network-1", "network-1", "network-1"])
        guard case .train(let train) = record.blocks[2].metrics else { return XCTFail("no training metrics") }
        XCTAssertEqual(run.curves, [StoredCurve(blockPosition: 2, points: train.history)])

        let listed = try store.runs()
        XCTAssertEqual(listed.count, 1)
        XCTAssertEqual(listed[0].metrics, run.metrics)
        XCTAssertEqual(listed[0].parameters, params)
        XCTAssertEqual(try store.integrityProblems(), nil)
    }

    func testRunsKeepTheirIdsAndOrder() throws {
        let folder = try HistoryFixtures.folder(self)
        let url = folder.appendingPathComponent("h.sqlite")
        for steps in [10, 20, 30] {
            // A new connection each time, as each `labbook run` opens its own.
            try HistoryStore.openForRecording(at: url)
                .record(HistoryFixtures.record(params: ["steps": .int(steps)]), runFolder: folder)
        }
        let runs = try XCTUnwrap(try HistoryStore.openForReading(at: url)).runs()
        XCTAssertEqual(runs.map(\.id), [1, 2, 3])
        XCTAssertEqual(runs.map { $0.parameters["steps"] }, [.int(10), .int(20), .int(30)])
    }

    func testAFailedRunIsRecordedAsFailedWithItsError() throws {
        let folder = try HistoryFixtures.folder(self)
        let store = try HistoryStore.openForRecording(at: folder.appendingPathComponent("h.sqlite"))
        let record = HistoryFixtures.record(status: .failed, error: "spiral.md:17: error: the loss diverged")
        let run = try XCTUnwrap(try store.run(id: store.record(record, runFolder: folder)))
        XCTAssertEqual(run.status, "failed")
        XCTAssertEqual(run.error, "spiral.md:17: error: the loss diverged")
        XCTAssertEqual(run.blocks.map(\.status), ["ok", "ok", "failed", "skipped"])
        XCTAssertEqual(run.blocks.map(\.cacheKey), ["k1", "k2", "k3", nil])
        XCTAssertNil(run.metric("test_accuracy"))
    }

    /// SQLite stores NaN as NULL; a diverged loss must come back as NaN, not vanish or become 0.
    func testNaNLossesComeBackAsNaN() throws {
        let folder = try HistoryFixtures.folder(self)
        let store = try HistoryStore.openForRecording(at: folder.appendingPathComponent("h.sqlite"))
        let id = try store.record(HistoryFixtures.record(losses: [1.0, .nan, .nan]), runFolder: folder)
        let run = try XCTUnwrap(try store.run(id: id))
        XCTAssert(try XCTUnwrap(run.metric("final_train_loss")).isNaN)
        XCTAssertEqual(run.metric("best_train_loss"), 1.0)
        XCTAssertEqual(run.curves.first?.points.count, 3)
        XCTAssert(try XCTUnwrap(run.curves.first?.points.last?.loss).isNaN)
        XCTAssertNil(run.curves.first?.points.first?.validationAccuracy)
    }

    func testReadingNeverCreatesAFile() throws {
        let folder = try HistoryFixtures.folder(self)
        let url = folder.appendingPathComponent("missing.sqlite")
        XCTAssertNil(try HistoryStore.openForReading(at: url))
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
        // An empty file is an empty history.
        XCTAssert(FileManager.default.createFile(atPath: url.path, contents: Data()))
        XCTAssertEqual(try XCTUnwrap(try HistoryStore.openForReading(at: url)).runs(), [])
    }

    func testAFileThatIsNotSQLiteIsRefusedInWords() throws {
        let folder = try HistoryFixtures.folder(self)
        let url = folder.appendingPathComponent("notes.sqlite")
        let text = Data(String(repeating: "These are my notes, not a database.\n", count: 200).utf8)
        try text.write(to: url)
        for open in [{ try HistoryStore.openForRecording(at: url).runs() },
                     { try XCTUnwrap(try HistoryStore.openForReading(at: url)).runs() }] {
            XCTAssertThrowsError(try open()) { error in
                XCTAssertEqual((error as? HistoryError)?.description,
                               "\(url.path) is not a LabBook run history: it is not an SQLite database")
            }
        }
        XCTAssertEqual(try Data(contentsOf: url), text, "the file is left as it was")
    }

    func testAnotherApplicationsDatabaseIsNeverWritten() throws {
        let folder = try HistoryFixtures.folder(self)
        let url = folder.appendingPathComponent("other.sqlite")
        let other = try SQLiteConnection(path: url.path, readOnly: false)
        try other.execute("CREATE TABLE run (x); INSERT INTO run VALUES (42)")
        XCTAssertThrowsError(try HistoryStore.openForRecording(at: url)) { error in
            XCTAssert(String(describing: error).contains("is not a LabBook run history"), "\(error)")
        }
        XCTAssertThrowsError(try XCTUnwrap(try HistoryStore.openForReading(at: url)).runs())
        XCTAssertEqual(try other.scalar("SELECT count(*) FROM run"), .integer(1))
        XCTAssertEqual(try other.scalar("PRAGMA user_version"), .integer(0))
    }

    func testAHistoryFromANewerLabBookIsRefused() throws {
        let folder = try HistoryFixtures.folder(self)
        let url = folder.appendingPathComponent("h.sqlite")
        _ = try HistoryStore.openForRecording(at: url)
        try SQLiteConnection(path: url.path, readOnly: false).execute("PRAGMA user_version = 99")
        XCTAssertThrowsError(try HistoryStore.openForRecording(at: url)) { error in
            XCTAssert(String(describing: error).contains("written by a newer LabBook (schema 99"), "\(error)")
        }
    }

    func testAnUnopenablePathIsAnErrorNamingIt() throws {
        let folder = try HistoryFixtures.folder(self)
        let file = folder.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: file)
        // A folder where the file should be, a FIFO (which SQLite would wait on forever), and a path
        // through a plain file: all fail, for root too.
        let fifo = folder.appendingPathComponent("fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        for url in [folder, fifo, file.appendingPathComponent("h.sqlite")] {
            XCTAssertThrowsError(try HistoryStore.openForRecording(at: url).record(HistoryFixtures.record(),
                                                                                   runFolder: folder)) { error in
                let text = String(describing: error)
                XCTAssert(error is HistoryError, "\(error)")
                XCTAssert(text.contains(url.path), text)
            }
        }
        XCTAssertThrowsError(try HistoryStore.openForReading(at: fifo)) { error in
            XCTAssertEqual(String(describing: error), "run history \(fifo.path): not a regular file, not a history file")
        }
        XCTAssertThrowsError(try HistoryStore.openForRecording(at: folder)) { error in
            XCTAssertEqual(String(describing: error), "run history \(folder.path): a folder, not a history file")
        }
    }

    func testTheFileIsInWALModeWithLabBooksId() throws {
        let folder = try HistoryFixtures.folder(self)
        let url = folder.appendingPathComponent("h.sqlite")
        _ = try HistoryStore.openForRecording(at: url)
        let db = try SQLiteConnection(path: url.path, readOnly: true)
        XCTAssertEqual(try db.scalar("PRAGMA journal_mode"), .text("wal"))
        XCTAssertEqual(try db.scalar("PRAGMA application_id"), .integer(HistorySchema.applicationID))
        XCTAssertEqual(try db.scalar("PRAGMA user_version"), .integer(HistorySchema.currentVersion))
    }

    /// Many connections create one new history and write to it at once: every record arrives, once.
    func testConcurrentWritersLoseNothing() throws {
        let folder = try HistoryFixtures.folder(self)
        let url = folder.appendingPathComponent("h.sqlite")
        let writers = 8, runsEach = 5
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            do {
                let store = try HistoryStore.openForRecording(at: url)
                for run in 0..<runsEach {
                    try store.record(HistoryFixtures.record(params: ["writer": .int(writer), "run": .int(run)],
                                                            losses: (0..<200).map { 1 / Double($0 + 1) }),
                                     runFolder: folder.appendingPathComponent("w\(writer)-\(run)"))
                }
            } catch {
                failures.add("writer \(writer): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
        let store = try XCTUnwrap(try HistoryStore.openForReading(at: url))
        let runs = try store.runs()
        XCTAssertEqual(runs.count, writers * runsEach)
        let pairs = Set(runs.compactMap { run -> String? in
            guard case .int(let writer)? = run.parameters["writer"], case .int(let index)? = run.parameters["run"] else {
                return nil
            }
            return "\(writer)-\(index)"
        })
        XCTAssertEqual(pairs.count, writers * runsEach, "each record once")
        XCTAssertEqual(try store.run(id: runs.last!.id)?.curves.first?.points.count, 200)
        XCTAssertNil(try store.integrityProblems())
    }

    func testARunIsNamedByIdOrByItsFolder() throws {
        let folder = try HistoryFixtures.folder(self)
        let store = try HistoryStore.openForRecording(at: folder.appendingPathComponent("h.sqlite"))
        let runs = folder.appendingPathComponent("runs/spiral")
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        let first = HistoryFixtures.record(started: "2026-12-02T09:00:00Z")
        let second = HistoryFixtures.record(params: ["steps": .int(5)], started: "2026-12-02T10:00:00Z")
        try store.record(first, runFolder: runs)
        try store.record(second, runFolder: runs)
        try store.record(HistoryFixtures.record(status: .failed, error: "x", started: "2026-12-02T11:00:00Z"),
                         runFolder: runs)

        XCTAssertEqual(try store.run(named: "2", relativeTo: folder).id, 2)
        // The folder names the run its run.json holds...
        try RunRecordFile.write(second, to: runs.appendingPathComponent("run.json"))
        XCTAssertEqual(try store.run(named: "runs/spiral", relativeTo: folder).id, 2)
        XCTAssertEqual(try store.run(named: runs.path + "/", relativeTo: URL(fileURLWithPath: "/")).id, 2)
        try RunRecordFile.write(first, to: runs.appendingPathComponent("run.json"))
        XCTAssertEqual(try store.run(named: "./runs/../runs/spiral", relativeTo: folder).id, 1)
        // ...or, without one the history knows, the latest run recorded there.
        try FileManager.default.removeItem(at: runs.appendingPathComponent("run.json"))
        XCTAssertEqual(try store.run(named: "runs/spiral", relativeTo: folder).id, 3)

        XCTAssertThrowsError(try store.run(named: "9", relativeTo: folder)) { error in
            XCTAssertEqual(String(describing: error), "no run with id 9 in \(store.path) (its ids go from 1 to 3)")
        }
        XCTAssertThrowsError(try store.run(named: "runs/other", relativeTo: folder)) { error in
            XCTAssert(String(describing: error).contains("no run named 'runs/other'"), "\(error)")
        }
    }
}

/// Errors collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []

    func add(_ message: String) {
        lock.lock()
        messages.append(message)
        lock.unlock()
    }

    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return messages
    }
}
