import Foundation
import RunRecords
import XCTest
@testable import RunHistory

final class RunFiguresTests: XCTestCase {
    private func evaluation(_ accuracy: Double) -> BlockMetrics {
        .evaluate(EvaluateMetrics(split: .test, accuracy: accuracy, loss: 1 - accuracy, examples: 10, classNames: [],
                                  perClassAccuracy: [], confusion: []))
    }

    private func network(_ name: String?) -> BlockMetrics {
        .network(NetworkMetrics(name: name, layers: [], parameters: 1, initializer: "he", l2: 0))
    }

    /// quickstart.md's shape: two networks, each evaluated on the test split.
    func testFiguresOfOneNameAreQualifiedByNetworkAndThePlainNameIsTheLast() {
        let record = RunRecord(notebook: "q.md", title: "", seed: 1, params: [:], started: "", seconds: 0, status: .ok,
                               labbookVersion: "", blas: .init(core: "", threads: 1), blocks: [
                                   BlockRecord(directive: .data, line: 1, status: .ok),
                                   BlockRecord(directive: .network, line: 2, status: .ok, metrics: network("linear")),
                                   BlockRecord(directive: .evaluate, line: 3, status: .ok, metrics: evaluation(0.5)),
                                   BlockRecord(directive: .network, line: 4, status: .ok, metrics: network(nil)),
                                   BlockRecord(directive: .evaluate, line: 5, status: .ok, metrics: evaluation(0.9)),
                                   BlockRecord(directive: .evaluate, line: 6, status: .ok, metrics: evaluation(0.95)),
                               ])
        let figures = RunFigures(record)
        XCTAssertEqual(figures.networks, [nil, "linear", "linear", "network-2", "network-2", "network-2"])
        let accuracies = figures.metrics.filter { $0.name.contains("test_accuracy") }
        XCTAssertEqual(accuracies.map(\.name), ["linear/test_accuracy", "network-2/test_accuracy",
                                                "network-2/test_accuracy#2", "test_accuracy"])
        XCTAssertEqual(accuracies.map(\.value), [0.5, 0.9, 0.95, 0.95])
        XCTAssertEqual(accuracies.map(\.headline), [false, false, false, true])
        XCTAssertEqual(Set(figures.metrics.map(\.name)).count, figures.metrics.count, "names are unique in a run")
    }

    func testOneFigureOfANameKeepsThePlainName() {
        let figures = RunFigures(HistoryFixtures.record())
        XCTAssertEqual(figures.metrics.map(\.name), [
            "final_train_accuracy", "best_train_accuracy", "final_train_loss", "best_train_loss",
            "final_validation_accuracy", "best_validation_accuracy", "test_accuracy", "test_loss",
        ])
        XCTAssert(figures.metrics.allSatisfy(\.headline))
        XCTAssertEqual(figures.curves.map(\.blockPosition), [2])
    }
}
