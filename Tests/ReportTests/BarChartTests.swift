import NeuralNet
import XCTest
@testable import Report

final class BarReportChartTests: XCTestCase {
    func testOneBarPerValueWithItsValuePrinted() {
        let bars = [BarChart.Bar(label: "cat", value: 120), .init(label: "dog", value: 1500), .init(label: "frog", value: 0)]
        let parsed = assertChartBasics(BarChart(title: "Class counts", bars: bars, valueLabel: "examples").svg(),
                                       title: "Class counts")
        XCTAssertEqual(parsed.elements("rect", classes: "bar").count, 3)
        let values = parsed.elements("text", classes: "value")
        XCTAssertEqual(values.count, 3)
        XCTAssertTrue(parsed.text.contains("1,500"))
        XCTAssertTrue(parsed.text.contains("examples"))
        let widths = parsed.elements("rect", classes: "bar").compactMap { $0["width"].flatMap(Double.init) }
        XCTAssertEqual(widths[2], 0)
        XCTAssertEqual(widths[1] / widths[0], 1500.0 / 120, accuracy: 0.05)
    }

    func testPerClassAccuracyIsInPercent() {
        let confusion = [[3, 1], [0, 1]]  // yes: 3 of 4 right; no: 1 of 1
        let chart = BarChart.perClassAccuracy(title: "Per-class accuracy", classNames: ["yes", "no"], confusion: confusion)
        let parsed = assertChartBasics(chart.svg(), title: "Per-class accuracy")
        XCTAssertTrue(parsed.text.contains("75%"))
        XCTAssertTrue(parsed.text.contains("100%"))
        XCTAssertEqual(parsed.elements("rect", classes: "bar").count, 2)
    }

    func testEmptyBarsSayNoData() {
        let parsed = assertChartBasics(BarChart(title: "None", bars: []).svg(), title: "None")
        XCTAssertEqual(parsed.elements("text", classes: "no-data").count, 1)
    }
}
