import Foundation
import RunRecords
import XCTest

/// Run records made by hand, shaped like the runner's: a spiral, a network, training, evaluation.
enum HistoryFixtures {
    static func record(
        notebook: String = "/work/notebooks/spiral.md", params: [String: ParameterValue] = ["steps": .int(100)],
        accuracy: Double = 0.9, losses: [Double] = [1.1, 0.7, 0.4], keys: [String?] = ["k1", "k2", "k3", "k4"],
        status: BlockStatus = .ok, error: String? = nil, codeSHA256: String = String(repeating: "a", count: 64),
        started: String = "2026-12-02T09:20:11Z", networkName: String = "network-1"
    ) -> RunRecord {
        let history = losses.enumerated().map { step, loss in
            TrainingPoint(step: step + 1, loss: loss, trainAccuracy: 0.5 + Double(step) * 0.1,
                          validationAccuracy: step == losses.count - 1 ? 0.8 : nil)
        }
        let train = TrainMetrics(steps: losses.count, globalStep: losses.count, finalLoss: losses.last ?? .nan,
                                 optimizer: "sgd", learningRate: 0.1, batchSize: 30, shards: 1, stepsPerSecond: 100,
                                 seconds: 0.1, history: history, histograms: [])
        let evaluation = EvaluateMetrics(split: .test, accuracy: accuracy, loss: 0.3, examples: 300,
                                         classNames: ["a", "b", "c"], perClassAccuracy: [accuracy, accuracy, accuracy],
                                         confusion: [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
        let blocks = [
            BlockRecord(directive: .data, line: 6, status: .ok, seconds: 0.01, cacheKey: keys[0]),
            BlockRecord(directive: .network, line: 10, status: .ok, seconds: 0.01,
                        metrics: .network(NetworkMetrics(name: networkName, layers: [], parameters: 10,
                                                         initializer: "he", l2: 0)), cacheKey: keys[1]),
            BlockRecord(directive: .train, line: 17, status: status == .ok ? .ok : .failed, seconds: 0.1,
                        metrics: status == .ok ? .train(train) : nil, error: error, cacheKey: keys[2]),
            BlockRecord(directive: .evaluate, line: 23, status: status == .ok ? .ok : .skipped, seconds: 0.01,
                        metrics: status == .ok ? .evaluate(evaluation) : nil, cacheKey: status == .ok ? keys[3] : nil),
        ]
        return RunRecord(notebook: notebook, title: "Spiral", seed: 7, params: params, started: started, seconds: 1.5,
                         status: status, labbookVersion: "0.7.0", blas: .init(core: "Cooperlake", threads: 1),
                         blocks: blocks, error: error, notebookSha256: codeSHA256)
    }

    /// A fresh folder for a test's files, removed when it ends.
    static func folder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
