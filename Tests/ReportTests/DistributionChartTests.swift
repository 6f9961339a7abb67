import NeuralNet
import XCTest
@testable import Report

final class DistributionReportChartTests: XCTestCase {
    func testPercentilesInterpolateBetweenSortedValues() {
        let values: [Float] = [10, 0, 5]  // sorted: 0, 5, 10
        let result = Percentiles.compute(values: values, basisPoints: [0, 2500, 5000, 7500, 10000])
        XCTAssertEqual(result, [0, 2.5, 5, 7.5, 10])
        XCTAssertEqual(values, [10, 0, 5], "the input is not sorted in place")
    }

    func testTensorBoardsBasisPointsOnZeroToOneHundred() {
        let values = (0...100).map(Float.init).shuffled()
        let result = Percentiles.compute(values: values)
        XCTAssertEqual(Percentiles.basisPoints, [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000])
        let expected: [Float] = [0, 6.68, 15.87, 30.85, 50, 69.15, 84.13, 93.32, 100]
        XCTAssertEqual(result.count, 9)
        for (a, b) in zip(result, expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    func testPercentilesOfEdgeCases() {
        XCTAssertEqual(Percentiles.compute(values: []), [])
        XCTAssertEqual(Percentiles.compute(values: [.nan]), [])
        XCTAssertEqual(Percentiles.compute(values: [3]), Array(repeating: 3, count: 9))
        XCTAssertEqual(Percentiles.compute(values: [1, .nan, 3], basisPoints: [0, 5000, 10000]), [1, 2, 3])
    }

    func testBandsAndMedianAreDrawn() {
        let steps = (0..<20).map { step in
            DistributionChart.Step(step: step * 50, percentiles: Percentiles.compute(
                values: (0..<200).map { Float($0 - 100) / 100 * (1 + Float(step) / 10) }))
        }
        let parsed = assertChartBasics(DistributionChart(title: "Weights, layer 1", yLabel: "weight", steps: steps).svg(),
                                       title: "Weights, layer 1")
        XCTAssertEqual(parsed.elements("path", classes: "band").count, 4)
        for band in 0..<4 { XCTAssertEqual(parsed.elements("path", classes: "band-\(band)").count, 1) }
        XCTAssertEqual(parsed.elements("path", classes: "median").count, 1)
        XCTAssertTrue(parsed.elements("g", classes: "legend").isEmpty)
        XCTAssertTrue(parsed.text.contains("min–max"))
        XCTAssertTrue(parsed.text.contains("15.9–84.1%"), parsed.text)
        // Each band's outline visits every step twice (upper edge forward, lower edge back).
        let d = parsed.elements("path", classes: "band-0").first?["d"] ?? ""
        XCTAssertEqual(d.filter { $0 == "L" }.count, 39)
    }

    func testASingleStepAndNoStepsDoNotCrash() {
        let one = assertChartBasics(
            DistributionChart(title: "One", steps: [.init(step: 5, percentiles: Percentiles.compute(values: [1, 2, 3]))]).svg(),
            title: "One")
        XCTAssertEqual(one.elements("path", classes: "band").count, 4)
        let none = assertChartBasics(DistributionChart(title: "None", steps: []).svg(), title: "None")
        XCTAssertEqual(none.elements("text", classes: "no-data").count, 1)
        let wrongCount = assertChartBasics(DistributionChart(title: "Bad", steps: [.init(step: 1, percentiles: [1, 2])]).svg(),
                                           title: "Bad")
        XCTAssertEqual(wrongCount.elements("text", classes: "no-data").count, 1)
    }
}
