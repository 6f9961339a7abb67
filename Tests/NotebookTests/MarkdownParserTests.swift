import XCTest
@testable import Notebook

final class MarkdownParserTests: XCTestCase {
    func parse(_ text: String) -> (NotebookSource?, [Diagnostic]) {
        MarkdownParser.parse(Array(text.utf8), path: "nb.md")
    }

    func testSplitsFrontMatterProseAndDirectivesWithFileLineNumbers() throws {
        let text = """
            ---
            title: T
            ---
            # Heading

            Some *prose*.

            ```{train}
            steps: 10
            batch_size: 4
            ```

            ```python
            print("shown, never run")
            ```
            """
        let (source, diagnostics) = parse(text)
        XCTAssertEqual(diagnostics, [])
        let notebook = try XCTUnwrap(source)
        XCTAssertEqual(notebook.frontMatter, YAMLText(text: "title: T", firstLine: 2, columnOffset: 0))
        XCTAssertEqual(notebook.cells.count, 3)
        guard case .prose(let heading) = notebook.cells[0], case .directive(let train) = notebook.cells[1],
              case .prose(let code) = notebook.cells[2] else { return XCTFail("unexpected cells \(notebook.cells)") }
        XCTAssertEqual(heading.firstLine, 4)
        XCTAssert(heading.markdown.hasPrefix("# Heading"))
        XCTAssertEqual(train.name, "train")
        XCTAssertEqual(train.location, SourceLocation(file: "nb.md", line: 8, column: 4))
        // The body starts on the line after the fence.
        XCTAssertEqual(train.body, YAMLText(text: "steps: 10\nbatch_size: 4\n", firstLine: 9, columnOffset: 0))
        XCTAssertEqual(train.lastLine, 11)
        XCTAssert(code.markdown.contains("```python"))
    }

    func testIndentedFenceShiftsBodyColumns() throws {
        let (source, _) = parse("  ```{evaluate}\n  split: test\n  ```\n")
        guard case .directive(let block) = try XCTUnwrap(source).cells.first else { return XCTFail() }
        XCTAssertEqual(block.body.columnOffset, 2)
        XCTAssertEqual(block.location.column, 6)
    }

    func testStructuralProblems() {
        XCTAssertEqual(parse("---\ntitle: x\n").1.map(\.description),
                       ["nb.md:1:1: error: the front matter opened here is never closed with '---'"])
        XCTAssertEqual(parse("text\n\n```{train}\nsteps: 3\n").1.map(\.description),
                       ["nb.md:3:4: error: the {train} block opened here is never closed"])
        XCTAssertEqual(parse("- item\n\n  ```{train}\n  steps: 3\n  ```\n").1.map(\.description),
                       ["nb.md:3:6: error: the {train} block must stand at the top level of the notebook, not inside a list or quote"])
        XCTAssertEqual(parse("```{train\nsteps: 3\n```\n").1.map(\.description),
                       ["nb.md:1:4: error: malformed directive '{train': write {name}, such as {train}"])
    }

    func testInvalidUTF8IsLocated() {
        let bytes: [UInt8] = Array("ok\nab".utf8) + [0xff] + Array("\n".utf8)
        let (source, diagnostics) = MarkdownParser.parse(bytes, path: "nb.md")
        XCTAssertNil(source)
        XCTAssertEqual(diagnostics.map(\.description), ["nb.md:2:3: error: the notebook is not UTF-8 text"])
    }

    /// CommonMark ends lines at LF, CRLF or a lone CR; positions must agree with cmark's for each.
    func testLineEndingsAllGiveTheSameLines() throws {
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["# Title", "", "```{evaluate}", "split: test", "```", ""].joined(separator: ending)
            let (source, diagnostics) = parse(text)
            XCTAssertEqual(diagnostics, [], ending.debugDescription)
            guard case .directive(let block) = try XCTUnwrap(source?.cells.last) else { return XCTFail(ending.debugDescription) }
            XCTAssertEqual(block.location.line, 3, ending.debugDescription)
            XCTAssertEqual(block.body.firstLine, 4, ending.debugDescription)
            XCTAssertEqual(block.lastLine, 5, ending.debugDescription)
        }
    }

    /// Some editors start UTF-8 files with a byte-order mark; it must not turn the front matter into prose.
    func testByteOrderMarkBeforeFrontMatterIsSkipped() throws {
        let text = "---\ntitle: Marked\nseed: 4\n---\n```{evaluate}\nsplit: test\n```\n"
        let (marked, diagnostics) = MarkdownParser.parse(MarkdownParser.byteOrderMark + Array(text.utf8), path: "nb.md")
        let (plain, _) = parse(text)
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(marked?.frontMatter, plain?.frontMatter)
        XCTAssertEqual(marked?.frontMatter?.text, "title: Marked\nseed: 4")
        XCTAssertEqual(marked?.cells, plain?.cells)
    }

    /// Positions are the ones an editor shows, which does not count the mark, on the first line too.
    func testByteOrderMarkKeepsPositions() throws {
        let mark = MarkdownParser.byteOrderMark
        let (source, _) = MarkdownParser.parse(mark + Array("```{evaluate}\nsplit: test\n```\n".utf8), path: "nb.md")
        guard case .directive(let block) = try XCTUnwrap(source?.cells.first) else { return XCTFail() }
        XCTAssertEqual(block.location, SourceLocation(file: "nb.md", line: 1, column: 4))
        XCTAssertEqual(block.body.firstLine, 2)

        let invalid = mark + Array("ab".utf8) + [0xff]
        XCTAssertEqual(MarkdownParser.parse(invalid, path: "nb.md").1.map(\.description),
                       ["nb.md:1:3: error: the notebook is not UTF-8 text"])
        // Only a mark at the very start is an encoding marker.
        XCTAssertNil(parse("\n" + "\u{FEFF}---\ntitle: T\n---\n").0?.frontMatter)
    }

    func testInvalidUTF8AfterOtherLineEndingsIsLocated() {
        for ending in ["\r\n", "\r"] {
            let bytes = Array("ok\(ending)\(ending)ab".utf8) + [0xC3]
            XCTAssertEqual(MarkdownParser.parse(bytes, path: "nb.md").1.map(\.description),
                           ["nb.md:3:3: error: the notebook is not UTF-8 text"], ending.debugDescription)
        }
    }

    /// A closed front matter's lines, blank or not, keep every later line number the file's.
    func testFrontMatterLinesCountTowardsLaterPositions() throws {
        let (source, diagnostics) = parse("---\n\ntitle: T\n\n...\n\n```{evaluate}\n```\n")
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(source?.frontMatter, YAMLText(text: "\ntitle: T\n", firstLine: 2, columnOffset: 0))
        guard case .directive(let block) = try XCTUnwrap(source?.cells.first) else { return XCTFail() }
        XCTAssertEqual(block.location.line, 7)
        XCTAssertEqual(parse("---\n---\n").0?.frontMatter, YAMLText(text: "", firstLine: 2, columnOffset: 0))
    }
}

