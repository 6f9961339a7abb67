import XCTest
@testable import NeuralNet

final class OptimizerTests: XCTestCase {
    func update(_ optimizer: inout some Optimizer, _ parameter: inout [Float], _ gradient: [Float]) {
        optimizer.update(slot: 0, parameter: &parameter, gradient: gradient, count: parameter.count)
        optimizer.step += 1
    }

    func testSGD() {
        var sgd = SGD(learningRate: 0.5)
        var w: [Float] = [1, -2]
        update(&sgd, &w, [2, 4])
        XCTAssertEqual(w, [0, -4])
        XCTAssertEqual(sgd.step, 1)
    }

    func testMomentumAccumulatesVelocity() {
        var momentum = Momentum(learningRate: 0.1, momentum: 0.9)
        var w: [Float] = [1]
        update(&momentum, &w, [1])  // v = 1, w = 0.9
        update(&momentum, &w, [1])  // v = 1.9, w = 0.71
        XCTAssertEqual(w[0], 0.71, accuracy: 1e-6)
        XCTAssertEqual(momentum.velocity[0][0], 1.9, accuracy: 1e-6)
        var restored = Momentum(learningRate: 0.1, momentum: 0.9)
        restored.slotState = momentum.slotState
        XCTAssertEqual(restored.velocity, momentum.velocity)
    }

    func testAdamFirstStepsMoveByTheLearningRate() {
        var adam = Adam(learningRate: 0.01)
        var w: [Float] = [1, 1]
        update(&adam, &w, [0.5, -3])
        // With bias correction the first step is lr · g/|g| whatever the gradient's size.
        XCTAssertEqual(w[0], 0.99, accuracy: 1e-6)
        XCTAssertEqual(w[1], 1.01, accuracy: 1e-6)
        update(&adam, &w, [0.5, -3])
        XCTAssertEqual(w[0], 0.98, accuracy: 1e-6)
        XCTAssertEqual(adam.step, 2)
    }
}
