import XCTest
@testable import Report

final class LineReportChartTests: XCTestCase {
    private func series(_ name: String, _ values: [Double]) -> LineChart.Series {
        LineChart.Series(name: name, steps: values.indices.map { $0 * 100 }, values: values)
    }

    func testSmoothingMatchesTensorBoardsDebiasedMovingAverage() {
        let values = [1.0, 3, 2, 6]
        let w = 0.6
        // By hand: last = last·w + (1−w)·y, shown as last / (1 − w^k).
        var last = 0.0
        var expected: [Double] = []
        for (k, y) in values.enumerated() {
            last = last * w + (1 - w) * y
            expected.append(last / (1 - pow(w, Double(k + 1))))
        }
        let smoothed = Smoothing.tensorBoard(values, weight: w)
        XCTAssertEqual(smoothed.count, 4)
        for (a, b) in zip(smoothed, expected) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        // The first value is never biased towards 0, and the numbers are the known ones.
        XCTAssertEqual(smoothed[0], 1, accuracy: 1e-12)
        XCTAssertEqual(smoothed[1], (0.24 + 1.2) / 0.64, accuracy: 1e-12)  // 2.25
        XCTAssertEqual(smoothed[2], (1.44 * 0.6 + 0.4 * 2) / (1 - 0.216), accuracy: 1e-12)  // 2.1224...
    }

    func testSmoothingKeepsTensorBoardsSpecialCases() {
        XCTAssertEqual(Smoothing.tensorBoard([], weight: 0.6), [])
        XCTAssertEqual(Smoothing.tensorBoard([4, 4, 4], weight: 0.9), [4, 4, 4])
        XCTAssertEqual(Smoothing.tensorBoard([1, 2, 3], weight: 0), [1, 2, 3])
        let withGap = Smoothing.tensorBoard([2, .infinity, 4], weight: 0.5)
        XCTAssertEqual(withGap[0], 2)
        XCTAssertEqual(withGap[1], .infinity)
        // The infinite value does not count: k is 2 for the third value.
        XCTAssertEqual(withGap[2], (0.5 * (0.5 * 2) + 0.5 * 4) / (1 - 0.25), accuracy: 1e-12)
        let nan = Smoothing.tensorBoard([1, .nan, 3], weight: 0.5)
        XCTAssertTrue(nan[1].isNaN)
        // Weight 1 is TensorBoard's degenerate case: no debiasing, the average stays 0.
        XCTAssertEqual(Smoothing.tensorBoard([1, 2], weight: 1), [0, 0])
        XCTAssertEqual(Smoothing.tensorBoard([1, 2], weight: -3), [1, 2])
    }

    func testSeveralSeriesGetOnePathEachAndALegend() {
        let chart = LineChart(title: "Loss", yLabel: "loss",
                              series: [series("train", [2, 1.5, 1.1, 0.9]), series("validation", [2.1, 1.7, 1.4, 1.3]),
                                       series("test", [2.2, 1.8, 1.5, 1.4])])
        let parsed = assertChartBasics(chart.svg(), title: "Loss")
        XCTAssertEqual(parsed.elements("path", classes: "line").count, 3)
        XCTAssertEqual(parsed.elements("path", classes: "line-raw").count, 0)
        XCTAssertEqual(parsed.elements("path", classes: "series-1").count, 1)
        XCTAssertEqual(parsed.elements("g", classes: "legend").count, 1)
        XCTAssertEqual(parsed.elements("line", classes: "swatch").count, 3)
        XCTAssertTrue(parsed.text.contains("validation"))
        XCTAssertTrue(parsed.text.contains("step") && parsed.text.contains("loss"))
    }

    func testASingleSeriesHasNoLegend() {
        let parsed = assertChartBasics(LineChart(title: "Loss", series: [series("train", [3, 2, 1])]).svg(), title: "Loss")
        XCTAssertEqual(parsed.elements("path", classes: "line").count, 1)
        XCTAssertTrue(parsed.elements("g", classes: "legend").isEmpty)
    }

