import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Notebook
@testable import Report

/// The report of a real (small) run: well-formed, self-contained, escaped, and showing failures.
final class ReportRenderingTests: XCTestCase {
    /// Runs `text` as a notebook and renders its report.
    func report(_ text: String, overrides: [String] = []) throws -> (html: String, record: RunRecord) {
        let plan = try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md", overrides: overrides)
        let record = NotebookRunner(plan: plan, runFolder: FileManager.default.temporaryDirectory).run()
        return (try ReportRenderer.render(record: record, notebookText: text, runFiles: ["run.json", "notebook.md"]), record)
    }

    static let notebook = """
        ---
        title: Spiral report
        description: A small run for the report's tests.
        seed: 3
        params:
          steps: 60
        ---

        # Data

        Three arms, ${steps} steps.

        ```{data}
        dataset: spiral
        classes: 3
        points: 60
        validation: 30
        ```

        ## Network

        ```{network}
        layers:
          - dense: 16
          - dense: 3
        ```

        ```{train}
        steps: ${steps}
        batch_size: 30
        optimizer: adam
        log_every: 10
        eval_every: 20
        ```

        ```{plot}
        chart: curves
        ```

        ```{plot}
        chart: histograms
        of: activations
        layer: 1
        ```

        ```{evaluate}
        split: validation
        ```

        ```{plot}
        chart: confusion
        ```

        ## Data

        A second heading with the same text gets its own anchor.
        """

    func testReportIsWellFormedAndEverySVGParses() throws {
        let (html, record) = try report(Self.notebook)
        XCTAssertEqual(record.status, .ok)
        XCTAssertTrue(parsesAsXML(html), "the page should be well-formed (polyglot) HTML")
        let svgs = svgElements(html)
        // class counts + network diagram + loss + accuracy + curves (2) + histogram + per-class + confusion (2)
        XCTAssertEqual(svgs.count, 10)
        for svg in svgs {
            XCTAssertTrue(parsesAsXML(svg), "SVG does not parse: \(svg.prefix(200))")
            XCTAssertTrue(svg.contains("<title"), "every chart has a <title>")
        }
        XCTAssertTrue(html.contains("Three arms, 60 steps."), "declared parameters are shown in prose")
        XCTAssertTrue(html.contains("<h1 id=\"data\">Data</h1>"))
        XCTAssertTrue(html.contains("<h2 id=\"data-2\">Data</h2>"))
        XCTAssertTrue(html.contains("href=\"#data-2\""))
        XCTAssertTrue(html.contains("Source, line 13"))
        XCTAssertTrue(html.contains("class=\"language-yaml\""))
        XCTAssertTrue(html.contains("seed 3"))
    }

    func testAFolderOfManyDataFilesListsAFewAndCountsTheRest() throws {
        var (_, record) = try report(Self.notebook)
        record.dataFiles = (0..<5000).map { FileHash(path: "photos/cat/\($0).png", sha256: String(repeating: "a", count: 64)) }
        let html = try ReportRenderer.render(record: record, notebookText: Self.notebook, runFiles: ["run.json"])
        XCTAssertEqual(html.components(separatedBy: "photos/cat/").count - 1, 19, "19 files, then a count")
        XCTAssert(html.contains("… 4981 more data files"), "the rest are counted")
        record.dataFiles = Array(record.dataFiles!.prefix(20))
        let few = try ReportRenderer.render(record: record, notebookText: Self.notebook, runFiles: ["run.json"])
        XCTAssertEqual(few.components(separatedBy: "photos/cat/").count - 1, 20, "twenty are all listed")
    }

