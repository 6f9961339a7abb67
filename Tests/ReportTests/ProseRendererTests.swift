import XCTest
@testable import Report

/// Long prose is rendered part by part, so cmark's tree stays small, and reads the same.
final class ProseRendererTests: XCTestCase {
    func testLongProseRendersPartByPartAsItWouldWhole() {
        var text = ""
        var section = 0
        while text.utf8.count <= ProseRenderer.wholeRenderLimit + 10_000 {
            section += 1
            text += "## Section \(section)\n\nSome *prose* with `code` and a [link](https://example.org/\(section)).\n"
                + "A second line of the paragraph.\n\n```python\nprint(\(section))\n\nprint('after a blank line')\n```\n\n"
                + "<!-- a comment\n\nacross a blank line -->\n\n> A quote.\n\n    indented code\n\n"
        }
        var partByPart = ProseRenderer(allowHTML: false)
        var whole = ProseRenderer(allowHTML: false)
        let rendered = partByPart.render(text)
        XCTAssertEqual(rendered, whole.renderPart(Array(text.utf8)[...]))
        XCTAssertEqual(partByPart.headings.count, section)
        XCTAssertEqual(partByPart.headings.last?.id, "section-\(section)")
        XCTAssert(rendered.contains("<h2 id=\"section-\(section)\">Section \(section)</h2>"))
    }
}
