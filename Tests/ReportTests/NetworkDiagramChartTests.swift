import NeuralNet
import XCTest
@testable import Report

final class NetworkDiagramReportChartTests: XCTestCase {
    func testOneBoxPerLayerWithParameterCountsAndArrows() {
        let diagram = NetworkDiagram(title: "Model", inputSize: 3072, imageShape: (3, 32, 32),
                                     layers: [.init(units: 256, activation: "relu"), .init(units: 10, activation: "none")])
        let parsed = assertChartBasics(diagram.svg(), title: "Model")
        XCTAssertEqual(parsed.elements("rect", classes: "layer").count, 3)
        XCTAssertEqual(parsed.elements("rect", classes: "input").count, 1)
        XCTAssertEqual(parsed.elements("g", classes: "arrow").count, 2)
        XCTAssertTrue(parsed.text.contains("32×32×3 image"))
        XCTAssertTrue(parsed.text.contains("Dense 256"))
        XCTAssertTrue(parsed.text.contains("relu"))
        XCTAssertTrue(parsed.text.contains("786,688 params"), parsed.text)  // 3072·256 + 256
        XCTAssertTrue(parsed.text.contains("2,570 params"))  // 256·10 + 10
        XCTAssertTrue(parsed.text.contains("789,258 parameters"))
        XCTAssertTrue(parsed.text.contains("logits → softmax"))
    }

    func testManyLayersWrap() {
        let layers = (0..<7).map { _ in NetworkDiagram.LayerShape(units: 3, activation: "tanh") }
        let parsed = assertChartBasics(NetworkDiagram(title: "Deep", inputSize: 4, layers: layers).svg(), title: "Deep")
        XCTAssertEqual(parsed.elements("rect", classes: "layer").count, 8)
        XCTAssertEqual(parsed.elements("g", classes: "arrow").count, 7)
        XCTAssertTrue(parsed.text.contains("4 inputs"))
        let ys = Set(parsed.elements("rect", classes: "layer").compactMap { $0["y"] })
        XCTAssertGreaterThan(ys.count, 1, "eight boxes do not fit one 720px row")
        let rights = parsed.elements("rect", classes: "layer").compactMap { rect -> Double? in
            guard let x = rect["x"].flatMap(Double.init), let w = rect["width"].flatMap(Double.init) else { return nil }
            return x + w
        }
        XCTAssertLessThanOrEqual(rights.max() ?? 999, 720)
    }
}
