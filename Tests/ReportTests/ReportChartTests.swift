import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import NeuralNet
import XCTest
@testable import Report

/// Parses `svg` as XML and records what the charts' tests look at.
final class ParsedSVG {
    let elements: [(name: String, attributes: [String: String])]
    /// All character data, concatenated.
    let text: String
    let error: Error?
    /// The name of the root's first child element.
    let firstChildOfRoot: String?
    let succeeded: Bool

    init(_ svg: String) {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        succeeded = parser.parse()
        error = parser.parserError ?? collector.error
        elements = collector.elements
        text = collector.text
        firstChildOfRoot = collector.firstChildOfRoot
    }

    /// The elements named `name` whose `class` list holds every class in `classes`.
    func elements(_ name: String, classes: String...) -> [[String: String]] {
        elements.filter { element in
            element.name == name
                && classes.allSatisfy { (element.attributes["class"] ?? "").split(separator: " ").contains(Substring($0)) }
        }.map(\.attributes)
    }

    var root: [String: String] { elements.first?.attributes ?? [:] }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var text = ""
        var error: Error?
        var firstChildOfRoot: String?
        var depth = 0

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            if depth == 1 && firstChildOfRoot == nil { firstChildOfRoot = elementName }
            depth += 1
            elements.append((elementName, attributes))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            depth -= 1
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
    }
}

/// Checks what every chart must have and returns the parsed document.
@discardableResult
func assertChartBasics(_ svg: String, title: String, file: StaticString = #filePath, line: UInt = #line) -> ParsedSVG {
    let parsed = ParsedSVG(svg)
    XCTAssertTrue(parsed.succeeded, "not well-formed XML: \(String(describing: parsed.error))", file: file, line: line)
    XCTAssertNil(parsed.error, file: file, line: line)
    XCTAssertEqual(parsed.elements.first?.name, "svg", file: file, line: line)
    XCTAssertEqual(parsed.root["xmlns"], "http://www.w3.org/2000/svg", file: file, line: line)
    XCTAssertEqual(parsed.root["role"], "img", file: file, line: line)
    XCTAssertEqual(parsed.root["width"], "100%", file: file, line: line)
    XCTAssertTrue(parsed.root["viewBox"]?.hasPrefix("0 0 720 ") ?? false, file: file, line: line)
    // The chart takes its container's width and its height from the view box: nothing fixes either.
    XCTAssertNil(parsed.root["height"], file: file, line: line)
    XCTAssertNil(parsed.root["style"], "an inline style would override the page's sizing", file: file, line: line)
    XCTAssertEqual(parsed.firstChildOfRoot, "title", "the <title> must come first", file: file, line: line)
    let titleID = parsed.elements.first { $0.name == "title" }?.attributes["id"]
    XCTAssertNotNil(titleID, file: file, line: line)
    XCTAssertTrue(parsed.root["aria-labelledby"]?.split(separator: " ").contains(Substring(titleID ?? "-")) ?? false,
                  file: file, line: line)
    XCTAssertTrue(parsed.text.contains(title), "the title text is missing", file: file, line: line)
    XCTAssertFalse(svg.contains("NaN"), "a NaN coordinate slipped through", file: file, line: line)
    XCTAssertFalse(svg.contains("inf\""), file: file, line: line)
    return parsed
}

/// Shared SVG plumbing: escaping, ticks, number formats.
final class ReportChartTests: XCTestCase {
    static let hostile = "</title><script>alert(1)</script>&"

