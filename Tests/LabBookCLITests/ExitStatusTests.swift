import Foundation
import XCTest

/// The README's exit statuses, case by case: 0 success, 1 an error in the notebook, its data or
/// on disk (with its location), 2 a usage error. Messages are plain words, never Foundation's codes.
final class ExitStatusTests: XCTestCase {
    func testTheExitStatusTable() throws {
        let folder = try makeTemporaryFolder(self)
        try Data(RunFolderFixtures.spiralNotebook().utf8).write(to: folder.appendingPathComponent("nb.md"))
        try Data("---\nseed: [\n---\n".utf8).write(to: folder.appendingPathComponent("broken.md"))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (["check", "nb.md"], 0, ""),
            (["check", "broken.md"], 1, "broken.md:"),
            (["check", "missing.md"], 2, "missing.md: no such file"),
            (["run", "nb.md", "-o", "out", "--quiet", "--template", "nowhere.mustache"], 2, "--template nowhere.mustache: no such file"),
            (["run", "nb.md", "-o", "", "--quiet"], 2, "-o '' names no folder"),
            (["run", "nb.md", "--no-such-flag"], 2, "--no-such-flag"),
            (["new", "nb"], 2, "nb.md already exists"),
            (["verify", "empty"], 1, "cannot read the run record: no such file"),
            (["report", "empty"], 1, "cannot read the run record: no such file"),
            (["verify", "nowhere"], 1, "no such file"),
            (["frobnicate"], 2, "frobnicate"),
        ]
        for (arguments, status, message) in cases {
            let result = try LabBookBinary.run(arguments, in: folder)
            XCTAssertEqual(result.status, status, "labbook \(arguments.joined(separator: " ")): \(result.standardError)")
            XCTAssert(message.isEmpty || result.standardError.contains(message), "labbook \(arguments.joined(separator: " ")): \(result.standardError)")
            XCTAssertFalse(result.standardError.contains("Error Domain="), result.standardError)
            XCTAssertFalse(result.standardError.contains("Code="), result.standardError)
        }
    }

    func testARecordThatIsNotLabBooksIsSaidSoInPlainWords() throws {
        let folder = try makeTemporaryFolder(self)
        let run = folder.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try Data("{\"title\": 3}".utf8).write(to: run.appendingPathComponent("run.json"))
        let result = try LabBookBinary.run(["verify", "run"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssert(result.standardError.contains("run.json: not a LabBook run record: "), result.standardError)
        XCTAssertFalse(result.standardError.contains("Error Domain="), result.standardError)
    }
}
