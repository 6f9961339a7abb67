import XCTest
@testable import NeuralNet

final class InitializerTests: XCTestCase {
    func statistics(_ t: Tensor) -> (mean: Double, deviation: Double, largest: Double) {
        let values = t.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, variance.squareRoot(), values.map(abs).max()!)
    }

    func testTruncatedNormalIsTheTutorials() {
        var generator = SeededGenerator(seed: 1)
        let t = Initializer.truncatedNormal.makeTensor(shape: [400, 100], fanIn: 400, fanOut: 100, using: &generator)
        let stddev = 1 / 20.0
        let s = statistics(t)
        XCTAssertLessThanOrEqual(s.largest, 2 * stddev)
        XCTAssertGreaterThan(s.largest, 1.9 * stddev)
        // A normal truncated at ±2σ keeps a standard deviation of 0.8796σ.
        XCTAssertEqual(s.deviation, 0.8796 * stddev, accuracy: 0.01 * stddev)
        XCTAssertEqual(s.mean, 0, accuracy: 0.01 * stddev)
    }

    func testHeAndGlorotScales() {
        var generator = SeededGenerator(seed: 2)
        let he = statistics(Initializer.he.makeTensor(shape: [200, 200], fanIn: 200, fanOut: 200, using: &generator))
        XCTAssertEqual(he.deviation, (2.0 / 200).squareRoot(), accuracy: 0.002)
        let glorot = statistics(Initializer.glorot.makeTensor(shape: [100, 50], fanIn: 100, fanOut: 50, using: &generator))
        let limit = (6.0 / 150).squareRoot()
        XCTAssertLessThanOrEqual(glorot.largest, limit)
        XCTAssertEqual(glorot.deviation, limit / 3.0.squareRoot(), accuracy: 0.005)
        let zeros = Initializer.zeros.makeTensor(shape: [3, 3], fanIn: 3, fanOut: 3, using: &generator)
        XCTAssertEqual(zeros.scalars, Array(repeating: 0, count: 9))
    }

    func testSameSeedSameWeights() {
        var a = SeededGenerator(seed: 3)
        var b = SeededGenerator(seed: 3)
        XCTAssertEqual(Initializer.truncatedNormal.makeTensor(shape: [10, 10], fanIn: 10, fanOut: 10, using: &a),
                       Initializer.truncatedNormal.makeTensor(shape: [10, 10], fanIn: 10, fanOut: 10, using: &b))
    }
}
