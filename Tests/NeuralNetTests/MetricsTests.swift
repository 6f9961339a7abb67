import XCTest
@testable import NeuralNet

final class MetricsTests: XCTestCase {
    func testArgmaxTakesTheFirstOfEqualValues() {
        XCTAssertEqual(Metrics.argmax(Tensor(rows: [[1, 3, 3], [5, 1, 0], [0, 0, 0]])), [1, 0, 0])
    }

    func testAccuracyAndConfusion() {
        XCTAssertEqual(Metrics.accuracy(predictions: [0, 1, 2, 2], labels: [0, 1, 1, 2]), 0.75)
        var confusion = ConfusionMatrix(classes: 3)
        for (actual, predicted) in [(0, 0), (1, 1), (1, 2), (2, 2), (1, 1)] {
            confusion.add(actual: actual, predicted: predicted)
        }
        XCTAssertEqual(confusion[1, 2], 1)
        XCTAssertEqual(confusion[1, 1], 2)
        XCTAssertEqual(confusion.total, 5)
        XCTAssertEqual(confusion.accuracy, 0.8)
        XCTAssertEqual(confusion.perClassAccuracy, [1, 2.0 / 3, 1])
    }
}
