import XCTest
@testable import Datasets

final class DatasetSplitTests: XCTestCase {
    func testSpiralIsDeterministicAndShaped() {
        let spiral = Spiral.make(classes: 3, pointsPerClass: 50, noise: 0.2, seed: 1)
        XCTAssertEqual(spiral.train.count, 150)
        XCTAssertEqual(spiral.test.count, 150)
        XCTAssertEqual(spiral.featureCount, 2)
        XCTAssertEqual(spiral.train.classCounts(classCount: 3), [50, 50, 50])
        XCTAssertEqual(spiral, Spiral.make(classes: 3, pointsPerClass: 50, noise: 0.2, seed: 1))
        XCTAssertNotEqual(spiral.train, Spiral.make(classes: 3, pointsPerClass: 50, noise: 0.2, seed: 2).train)
        XCTAssertNotEqual(spiral.train, spiral.test)
        for i in 0..<150 {
            let x = spiral.train.features[2 * i], y = spiral.train.features[2 * i + 1]
            XCTAssertLessThanOrEqual((x * x + y * y).squareRoot(), 1.0001)
        }
    }

    func testValidationHoldsOutASeededRandomSample() throws {
        let spiral = Spiral.make(classes: 2, pointsPerClass: 50, noise: 0, seed: 1)
        let split = try spiral.holdingOutValidation(20, seed: 7)
        let validation = try XCTUnwrap(split.validation)
        XCTAssertEqual(split.train.count, 80)
        XCTAssertEqual(validation.count, 20)
        // Drawn from both arms, not just the last examples of the file.
        XCTAssertEqual(Set(validation.labels), [0, 1])
        // Every example lands in exactly one split: the points (x, y) of both add up to the original.
        func points(_ e: LabeledExamples) -> [[Float]] {
            (0..<e.count).map { [e.features[2 * $0], e.features[2 * $0 + 1]] }
        }
        XCTAssertEqual(Set(points(split.train) + points(validation)), Set(points(spiral.train)))
        XCTAssertEqual(try spiral.holdingOutValidation(20, seed: 7), split)
        XCTAssertNotEqual(try spiral.holdingOutValidation(20, seed: 8).validation, validation)
        XCTAssertThrowsError(try spiral.holdingOutValidation(100, seed: 1))
        XCTAssertThrowsError(try spiral.holdingOutValidation(0, seed: 1))
    }

    func testTestFractionMovesASeededSampleIntoTheTestSplit() throws {
        let spiral = Spiral.make(classes: 2, pointsPerClass: 50, noise: 0, seed: 1)
        let split = try spiral.holdingOutTest(fraction: 0.2, seed: 7)
        XCTAssertEqual(split.train.count, 80)
        XCTAssertEqual(split.test.count, 20)
        XCTAssertEqual(Set(split.test.labels), [0, 1])
        func points(_ e: LabeledExamples) -> Set<[Float]> {
            Set((0..<e.count).map { [e.features[2 * $0], e.features[2 * $0 + 1]] })
        }
        XCTAssertEqual(points(split.train).union(points(split.test)), points(spiral.train), "the spiral's own test split is replaced")
        XCTAssertTrue(points(split.train).isDisjoint(with: points(split.test)))
        XCTAssertEqual(try spiral.holdingOutTest(fraction: 0.2, seed: 7), split)
        XCTAssertNotEqual(try spiral.holdingOutValidation(20, seed: 7).validation, split.test,
                          "the same seed draws a different validation sample")
        for fraction in [0, 1, 0.001, 0.999, -1] {
            XCTAssertThrowsError(try spiral.holdingOutTest(fraction: fraction, seed: 1), "\(fraction)")
        }
    }

    func testLimitKeepsTheFirstExamplesOfEachSplit() {
        let spiral = Spiral.make(classes: 2, pointsPerClass: 10, noise: 0, seed: 1)
        let limited = spiral.limited(to: 4)
        XCTAssertEqual(limited.train.count, 4)
        XCTAssertEqual(limited.test.count, 4)
        XCTAssertEqual(limited.train.labels, [0, 0, 0, 0])
        XCTAssertEqual(spiral.limited(to: 100).train.count, 20)
    }
}
