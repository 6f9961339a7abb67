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

    /// The trainer applies an update to ranges from several threads; every optimizer must then give
    /// exactly what one update of the whole slot gives.
    func testUpdatesAppliedByRangesOnSeveralThreadsMatchOneWholeUpdate() {
        var generator = SeededGenerator(seed: 4)
        let count = 10_007
        let start = (0..<count).map { _ in Float(generator.nextDouble() * 2 - 1) }
        let gradients = (0..<3).map { _ in (0..<count).map { _ in Float(generator.nextDouble() - 0.5) } }
        for kind in OptimizerKind.allCases {
            var whole = kind.make(learningRate: 0.03), split = kind.make(learningRate: 0.03)
            var wholeParameters = start, splitParameters = start
            for gradient in gradients {
                update(&whole, &wholeParameters, gradient)
                let bounds = [0, 1, 4096, 7001, count]
                splitParameters.withUnsafeMutableBufferPointer { parameters in
                    let target = UncheckedPointer(parameters.baseAddress!)
                    split.withUpdateOf(slot: 0, count: count) { update in
                        DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { part in
                            gradient.withUnsafeBufferPointer { gradient in
                                update.apply(parameter: target.pointer, gradient: gradient.baseAddress!,
                                             range: bounds[part]..<bounds[part + 1])
                            }
                        }
                    }
                }
                split.step += 1
            }
            XCTAssertEqual(splitParameters, wholeParameters, "\(kind)")
            XCTAssertEqual(split.slotState, whole.slotState, "\(kind)")
            XCTAssertNotEqual(wholeParameters, start, "\(kind) must have moved the parameters")
        }
    }
}

private struct UncheckedPointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

private extension Optimizer {
    /// `withUpdate` with its update type erased to `any SlotUpdate`, for tests over `any Optimizer`.
    mutating func withUpdateOf(slot: Int, count: Int, _ body: (any SlotUpdate) -> Void) {
        withUpdate(slot: slot, count: count) { body($0) }
    }
}
