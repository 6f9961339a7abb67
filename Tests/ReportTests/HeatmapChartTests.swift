import NeuralNet
import XCTest
@testable import Report

final class HeatmapReportChartTests: XCTestCase {
    func testOneCellPerPairWithCountsAndAxisTitles() {
        let names = ["cat", "dog", "frog"]
        let counts = [[50, 3, 0], [7, 40, 2], [1, 1, 90]]
        let parsed = assertChartBasics(Heatmap(title: "Confusion", classNames: names, counts: counts).svg(), title: "Confusion")
        XCTAssertEqual(parsed.elements("rect", classes: "cell").count, 9)
        XCTAssertEqual(parsed.elements("rect", classes: "diagonal").count, 3)
        XCTAssertEqual(parsed.elements("text", classes: "cell-label").count, 9)
        XCTAssertTrue(parsed.text.contains("Actual"))
        XCTAssertTrue(parsed.text.contains("Predicted"))
        for name in names { XCTAssertTrue(parsed.text.contains(name)) }
        XCTAssertTrue(parsed.text.contains("90"))
    }

    func testShadeIsTheRowFractionAndStrongCellsGetWhiteText() {
        let parsed = ParsedSVG(Heatmap(title: "C", classNames: ["a", "b"], counts: [[9, 1], [5, 5]]).svg())
        let cells = parsed.elements("rect", classes: "cell")
        let opacities = cells.compactMap { $0["fill-opacity"].flatMap(Double.init) }
        XCTAssertEqual(opacities.count, 4)
        XCTAssertEqual(opacities[0], 0.06 + 0.94 * 0.9, accuracy: 0.01)
        XCTAssertEqual(opacities[1], 0.06 + 0.94 * 0.1, accuracy: 0.01)
        XCTAssertEqual(opacities[2], opacities[3], accuracy: 1e-9, "5 of 10 in both cells of row b")
        let labels = parsed.elements("text", classes: "cell-label")
        XCTAssertEqual(labels[0]["fill"], "#ffffff", "9 of 10: white on the dark shade")
        XCTAssertNil(labels[1]["fill"], "1 of 10: the page's text colour")
    }

    func testLongNamesRotate() {
        let names = ["airplane", "automobile", "a very long class name indeed"]
        let svg = Heatmap(title: "CIFAR", classNames: names, counts: [[1, 0, 0], [0, 0, 1], [0, 0, 1]]).svg()
        let parsed = assertChartBasics(svg, title: "CIFAR")
        XCTAssertEqual(parsed.elements("rect", classes: "cell").count, 9)
        XCTAssertTrue(svg.contains("rotate(-45"))
        let short = Heatmap(title: "S", classNames: ["0", "1"], counts: [[1, 0], [0, 1]]).svg()
        XCTAssertFalse(short.contains("rotate(-45"))
    }

    func testMissingNamesAndAnEmptyMatrix() {
        let parsed = assertChartBasics(Heatmap(title: "N", classNames: [], counts: [[1, 2], [3, 4]]).svg(), title: "N")
        XCTAssertTrue(parsed.text.contains("class 1"))
        let empty = assertChartBasics(Heatmap(title: "E", classNames: [], counts: []).svg(), title: "E")
        XCTAssertEqual(empty.elements("text", classes: "no-data").count, 1)
    }
}
