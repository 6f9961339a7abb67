import Foundation
import XCTest
@testable import NeuralNet

final class SeededGeneratorTests: XCTestCase {
    /// Values from an independent implementation of SplitMix64-seeded xoshiro256** (Python integers).
    func testMatchesTheDocumentedAlgorithm() {
        var generator = SeededGenerator(seed: 42)
        XCTAssertEqual((0..<4).map { _ in generator.next() },
                       [0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1, 0xecb8_ad47_03b3_60a1])
        var zero = SeededGenerator(seed: 0)
        XCTAssertEqual([zero.next(), zero.next()], [0x99ec_5f36_cb75_f2b4, 0xbf6e_1f78_4956_452a])
    }

    func testSameSeedSameStreamAndRestoredStateContinues() {
        var a = SeededGenerator(seed: 7)
        var b = SeededGenerator(seed: 7)
        XCTAssertEqual((0..<100).map { _ in a.nextNormal() }, (0..<100).map { _ in b.nextNormal() })
        var restored = SeededGenerator(state: a.state)!
        XCTAssertEqual(restored.next(), a.next())
        XCTAssertNil(SeededGenerator(state: [0, 0, 0, 0]))
        XCTAssertNil(SeededGenerator(state: [1, 2]))
        var other = SeededGenerator(seed: 8)
        XCTAssertNotEqual(other.next(), SeededGenerator(seed: 7).state[0])
    }

    func testUniformDrawsStayInRange() {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<10_000 {
            let f = generator.nextFloat()
            XCTAssert(f >= 0 && f < 1)
            let d = generator.nextDouble()
            XCTAssert(d >= 0 && d < 1)
            XCTAssert((0..<7).contains(generator.nextInt(below: 7)))
        }
    }

    func testBoundedIntegersAreEvenlySpread() {
        var generator = SeededGenerator(seed: 3)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[generator.nextInt(below: 6)] += 1 }
        for count in counts { XCTAssertEqual(Double(count), 10_000, accuracy: 400) }
    }

    func testNormalDrawsHaveUnitMomentsAndDeterministicLog() {
        var generator = SeededGenerator(seed: 5)
        let draws = (0..<50_000).map { _ in generator.nextNormal() }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count)
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(variance, 1, accuracy: 0.03)
        for x in [1e-300, 1e-9, 0.3, 0.5, 0.70710678, 1, 1.4142, 1.5, 2, 10, 12345.678, 1e300] {
            XCTAssertEqual(PortableMath.log(x), Foundation.log(x), accuracy: 4e-16 * max(1, abs(Foundation.log(x))))
        }
    }

    func testShuffleIsAPermutation() {
        var generator = SeededGenerator(seed: 9)
        var values = Array(0..<1000)
        generator.shuffle(&values)
        XCTAssertNotEqual(values, Array(0..<1000))
        XCTAssertEqual(values.sorted(), Array(0..<1000))
    }
}