    func testNothingIsFetchedFromElsewhere() throws {
        let (html, _) = try report(Self.notebook)
        for attribute in ["src=\"", "href=\""] {
            var rest = Substring(html)
            while let range = rest.range(of: attribute) {
                let value = rest[range.upperBound...].prefix { $0 != "\"" }
                XCTAssert(value.hasPrefix("#") || value.hasPrefix("data:") || !value.contains(":"),
                          "\(attribute)\(value) reaches outside the page and its run folder")
                rest = rest[range.upperBound...]
            }
        }
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("<link"))
        XCTAssertFalse(html.contains("url("))
        XCTAssertFalse(html.contains("@import"))
    }

    func testHostileTextIsEscapedEverywhere() throws {
        let hostile = """
            ---
            title: "<script>alert('title')</script> & co"
            description: "</p><img src=x onerror=alert(1)>"
            params:
              label: "</td><script>alert('param')</script>"
            ---

            Raw <script>alert('prose')</script> and <b>bold</b> HTML is dropped in safe mode.

            ```{data}
            dataset: spiral   # <script>alert('source')</script>
            ```
            """
        let (html, _) = try report(hostile)
        XCTAssertFalse(html.contains("<script"), "no script element may come from notebook text")
        XCTAssertFalse(html.contains("<img src=x"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert("), "hostile text is shown, escaped")
        XCTAssertTrue(html.contains("raw HTML omitted"), "cmark's safe mode drops raw HTML from prose")
        XCTAssertTrue(parsesAsXML(html))
    }

    func testAllowHTMLLetsRawHTMLThrough() throws {
        let (html, _) = try report("---\nallow_html: true\n---\n\nSome <b>bold</b> words.\n")
        XCTAssertTrue(html.contains("<b>bold</b>"))
    }

    func testAFailedBlockShowsItsErrorWhereItStands() throws {
        let diverging = """
            ```{data}
            dataset: spiral
            ```

            ```{network}
            layers:
              - dense: 32
                activation: none
              - dense: 3
            ```

            ```{train}
            steps: 200
            batch_size: 30
            learning_rate: 1000000
            ```

            ```{evaluate}
            ```
            """
        let (html, record) = try report(diverging)
        XCTAssertEqual(record.status, .failed)
        XCTAssertTrue(html.contains("This run failed."))
        let trainSection = try XCTUnwrap(html.range(of: "id=\"line-12\""))
        let evaluateSection = try XCTUnwrap(html.range(of: "id=\"line-18\""))
        let error = try XCTUnwrap(html.range(of: "Line 12: the loss became NaN"))
        XCTAssertTrue(trainSection.upperBound < error.lowerBound && error.upperBound < evaluateSection.lowerBound,
                      "the error is shown inside the failing block")
        XCTAssertTrue(html.contains("status-skipped"))
        XCTAssertTrue(parsesAsXML(html))
    }

    func testAFirstHeadingRepeatingTheTitleIsShownOnce() throws {
        let body = "\n```{data}\ndataset: spiral\n```\n\n# Spiral report\n\nLater, the same words are a real heading.\n"
        let repeated = try report("---\ntitle: Spiral report\n---\n\n# Spiral report\n\nIntro.\n" + body).html
        XCTAssertEqual(repeated.components(separatedBy: ">Spiral report</h1>").count - 1, 2,
                       "the page title, and the later heading; not the notebook's first one")
        XCTAssertFalse(repeated.contains("<h1 id=\"spiral-report\">Spiral report</h1>\n<p>Intro."))
        XCTAssertTrue(repeated.contains("<p>Intro.</p>"))
        let other = try report("---\ntitle: Spiral report\n---\n\n# Another heading\n" + body).html
        XCTAssertTrue(other.contains(">Another heading</h1>"), "a first heading with other words stays")
    }

    func testCustomTemplateIsUsed() throws {
        let plan = try NotebookPlan.make(bytes: Array("# Hi\n".utf8), path: "nb.md")
        let record = NotebookRunner(plan: plan, runFolder: FileManager.default.temporaryDirectory).run()
        let html = try ReportRenderer.render(record: record, notebookText: "# Hi\n",
                                             template: "<p>{{title}} has {{count(cells)}} cells</p>")
        XCTAssertEqual(html, "<p>nb has 1 cells</p>")
        XCTAssertThrowsError(try ReportRenderer.render(record: record, notebookText: "# Hi\n", template: "{{#open}}"))
    }

    // MARK: - Helpers

    func parsesAsXML(_ text: String) -> Bool {
        let parser = XMLParser(data: Data(text.utf8))
        let ok = parser.parse()
        if !ok { print("XML error: \(String(describing: parser.parserError)) at line \(parser.lineNumber)") }
        return ok
    }

    func svgElements(_ html: String) -> [String] {
        var found: [String] = []
        var rest = Substring(html)
        while let start = rest.range(of: "<svg"), let end = rest[start.lowerBound...].range(of: "</svg>") {
            found.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return found
    }
}
