import Foundation
import XCTest
@testable import Notebook
@testable import Report

/// Every chart in the report is as wide as its card, in light and dark mode and in print: the SVG
/// fixes no size of its own, and the page's CSS stretches it and caps it nowhere.
final class ReportChartSizingTests: XCTestCase {
    static let notebook = """
        ---
        title: Sizing
        seed: 1
        ---

        ```{data}
        dataset: spiral
        classes: 3
        points: 30
        validation: 15
        ```

        ```{network}
        layers:
          - dense: 8
          - dense: 3
        ```

        ```{train}
        steps: 20
        batch_size: 15
        log_every: 5
        eval_every: 10
        ```

        ```{evaluate}
        split: validation
        ```
        """

    private func renderedReport() throws -> String {
        let plan = try NotebookPlan.make(bytes: Array(Self.notebook.utf8), path: "nb.md", overrides: [])
        let record = NotebookRunner(plan: plan, runFolder: FileManager.default.temporaryDirectory).run()
        XCTAssertEqual(record.status, .ok)
        return try ReportRenderer.render(record: record, notebookText: Self.notebook)
    }

    /// A CSS rule: its selectors (comma-separated) and its declarations, property to value.
    struct Rule {
        let selectors: [String]
        let declarations: [String: String]
    }

    /// The innermost rules of the page's `<style>` (those inside `@media` blocks included).
    private func styleRules(_ html: String) throws -> [Rule] {
        let start = try XCTUnwrap(html.range(of: "<style>")), end = try XCTUnwrap(html.range(of: "</style>"))
        let css = String(html[start.upperBound..<end.lowerBound]).replacing(/\/\*[\s\S]*?\*\//, with: "")
        return css.matches(of: /([^{}]+)\{([^{}]*)\}/).map { match in
            let selectors = match.output.1.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            var declarations: [String: String] = [:]
            for declaration in match.output.2.split(separator: ";") {
                let parts = declaration.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { continue }
                declarations[parts[0].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()] =
                    parts[1].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            }
            return Rule(selectors: selectors, declarations: declarations)
        }
    }

    /// Whether `selector` styles a chart's `<svg>` element itself (not something inside it).
    private func selectsChartSVG(_ selector: String) -> Bool {
        let last = selector.split(whereSeparator: { $0 == " " || $0 == ">" }).last.map(String.init) ?? ""
        return last == "svg" || last.hasPrefix("svg.") || last.hasPrefix("svg:") || last == ".chart"
    }

    private func selectsChartFigure(_ selector: String) -> Bool {
        let last = selector.split(whereSeparator: { $0 == " " || $0 == ">" }).last.map(String.init) ?? ""
        return last == "figure" || last.hasPrefix("figure.") || last == ".chart"
    }

    func testChartsFixNoSizeOfTheirOwn() throws {
        let html = try renderedReport()
        let tags = html.matches(of: /<svg [^>]*>/).map { String($0.output) }
        XCTAssertGreaterThanOrEqual(tags.count, 4, "the report should hold the data, network and training charts")
        for tag in tags {
            XCTAssertTrue(tag.contains(#"width="100%""#), tag)
            XCTAssertTrue(tag.contains("viewBox=\"0 0 "), tag)
            XCTAssertFalse(tag.contains("style="), "an inline style overrides the page's CSS: \(tag)")
            XCTAssertFalse(tag.contains(" height="), "a fixed height distorts the chart when it scales: \(tag)")
        }
    }

    func testThePageStretchesEveryChartToItsCardAndCapsNone() throws {
        let rules = try styleRules(try renderedReport())
        XCTAssertFalse(rules.isEmpty)
        let svgRules = rules.filter { $0.selectors.contains(where: selectsChartSVG) }
        XCTAssertTrue(svgRules.contains { $0.declarations["width"] == "100%" && $0.declarations["height"] == "auto" },
                      "no rule gives chart SVGs width: 100% and height: auto")
        // Light, dark and print rules alike: nothing may narrow a chart or fix its height.
        for rule in svgRules {
            for property in ["width", "max-width", "min-width"] {
                if let value = rule.declarations[property] {
                    XCTAssertTrue(["100%", "none", "auto"].contains(value), "\(rule.selectors): \(property): \(value)")
                }
            }
            if let height = rule.declarations["height"] { XCTAssertEqual(height, "auto", "\(rule.selectors)") }
        }
        // Browsers indent a <figure> by 40px on each side unless the page says otherwise.
        let figureRules = rules.filter { $0.selectors.contains(where: selectsChartFigure) }
        XCTAssertTrue(figureRules.contains { $0.declarations["margin"] != nil || $0.declarations["margin-left"] != nil },
                      "the chart's figure keeps the browser's side margins")
        for rule in figureRules {
            for property in ["margin", "padding"] {
                guard let value = rule.declarations[property] else { continue }
                XCTAssertTrue(horizontalLengths(value).allSatisfy(isZero), "\(rule.selectors): \(property): \(value)")
            }
            for property in ["margin-left", "margin-right", "padding-left", "padding-right"] {
                guard let value = rule.declarations[property] else { continue }
                XCTAssertTrue(isZero(Substring(value)), "\(rule.selectors): \(property): \(value)")
            }
            for property in ["width", "max-width"] {
                guard let value = rule.declarations[property] else { continue }
                XCTAssertTrue(["100%", "none", "auto"].contains(value), "\(rule.selectors): \(property): \(value)")
            }
        }
    }

    /// The left and right lengths of a `margin` or `padding` shorthand (one to four values).
    private func horizontalLengths(_ shorthand: String) -> [Substring] {
        let parts = shorthand.split(separator: " ")
        switch parts.count {
        case 1: return parts
        case 2, 3: return [parts[1]]
        default: return [parts[1], parts[3]]
        }
    }

    private func isZero(_ length: Substring) -> Bool {
        Double(length.prefix { $0.isNumber || $0 == "." || $0 == "-" }) == 0
    }
}
