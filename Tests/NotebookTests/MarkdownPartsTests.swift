import CommonMark
import XCTest
@testable import Notebook

/// Parsing the notebook part by part finds exactly the directive blocks a parse of the whole finds,
/// and bounds what one parse holds.
final class MarkdownPartsTests: XCTestCase {
    /// Fenced blocks with a `{` info string in one parse of the whole text: line, and whether they
    /// stand at the top level.
    func wholeDocumentFences(_ text: String) -> [[Int]] {
        guard let document = MarkdownDocument(text, options: .sourcePositions) else { return [] }
        var found: [[Int]] = []
        document.forEachNode { node in
            guard node.kind == .codeBlock, node.fenceInfo?.hasPrefix("{") == true else { return }
            found.append([node.startLine, node.parent == document.document ? 1 : 0])
        }
        return found
    }

    /// The same, as the notebook parser reports them: directives, and nested ones as errors.
    func parsedFences(_ text: String) -> [[Int]] {
        let (source, diagnostics) = MarkdownParser.parse(Array(text.utf8), path: "nb.md")
        var found = (source?.cells ?? []).compactMap { cell -> [Int]? in
            guard case .directive(let block) = cell else { return nil }
            return [block.location.line, 1]
        }
        found += diagnostics.filter { $0.message.contains("must stand at the top level") }.map { [$0.location.line, 0] }
        return found.sorted { $0[0] < $1[0] }
    }

    let tricky = [
        // A fence holding blank lines and unindented lines, even a fence-looking line of fewer backticks.
        "Intro.\n\n````\ncode\n\nnot a cut\n```{train}\nsteps: 1\n```\n````\n\n```{data}\ndataset: spiral\n```\n",
        // An HTML comment across blank lines hides the fence inside it.
        "<!-- hidden\n\n```{train}\nsteps: 1\n```\n\n-->\n\n```{data}\ndataset: spiral\n```\n",
        "<pre>\n\n```{train}\n```\n\n</pre>\n\n```{evaluate}\n```\n",
        "<PRE class=x>\n\nkept\n\n</PrE>\ntext\n\n```{plot}\nchart: curves\n```\n",
        // Fences inside list items and quotes, with blank lines between items.
        "- one\n\n  ```{train}\n  steps: 1\n  ```\n\n- two\n\n```{data}\ndataset: spiral\n```\n",
        "1. item\n\n    ```{train}\n    steps: 1\n    ```\n\ntext\n",
        "> quote\n>\n> ```{train}\n> steps: 1\n> ```\n\n```{evaluate}\n```\n",
        // Indented code, lazy lines, setext headings, tabs.
        "    indented\n\n    ```{train}\n\ntext\n===\n\n```{data}\ndataset: spiral\n```\n",
        "\t```{train}\n\n~~~{data}\ndataset: spiral\n~~~\n",
        "text\n\n```{train}\nsteps: 1\n\nmore\n```\n\n```{evaluate}\n```\n",
    ]

    func testPartsFindWhatTheWholeFinds() {
        for (index, text) in tricky.enumerated() {
            XCTAssertEqual(parsedFences(text), wholeDocumentFences(text), "document \(index)")
        }
        // A fence never closed runs to the end of the notebook, cut or not.
        let (_, diagnostics) = MarkdownParser.parse(Array("text\n\n```{train}\nsteps: 1\n\nmore\n".utf8), path: "nb.md")
        XCTAssertEqual(diagnostics.map(\.message), ["the {train} block opened here is never closed"])
    }

    func testCutsFallBeforeUnindentedLinesAfterBlankLinesOnly() {
        let text = "a\n\nb\n  c\n\n  d\n\n```\n\nx\n```\n\ne\n"
        let bytes = Array(text.utf8)
        let parts = MarkdownParts.split(bytes)
        XCTAssertEqual(parts.map(\.firstLine), [1, 3, 8, 13])
        XCTAssertEqual(parts.map { String(decoding: bytes[$0.bytes], as: UTF8.self) },
                       ["a\n", "b\n  c\n\n  d\n", "```\n\nx\n```\n", "e\n"])
    }

    func testALongRunOfPathologicalProseIsParsedInPartsOrRefused() {
        // 2 MiB of emphasis in short paragraphs: parsed part by part.
        let paragraph = String(repeating: "*a* ", count: 25) + "\n\n"
        let fine = String(repeating: paragraph, count: (2 << 20) / paragraph.utf8.count) + "```{data}\ndataset: spiral\n```\n"
        let (source, diagnostics) = MarkdownParser.parse(Array(fine.utf8), path: "nb.md")
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(source?.cells.filter { if case .directive = $0 { true } else { false } }.count, 1)

        // One paragraph of 300 KiB has no place to cut: refused at its first line.
        let giant = "# Title\n\n" + String(repeating: "*a* ", count: 300 << 8) + "\n"
        let (_, refused) = MarkdownParser.parse(Array(giant.utf8), path: "nb.md")
        XCTAssertEqual(refused.map(\.location.line), [3])
        XCTAssert(refused.first?.message.contains("more than 256 KiB of text with no blank line") == true,
                  "\(refused)")
    }
}
