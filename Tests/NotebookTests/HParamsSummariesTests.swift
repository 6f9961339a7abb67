import FileFormats
import XCTest
@testable import Notebook

/// What a run tells TensorBoard's HParams dashboard: its parameters, and for a sweep's trial the
/// sweep's axes and the scalars that are its metrics.
final class HParamsSummariesTests: XCTestCase {
    let notebook = """
        ---
        seed: 3
        params:
          learning_rate: 0.05
          hidden: 8
          optimizer: sgd
          augment: false
        ---

        """ + block("data", "dataset: spiral\nclasses: 3\nvalidation: 30")
        + block("network", "layers:\n  - dense: ${hidden}\n  - dense: 3")
        + block("train", "steps: 10\nlearning_rate: ${learning_rate}\noptimizer: ${optimizer}\neval_every: 5")
        + block("evaluate", "split: test")

    func testSessionValuesAreTheParametersAndTheSeed() throws {
        let plan = try XCTUnwrap(validate(notebook, overrides: ["hidden=16"]).0)
        let values = HParamsSummaries.sessionValues(plan)
        XCTAssertEqual(values.map(\.name), ["learning_rate", "hidden", "optimizer", "augment", "seed"])
        XCTAssertEqual(values.map(\.value), [.number(0.05), .number(16), .string("sgd"), .bool(false), .number(3)])
    }

    func testExperimentDescribesTheSweepsAxesAndMetrics() throws {
        let plan = try XCTUnwrap(validate(notebook).0)
        let axes = try ["learning_rate=log-uniform(0.001,0.1)", "optimizer=sgd,adam", "hidden=8"].map { try SweepAxis(parsing: $0) }
        let experiment = HParamsSummaries.experiment(plan, sweep: SweepExperiment(axes: axes, seeds: [3, 4],
                                                                                 metric: "validation_accuracy"))
        let byName = Dictionary(uniqueKeysWithValues: experiment.parameters.map { ($0.name, $0) })
        XCTAssertEqual(experiment.parameters.map(\.name), ["learning_rate", "hidden", "optimizer", "augment", "seed"])
        XCTAssertEqual(byName["learning_rate"]?.domain, .interval(min: 0.001, max: 0.1))
        XCTAssertEqual(byName["optimizer"]?.domain, .discrete([.string("sgd"), .string("adam")]))
        XCTAssertEqual(byName["hidden"]?.domain, .discrete([.number(8)]))
        XCTAssertEqual(byName["augment"]?.type, .bool)
        XCTAssertEqual(byName["seed"]?.domain, .discrete([.number(3), .number(4)]))
        XCTAssertEqual(experiment.parameters.filter(\.differs).map(\.name), ["learning_rate", "optimizer", "seed"],
                       "an axis of one value and the fixed parameters do not differ")
        XCTAssertEqual(experiment.metrics.map(\.tag), ["accuracy/validation", "loss", "accuracy/train", "accuracy/test", "loss/test"],
                       "the ranking metric first, then every scalar the run logs")
        XCTAssertEqual(experiment.metrics.first?.datasetType, .validation)
    }

    func testMetricsMapToTheScalarsTheRunLogs() {
        XCTAssertEqual(HParamsSummaries.tensorBoardTag(forMetric: "test_accuracy"), "accuracy/test")
        XCTAssertEqual(HParamsSummaries.tensorBoardTag(forMetric: "validation_loss"), "loss/validation")
        XCTAssertEqual(HParamsSummaries.tensorBoardTag(forMetric: "final_loss"), "loss")
        XCTAssertNil(HParamsSummaries.tensorBoardTag(forMetric: "best_validation_accuracy"))
    }

    func testAxisSpecificationsReadBack() throws {
        for text in ["lr=0.1,0.2", "lr=uniform(0.5,1.0)", "lr=log-uniform(0.0001,0.1)", "n=int-uniform(8,64)"] {
            let axis = try SweepAxis(parsing: text)
            XCTAssertEqual(try SweepAxis(parsing: axis.specification), axis, text)
        }
    }
}
