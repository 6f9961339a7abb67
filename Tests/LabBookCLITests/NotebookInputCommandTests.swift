import Foundation
import XCTest

/// How `labbook check` and `run` take notebooks that are marked, tagged, oversized or overridden badly:
/// the exit status and the message a user sees.
final class NotebookInputCommandTests: XCTestCase {
    static let tunable = """
        ---
        params:
          hidden_units: 16
        ---

        ```{data}
        dataset: spiral
        ```

        ```{network}
        layers:
          - dense: ${hidden_units}
          - dense: 3
        ```

        """

    func write(_ bytes: [UInt8], as name: String) throws -> URL {
        let folder = try makeTemporaryFolder(self)
        try Data(bytes).write(to: folder.appendingPathComponent(name))
        return folder
    }

    func testByteOrderMarkedNotebookKeepsItsFrontMatter() throws {
        let text = "---\nparams:\n  steps: 5\nseed: -1\n---\n\n```{data}\ndataset: spiral\n```\n"
        let folder = try write([0xEF, 0xBB, 0xBF] + Array(text.utf8), as: "marked.md")
        let result = try LabBookBinary.run(["check", "marked.md"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.standardError, """
            marked.md:4:7: error: 'seed' must be a non-negative integer, not an integer
            1 error in marked.md

            """)
    }

    func testExplicitTagThatContradictsTheTypeIsAnError() throws {
        let folder = try write(Array("---\nseed: !!str 5\n---\n".utf8), as: "tagged.md")
        let result = try LabBookBinary.run(["check", "tagged.md"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssert(result.standardError.hasPrefix("tagged.md:2:7: error: 'seed' must be a non-negative integer, not a string\n"),
                  result.standardError)
    }

    func testOverrideThatFailsValidationIsAUsageError() throws {
        let folder = try write(Array(Self.tunable.utf8), as: "nb.md")
        let result = try LabBookBinary.run(["check", "nb.md", "-p", "hidden_units=-3"], in: folder)
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.standardError,
                       "labbook: error: -p hidden_units=-3: 'dense' is -3, but must be between 1 and 1000000 (at nb.md:12:12)\n")
        let fine = try LabBookBinary.run(["check", "nb.md", "-p", "hidden_units=7"], in: folder)
        XCTAssertEqual(fine.status, 0, fine.standardError)

        let broken = Self.tunable.replacingOccurrences(of: "hidden_units: 16", with: "hidden_units: -3")
        let notebookError = try write(Array(broken.utf8), as: "nb.md")
        let own = try LabBookBinary.run(["check", "nb.md"], in: notebookError)
        XCTAssertEqual(own.status, 1)
        XCTAssert(own.standardError.hasPrefix("nb.md:12:12: error: 'dense' is -3"), own.standardError)
    }

    func testOversizedNotebookIsRefusedWithItsPosition() throws {
        let line = Array(String(repeating: "prose ", count: 20).utf8) + [UInt8(ascii: "\n")]
        let limit = 16 << 20
        var bytes: [UInt8] = []
        while bytes.count <= limit { bytes += line }
        let folder = try write(bytes, as: "huge.md")
        let result = try LabBookBinary.run(["check", "huge.md"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.standardError, """
            huge.md:\(limit / line.count + 1):\(limit % line.count + 1): error: the notebook is larger than 16 MiB, the most LabBook reads; it passes the limit here
            1 error in huge.md

            """)
    }

    func testLibYAMLInternalsStayOutOfMessages() throws {
        let text = "```{train}\n" + String(repeating: "- ", count: 1100) + "x\n```\n"
        let folder = try write(Array(text.utf8), as: "deep.md")
        let result = try LabBookBinary.run(["check", "deep.md"], in: folder)
        XCTAssertEqual(result.status, 1)
        XCTAssertFalse(result.standardError.contains("yaml_"), result.standardError)
        XCTAssert(result.standardError.contains(": error: the YAML is nested more than 32 levels deep"), result.standardError)
    }
}
