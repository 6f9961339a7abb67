import Foundation
import XCTest
@testable import NeuralNet

/// Plain SGD that remembers the learning rate of every update it applied.
private struct RateRecordingSGD: Optimizer {
    final class Log: @unchecked Sendable { var rates: [Float] = [] }
    var inner: SGD
    let log = Log()
    var step: Int { get { inner.step } set { inner.step = newValue } }
    var learningRate: Float { get { inner.learningRate } set { inner.learningRate = newValue } }
    var slotState: [String: [[Float]]] { get { [:] } set {} }
    var description: String { "recording " + inner.description }

    mutating func withUpdate<Result>(slot: Int, count: Int, _ body: (SGD.Update) throws -> Result) rethrows -> Result {
        if slot == 0 { log.rates.append(learningRate) }
        return try inner.withUpdate(slot: slot, count: count, body)
    }
}

final class LearningRateScheduleTests: XCTestCase {
    func testCosineFallsFromTheBaseRateTowardsZero() {
        let rates = (0..<100).map { LearningRateSchedule.cosine.rate(base: 0.5, index: $0, of: 100) }
        XCTAssertEqual(rates[0], 0.5)
        XCTAssertEqual(rates[50], 0.25, accuracy: 1e-6)
        XCTAssertEqual(rates[99], Float(0.25 * (1 + cos(Double.pi * 0.99))), accuracy: 1e-7)
        XCTAssertGreaterThan(rates[99], 0)
        XCTAssertTrue(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 }, "cosine annealing must fall at every step")
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.5, index: 70, of: 100), 0.5)
    }

    func testTrainingUsesTheScheduleAndKeepsTheBaseRate() throws {
        let data = ArraySource(features: (0..<80).map { Float($0 % 7) / 7 }, labelValues: (0..<40).map { Int32($0 % 2) },
                               featureCount: 2, classCount: 2)
        var generator = SeededGenerator(seed: 3)
        let network = Network(inputSize: 2, layers: [LayerSpec(units: 2, activation: .none)], initializer: .he, l2: 0,
                              generator: &generator)
        let optimizer = RateRecordingSGD(inner: SGD(learningRate: 0.2))
        let trainer = Trainer(network: network, optimizer: optimizer, batchSize: 10)
        var order = SequentialOrder(count: data.count, batchSize: 10)
        try trainer.train(steps: 8, source: data, order: &order, logEvery: 4, schedule: .cosine)
        let expected = (0..<8).map { LearningRateSchedule.cosine.rate(base: 0.2, index: $0, of: 8) }
        XCTAssertEqual(optimizer.log.rates, expected)
        XCTAssertEqual(trainer.optimizer.learningRate, 0.2, "checkpoints must hold the base rate, not the last one")

        try trainer.train(steps: 2, source: data, order: &order, logEvery: 4)
        XCTAssertEqual(Array(optimizer.log.rates.suffix(2)), [0.2, 0.2], "a constant run after it uses the base rate")
    }
}