    func testEscapeXMLEscapesMarkupAndDropsCharactersXMLCannotHold() {
        XCTAssertEqual(escapeXML(#"<a href="x">Tom & 'Jerry'</a>"#),
                       "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;")
        XCTAssertEqual(escapeXML("bell\u{07}tab\tnul\u{0}"), "bell\u{FFFD}tab\tnul\u{FFFD}")
        XCTAssertEqual(escapeXML("ünïcødé ×"), "ünïcødé ×")
    }

    func testHostileTitlesAndNamesComeOutEscapedInEveryChart() {
        let hostile = ReportChartTests.hostile
        let image = PixelImage(channels: 1, height: 2, width: 2, planar: [0, 1, 2, 3])
        let charts = [
            LineChart(title: hostile, xLabel: hostile, yLabel: hostile,
                      series: [.init(name: hostile, steps: [0, 1], values: [1, 2]),
                               .init(name: "b", steps: [0, 1], values: [2, 1])]).svg(),
            DistributionChart(title: hostile, yLabel: hostile,
                              steps: [.init(step: 0, percentiles: Percentiles.compute(values: [1, 2, 3]))]).svg(),
            Heatmap(title: hostile, classNames: [hostile, "b"], counts: [[1, 2], [3, 4]]).svg(),
            BarChart(title: hostile, bars: [.init(label: hostile, value: 1)], valueLabel: hostile).svg(),
            NetworkDiagram(title: hostile, input: hostile, layers: [.init(name: hostile, detail: hostile, parameters: 3)]).svg(),
            ImageGrid.predictions(title: hostile, images: [image], predicted: [hostile], actual: ["x"]).svg(),
        ]
        for svg in charts {
            XCTAssertFalse(svg.lowercased().contains("<script"), svg)
            XCTAssertTrue(svg.contains("-title\">&lt;/title&gt;&lt;script&gt;"), "the title element holds the whole title")
            XCTAssertTrue(svg.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;"))
            let parsed = assertChartBasics(svg, title: hostile)
            XCTAssertTrue(parsed.elements("script").isEmpty)
        }
    }

    func testTicksForZeroToTwoThousandAreFiveHundredApart() {
        let ticks = AxisTicks(covering: 0, 2000)
        XCTAssertEqual(ticks.values, [0, 500, 1000, 1500, 2000])
        XCTAssertEqual(ticks.labels(), ["0", "500", "1k", "1.5k", "2k"])
        XCTAssertEqual(ticks.step, 500)
    }

    func testTicksForAFractionRangeAreNiceAndCanBePercentages() {
        let ticks = AxisTicks(covering: 0, 0.93)
        XCTAssertEqual(ticks.values, [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(ticks.labels(), ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        XCTAssertEqual(ticks.labels(percent: true), ["0%", "20%", "40%", "60%", "80%", "100%"])
    }

    func testTicksWidenAnOffsetRangeToWholeSteps() {
        let ticks = AxisTicks(covering: 0.61, 2.47)
        XCTAssertEqual(ticks.lower, 0.5)
        XCTAssertEqual(ticks.upper, 2.5)
        XCTAssertEqual(ticks.values, [0.5, 1, 1.5, 2, 2.5])
        XCTAssertEqual(AxisTicks(covering: 0.6, 1.4).values.first, 0.6, "0.6 / 0.2 must not round down to 0.4")
        let negative = AxisTicks(covering: -3.2, 7.9)
        XCTAssertEqual(negative.values, [-4, -2, 0, 2, 4, 6, 8])
        XCTAssertEqual(AxisTicks(covering: 0, 25_000).labels(), ["0", "5k", "10k", "15k", "20k", "25k"])
        XCTAssertEqual(AxisTicks(covering: 0, 12_000).labels(), ["0", "2k", "4k", "6k", "8k", "10k", "12k"])
        XCTAssertEqual(AxisTicks(covering: 0, 3_000_000).labels(), ["0", "500k", "1M", "1.5M", "2M", "2.5M", "3M"])
    }

    func testEveryStepIsOneTwoOrFiveTimesAPowerOfTen() {
        for (low, high) in [(0.0, 1.0), (0.001, 0.0047), (3, 97), (-50, 50), (1e-6, 3e-6), (10, 1e7), (0.9, 0.95)] {
            let ticks = AxisTicks(covering: low, high)
            let exponent = floor(log10(ticks.step))
            let mantissa = (ticks.step / pow(10, exponent) * 1000).rounded() / 1000
            XCTAssertTrue([1, 2, 5].contains(mantissa), "\(low)...\(high): step \(ticks.step)")
            XCTAssertLessThanOrEqual(ticks.lower, low)
            XCTAssertGreaterThanOrEqual(ticks.upper, high)
            XCTAssertTrue((3...11).contains(ticks.values.count), "\(low)...\(high): \(ticks.values)")
        }
    }

    func testAConstantRangeStillGetsAnAxisAroundItsValue() {
        let zero = AxisTicks(covering: 0, 0)
        XCTAssertEqual(zero.lower, 0)
        XCTAssertEqual(zero.upper, 1)
        let constant = AxisTicks(covering: 2.5, 2.5)
        XCTAssertLessThan(constant.lower, 2.5)
        XCTAssertGreaterThan(constant.upper, 2.5)
        XCTAssertGreaterThanOrEqual(constant.values.count, 2)
        let infinite = AxisTicks(covering: -.infinity, .nan)
        XCTAssertEqual(infinite.values, [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    func testTickLabelsAreCompact() {
        XCTAssertEqual(formatTick(2500, step: 500, percent: false), "2.5k")
        XCTAssertEqual(formatTick(10000, step: 5000, percent: false), "10k")
        XCTAssertEqual(formatTick(0.5, step: 0.5, percent: false), "0.5")
        XCTAssertEqual(formatTick(0.05, step: 0.05, percent: true), "5%")
        XCTAssertEqual(formatTick(0.925, step: 0.005, percent: true), "92.5%")
        XCTAssertEqual(formatTick(-0.0, step: 1, percent: false), "0")
        XCTAssertEqual(formatTick(2e-5, step: 1e-5, percent: false), "2e-5")
    }

    func testValuesAreGroupedOrRoundedToThreeDigits() {
        XCTAssertEqual(formatValue(1_234_567), "1,234,567")
        XCTAssertEqual(formatValue(0.93456), "0.935")
        XCTAssertEqual(formatValue(12_345.6), "12.3k")
        XCTAssertEqual(formatValue(0.934, percent: true), "93.4%")
        XCTAssertEqual(formatValue(1, percent: true), "100%")
        XCTAssertEqual(groupedInteger(-1000), "-1,000")
        XCTAssertEqual(groupedInteger(999), "999")
    }

    func testIdenticalInputGivesIdenticalOutputAndDifferentChartsGetDifferentIDs() {
        let a = BarChart(title: "t", bars: [.init(label: "a", value: 1)]).svg()
        let b = BarChart(title: "t", bars: [.init(label: "a", value: 2)]).svg()
        XCTAssertEqual(a, BarChart(title: "t", bars: [.init(label: "a", value: 1)]).svg())
        XCTAssertNotEqual(ParsedSVG(a).root["id"], ParsedSVG(b).root["id"])
    }
}
