import XCTest
@testable import Datasets
import NeuralNet

final class NormalizationTests: XCTestCase {
    /// Three 2-channel "images" of 2 pixels each (4 features), channel-major.
    let examples = LabeledExamples(
        features: .bytes([0, 10, 100, 200,
                          30, 20, 100, 100,
                          60, 30, 100, 0]),
        labels: [0, 1, 2], featureCount: 4)

    func gathered(_ normalizer: Normalizer, _ indices: [Int]) -> (features: [Float], labels: [Int32]) {
        var features = [Float](repeating: .nan, count: indices.count * 4)
        var labels = [Int32](repeating: -1, count: indices.count)
        indices.withUnsafeBufferPointer { normalizer.gather($0, from: examples, features: &features, labels: &labels) }
        return (features, labels)
    }

    func testNoneAndScale() {
        let none = gathered(Normalizer(.none, fittedOn: examples, channels: 2), [2, 0])
        XCTAssertEqual(none.features, [60, 30, 100, 0, 0, 10, 100, 200])
        XCTAssertEqual(none.labels, [2, 0])
        let scaled = gathered(Normalizer(.scale, fittedOn: examples, channels: 2), [1])
        XCTAssertEqual(scaled.features, [30, 20, 100, 100].map { Float($0) * (Float(1) / 255) })
    }

    func testMeanImageSubtractsEachPixelsTrainingMean() {
        let normalizer = Normalizer(.meanImage, fittedOn: examples, channels: 2)
        XCTAssertEqual(normalizer.offset, [30, 20, 100, 100])
        XCTAssertEqual(gathered(normalizer, [0]).features, [-30, -10, 0, 100])
    }

    func testStandardizeGivesEachChannelZeroMeanUnitDeviation() {
        let normalizer = Normalizer(.standardize, fittedOn: examples, channels: 2)
        let all = gathered(normalizer, [0, 1, 2]).features
        for channel in 0..<2 {
            var values: [Float] = []
            for row in 0..<3 {
                let first = row * 4 + channel * 2
                values += [all[first], all[first + 1]]
            }
            let mean: Float = values.reduce(0, +) / 6
            let variance: Float = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
            XCTAssertEqual(mean, 0, accuracy: 1e-5)
            XCTAssertEqual(variance, 1, accuracy: 1e-4)
        }
    }

    func testFloatFeaturesAndNonImageChannels() {
        let points = LabeledExamples(features: .floats([1, 10, 3, 30]), labels: [0, 1], featureCount: 2)
        let normalizer = Normalizer(.standardize, fittedOn: points, channels: nil)
        XCTAssertEqual(normalizer.offset, [2, 20])
        XCTAssertEqual(normalizer.multiplier, [1, 0.1])
        let source = NormalizedExamples(points, normalizer: normalizer, classCount: 2)
        var features = [Float](repeating: 0, count: 2)
        var labels: [Int32] = [0]
        [1].withUnsafeBufferPointer { source.gather($0, features: &features, labels: &labels) }
        XCTAssertEqual(features, [1, 1])
        XCTAssertEqual(labels, [1])
    }

    /// Batches are gathered by a vectorized kernel; it must give exactly the scalar `(x - offset) · multiplier`
    /// on every row, at widths with and without a vector-sized tail.
    func testGatheredBytesMatchTheScalarFormulaExactly() {
        var generator = SeededGenerator(seed: 8)
        for width in [3072, 37] {
            let count = 300
            let bytes = (0..<(count * width)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let data = LabeledExamples(features: .bytes(bytes), labels: (0..<count).map { UInt8($0 % 10) }, featureCount: width)
            let normalizer = Normalizer(.standardize, fittedOn: data, channels: width == 3072 ? 3 : nil)
            let indices = (0..<150).map { _ in generator.nextInt(below: count) }
            var features = [Float](repeating: .nan, count: indices.count * width)
            var labels = [Int32](repeating: -1, count: indices.count)
            indices.withUnsafeBufferPointer { normalizer.gather($0, from: data, features: &features, labels: &labels) }
            var expected: [Float] = []
            for example in indices {
                for f in 0..<width {
                    expected.append((Float(bytes[example * width + f]) - normalizer.offset[f]) * normalizer.multiplier[f])
                }
            }
            XCTAssertEqual(features, expected, "width \(width)")
            XCTAssertEqual(labels, indices.map { Int32($0 % 10) })
        }
    }

    /// Means are summed in integers, moved to wider totals every 65,536 rows: past that many rows
    /// (where 32-bit sums of squares would overflow) they must still equal the exact means.
    func testFeatureMeansAreExactPastTheFlushInterval() {
        let count = 70_000
        let bytes = (0..<(count * 2)).map { UInt8(255 - ($0 % 7)) }
        let data = LabeledExamples(features: .bytes(bytes), labels: [UInt8](repeating: 0, count: count), featureCount: 2)
        for squared in [false, true] {
            let means = Normalizer.featureMeans(data, squared: squared)
            for f in 0..<2 {
                var sum = 0
                for example in 0..<count {
                    let v = Int(bytes[example * 2 + f])
                    sum += squared ? v * v : v
                }
                XCTAssertEqual(means[f], Double(sum) / Double(count), "feature \(f), squared \(squared)")
            }
        }
    }
}