    func testSmoothingDrawsTheRawSeriesFaintAndTheSmoothedOneSolid() {
        let chart = LineChart(title: "Accuracy", series: [series("train", [0.1, 0.5, 0.3, 0.8]), series("val", [0.2, 0.3, 0.5, 0.6])],
                              smoothing: 0.6, yAxisPercent: true)
        let parsed = assertChartBasics(chart.svg(), title: "Accuracy")
        let raw = parsed.elements("path", classes: "line-raw")
        XCTAssertEqual(raw.count, 2)
        XCTAssertEqual(raw.first?["stroke-opacity"], "0.3")
        XCTAssertEqual(parsed.elements("path", classes: "line").count, 2)
        XCTAssertEqual(parsed.elements("path", classes: "line").first?["stroke-opacity"], nil)
        let ticks = parsed.elements("text", classes: "tick")
        XCTAssertFalse(ticks.isEmpty)
        XCTAssertTrue(parsed.text.contains("100%") || parsed.text.contains("80%"), parsed.text)
    }

    func testSmoothedPathDiffersFromTheRawOne() {
        let chart = LineChart(title: "L", series: [series("a", [5, 1, 5, 1, 5])], smoothing: 0.8)
        let parsed = ParsedSVG(chart.svg())
        let raw = parsed.elements("path", classes: "line-raw").first?["d"]
        let smooth = parsed.elements("path", classes: "line").first?["d"]
        XCTAssertNotNil(raw)
        XCTAssertNotEqual(raw, smooth)
    }

    func testASinglePointBecomesADot() {
        let parsed = assertChartBasics(LineChart(title: "One", series: [series("a", [0.7])]).svg(), title: "One")
        XCTAssertEqual(parsed.elements("circle", classes: "point").count, 1)
        XCTAssertTrue(parsed.elements("path", classes: "line").isEmpty)
    }

    func testConstantValuesGetAnAxisAroundThem() {
        let parsed = assertChartBasics(LineChart(title: "Flat", series: [series("a", [3, 3, 3])]).svg(), title: "Flat")
        XCTAssertEqual(parsed.elements("path", classes: "line").count, 1)
        XCTAssertGreaterThanOrEqual(parsed.elements("text", classes: "tick").count, 4)
    }

    func testEmptyInputSaysNoData() {
        for chart in [LineChart(title: "Empty", series: []), LineChart(title: "Empty", series: [series("a", [])]),
                      LineChart(title: "Empty", series: [series("a", [.nan, .infinity])])] {
            let parsed = assertChartBasics(chart.svg(), title: "Empty")
            XCTAssertEqual(parsed.elements("text", classes: "no-data").count, 1)
            XCTAssertTrue(parsed.elements("path", classes: "line").isEmpty)
        }
    }

    func testNonFiniteValuesBreakTheLine() {
        let parsed = ParsedSVG(LineChart(title: "Gap", series: [series("a", [1, 2, .nan, 3, 4])]).svg())
        let d = parsed.elements("path", classes: "line").first?["d"] ?? ""
        XCTAssertEqual(d.filter { $0 == "M" }.count, 2, d)
        XCTAssertEqual(d.filter { $0 == "L" }.count, 2, d)
    }

    func testColoursAreThemeableAndHaveFallbacks() {
        let svg = LineChart(title: "T", series: [series("a", [1, 2]), series("b", [2, 1])]).svg()
        let parsed = ParsedSVG(svg)
        XCTAssertEqual(parsed.root["fill"], "currentColor")
        XCTAssertEqual(parsed.elements("path", classes: "series-0").first?["stroke"], ChartPalette.colors[0])
        XCTAssertEqual(parsed.elements("path", classes: "series-1").first?["stroke"], ChartPalette.colors[1])
        XCTAssertTrue(parsed.elements("line", classes: "axis").allSatisfy { $0["stroke"] == "currentColor" })
        XCTAssertFalse(svg.lowercased().contains("#000"), "no hard-coded black")
        XCTAssertFalse(svg.lowercased().contains("\"black\"") || svg.lowercased().contains("\"white\""))
    }
}
