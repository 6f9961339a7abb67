import XCTest
@testable import Notebook

/// Inputs beyond the documented limits are refused with a located error, before the work they would cost.
final class NotebookLimitsTests: XCTestCase {
    func testNotebookLargerThanTheLimitIsRefusedWhereItPassesIt() {
        let line = "abcdefghi\n".utf8
        let lines = NotebookLimits.maximumNotebookBytes / line.count + 1
        let bytes = Array(String(repeating: "abcdefghi\n", count: lines).utf8)
        let (source, diagnostics) = MarkdownParser.parse(bytes, path: "nb.md")
        XCTAssertNil(source)
        let limit = NotebookLimits.maximumNotebookBytes
        XCTAssertEqual(diagnostics.map(\.description), [
            "nb.md:\(limit / line.count + 1):\(limit % line.count + 1): error: the notebook is larger than 16 MiB, "
            + "the most LabBook reads; it passes the limit here",
        ])
    }

    func testYAMLLargerThanTheLimitIsRefusedAtItsBlock() {
        let long = String(repeating: "x", count: NotebookLimits.maximumYAMLBytes)
        XCTAssertEqual(messages(spiralData + block("checkpoint", "name: \(long)")),
                       ["nb.md:6:1: error: this YAML is 65 KiB; the front matter and each block may hold at most 64 KiB"])
        XCTAssertEqual(messages("---\ndescription: \(long)\n---\n"),
                       ["nb.md:2:1: error: this YAML is 65 KiB; the front matter and each block may hold at most 64 KiB"])
        XCTAssertEqual(messages(spiralData + block("checkpoint", "name: " + long.dropFirst(10))).count, 1,
                       "below the limit, only the name itself is wrong")
    }

    /// Nesting is bounded before libyaml and Yams recurse, and libyaml's own limit speaks plainly.
    func testDeepNestingIsRefusedInPlainWords() {
        let depth = NotebookLimits.maximumYAMLDepth
        XCTAssertEqual(messages(block("train", "steps: " + String(repeating: "[", count: depth + 5))),
                       ["nb.md:2:\(8 + depth): error: the YAML is nested more than \(depth) levels deep"])
        let blockNesting = messages(block("train", String(repeating: "- ", count: depth + 5) + "x"))
        XCTAssertEqual(blockNesting, ["nb.md:2:\(2 * depth + 3): error: the YAML is nested more than \(depth) levels deep"])
        // Deeper than libyaml allows: its message names a C function; ours says what is wrong.
        let libyamlNesting = messages(block("train", String(repeating: "- ", count: 1100) + "x"))
        XCTAssertEqual(libyamlNesting.count, 1)
        XCTAssert(libyamlNesting[0].hasPrefix("nb.md:2:"), libyamlNesting[0])
        XCTAssert(libyamlNesting[0].hasSuffix(": error: the YAML is nested more than \(depth) levels deep"), libyamlNesting[0])
    }

    func testTooManyBlocksAreRefusedAtTheFirstOneOver() {
        let limit = NotebookLimits.maximumBlocks
        let text = String(repeating: "```{evaluate}\n```\n", count: limit + 2)
        let (source, diagnostics) = MarkdownParser.parse(Array(text.utf8), path: "nb.md")
        XCTAssertEqual(diagnostics.map(\.description), [
            "nb.md:\(2 * limit + 1):4: error: the notebook has more than \(limit) directive blocks, the most LabBook "
            + "reads; this is the first one over",
        ])
        XCTAssertEqual(source?.cells.filter { if case .directive = $0 { true } else { false } }.count, limit)
    }

    /// 20,000 blocks is far beyond any tutorial, and still well inside the limits.
    func testTwentyThousandBlocksAreAccepted() throws {
        let round = block("evaluate", "split: test") + "Some prose between blocks.\n\n"
        let text = spiralData + smallNetwork + String(repeating: round, count: 19_998)
        let (plan, diagnostics) = validate(text)
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(plan?.blocks.count, 20_000)
        XCTAssertEqual(plan?.blocks.last?.line, 9 + 19_997 * 5 + 1)
    }
}
