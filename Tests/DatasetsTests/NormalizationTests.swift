import XCTest
@testable import Datasets

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
}
