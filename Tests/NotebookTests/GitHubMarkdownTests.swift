import CommonMark
import XCTest

/// Prose is GitHub Flavored Markdown, as notebook authors write it for GitHub and Jupyter: tables,
/// strikethrough, autolinks and task lists render; raw HTML stays out unless asked for; fenced
/// directive blocks are found where they are, tables or not.
final class GitHubMarkdownTests: XCTestCase {
    func testTablesStrikethroughAutolinksAndTaskListsRender() throws {
        let text = """
            | setting | accuracy |
            | :--- | ---: |
            | L2 `0.1` | 47% |
            | L2 1 | **54%** |

            ~~46%~~ is the tutorial's; see https://www.cs.toronto.edu/~kriz/cifar.html

            - [x] sweep
            - [ ] more seeds

            <script>alert(1)</script>
            """
        let html = try XCTUnwrap(MarkdownDocument(text)).html()
        XCTAssert(html.contains("<table>"), html)
        XCTAssert(html.contains("<th align=\"left\">setting</th>") && html.contains("<th align=\"right\">accuracy</th>"), html)
        XCTAssert(html.contains("<td align=\"left\">L2 <code>0.1</code></td>"), html)
        XCTAssert(html.contains("<td align=\"right\"><strong>54%</strong></td>"), html)
        XCTAssert(html.contains("<del>46%</del>"), html)
        XCTAssert(html.contains("<a href=\"https://www.cs.toronto.edu/~kriz/cifar.html\">"), html)
        XCTAssert(html.contains("<input type=\"checkbox\" checked=\"\" disabled=\"\" />"), html)
        XCTAssertFalse(html.contains("<script>"), "raw HTML is dropped in safe mode: \(html)")
        let unsafe = try XCTUnwrap(MarkdownDocument(text, options: .unsafe)).html()
        XCTAssert(unsafe.contains("<script>alert(1)</script>"), "allow_html keeps it: \(unsafe)")
    }

    func testDirectiveFencesAfterATableKeepTheirLines() throws {
        let text = "| a | b |\n| - | - |\n| 1 | 2 |\n\n```{train}\nsteps: 3\n```\n"
        let document = try XCTUnwrap(MarkdownDocument(text, options: .sourcePositions))
        var fences: [(line: Int, info: String)] = []
        document.forEachNode { node in
            if node.kind == .codeBlock, let info = node.fenceInfo { fences.append((node.startLine, info)) }
        }
        XCTAssertEqual(fences.map(\.line), [5])
        XCTAssertEqual(fences.map(\.info), ["{train}"])
    }

    func testEmptyAndLargeDocumentsParse() throws {
        XCTAssertEqual(try XCTUnwrap(MarkdownDocument("")).html(), "")
        let rows = (0..<5000).map { "| \($0) | x |" }.joined(separator: "\n")
        let html = try XCTUnwrap(MarkdownDocument("| n | v |\n| - | - |\n" + rows)).html()
        XCTAssertEqual(html.components(separatedBy: "<tr>").count - 1, 5001)
    }
}
