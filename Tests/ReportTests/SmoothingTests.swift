import Foundation
import XCTest
@testable import Report

/// Curves are smoothed exactly as TensorBoard's scalar dashboard smooths them: a debiased
/// exponential moving average that starts from 0, where non-finite values pass through uncounted.
final class SmoothingTests: XCTestCase {
    /// TensorBoard's formula, written out as its dashboard states it, to compare against.
    private func reference(_ values: [Double], weight w: Double) -> [Double] {
        var last = 0.0
        var numAccum = 0
        return values.map { value in
            guard value.isFinite else { return value }
            last = last * w + (1 - w) * value
            numAccum += 1
            let debiasWeight = w == 1 ? 1 : 1 - pow(w, Double(numAccum))
            return last / debiasWeight
        }
    }

    /// An accuracy curve like a short training run's: 25 logged points climbing from 30% to 86%, with
    /// a little noise so that no two steps are alike.
    private let risingAccuracy: [Double] = (0..<25).map { (k: Int) -> Double in
        let trend: Double = 0.30 + 0.56 * Double(k) / 24
        return trend + 0.01 * sin(Double(k) * 2.1)
    }

    func testThreePointsMatchTheirValuesWorkedOutByHand() {
        // w = 0.6: last = 0.08, 0.248, 0.4688; divided by 1 − 0.6^k = 0.4, 0.64, 0.784.
        let smoothed = Smoothing.tensorBoard([0.2, 0.5, 0.8], weight: 0.6)
        XCTAssertEqual(smoothed.count, 3)
        XCTAssertEqual(smoothed[0], 0.2, accuracy: 1e-12)
        XCTAssertEqual(smoothed[1], 0.3875, accuracy: 1e-12)
        XCTAssertEqual(smoothed[2], 0.4688 / 0.784, accuracy: 1e-12)
    }

    func testEveryPointOfALongerCurveFollowsTheFormula() {
        for weight in [0.0, 0.3, 0.6, 0.9, 0.99] {
            let smoothed = Smoothing.tensorBoard(risingAccuracy, weight: weight)
            let expected = reference(risingAccuracy, weight: weight)
            XCTAssertEqual(smoothed.count, expected.count)
            for (index, (got, want)) in zip(smoothed, expected).enumerated() {
                XCTAssertEqual(got, want, accuracy: 1e-12, "weight \(weight), point \(index)")
            }
        }
    }

    func testTheFirstSmoothedPointIsTheFirstRawValue() {
        for weight in [0.1, 0.6, 0.95, 0.999] {
            XCTAssertEqual(Smoothing.tensorBoard(risingAccuracy, weight: weight)[0], risingAccuracy[0],
                           accuracy: 1e-12, "weight \(weight)")
            // Leading non-finite values do not count: the first finite value is still itself.
            let withHoles = Smoothing.tensorBoard([.nan, -.infinity, 2.5, 7], weight: weight)
            XCTAssertEqual(withHoles[2], 2.5, accuracy: 1e-12, "weight \(weight)")
        }
    }

    func testAConstantSeriesStaysConstant() {
        for weight in [0.0, 0.6, 0.9, 0.999] {
            XCTAssertEqual(Smoothing.tensorBoard(Array(repeating: 0.73, count: 25), weight: weight),
                           Array(repeating: 0.73, count: 25), "weight \(weight)")
            // With a gap the series is not constant as a whole, but the average of equal values is still that value.
            let gapped = Smoothing.tensorBoard([0.73, 0.73, .nan, 0.73, 0.73], weight: weight)
            for index in [0, 1, 3, 4] { XCTAssertEqual(gapped[index], 0.73, accuracy: 1e-12, "weight \(weight)") }
            XCTAssertTrue(gapped[2].isNaN)
        }
    }

    func testNonFiniteValuesPassThroughAndAreNotAccumulated() {
        let values = [1.0, .infinity, 3, .nan, 5, -.infinity, 2]
        let smoothed = Smoothing.tensorBoard(values, weight: 0.6)
        XCTAssertEqual(smoothed[1], .infinity)
        XCTAssertTrue(smoothed[3].isNaN)
        XCTAssertEqual(smoothed[5], -.infinity)
        // The finite values are smoothed as if the others were not there.
        let finiteOnly = Smoothing.tensorBoard([1, 3, 5, 2], weight: 0.6)
        for (got, want) in zip([smoothed[0], smoothed[2], smoothed[4], smoothed[6]], finiteOnly) {
            XCTAssertEqual(got, want, accuracy: 1e-12)
        }
    }

    /// The report's complaint: with 25 points and weight 0.6 the smoothed curve sat near 59% while the
    /// raw one reached 86%. Debiased, the average trails a steady climb by at most w / (1 − w) of one
    /// step's rise (1.5 steps at 0.6), whatever the number of points.
    func testTheSmoothedCurveKeepsUpWithARisingCurve() {
        let weight = 0.6
        let smoothed = Smoothing.tensorBoard(risingAccuracy, weight: weight)
        let rise = 0.56 / 24, noise = 0.02
        let lastRaw = risingAccuracy[risingAccuracy.count - 1]
        XCTAssertGreaterThan(smoothed[smoothed.count - 1], lastRaw - weight / (1 - weight) * rise - noise)
        XCTAssertGreaterThan(smoothed[smoothed.count - 1], 0.8)
    }

    func testTheChartDrawsTheSmoothedValuesAtTheirSteps() throws {
        let steps = risingAccuracy.indices.map { ($0 + 1) * 10 }
        let chart = LineChart(title: "Accuracy", series: [.init(name: "train", steps: steps, values: risingAccuracy)],
                              smoothing: 0.6, yAxisPercent: true)
        let parsed = assertChartBasics(chart.svg(), title: "Accuracy")
        let raw = try points(parsed.elements("path", classes: "line-raw").first?["d"])
        let smooth = try points(parsed.elements("path", classes: "line").first?["d"])
        XCTAssertEqual(raw.count, risingAccuracy.count)
        XCTAssertEqual(smooth.count, risingAccuracy.count)
        // Both paths share the axes: recover the value scale from the raw path's lowest and highest points.
        let low = risingAccuracy.indices.min { risingAccuracy[$0] < risingAccuracy[$1] }!
        let high = risingAccuracy.indices.max { risingAccuracy[$0] < risingAccuracy[$1] }!
        let pixelsPerUnit = (raw[high].y - raw[low].y) / (risingAccuracy[high] - risingAccuracy[low])
        func value(atPixel y: Double) -> Double { risingAccuracy[low] + (y - raw[low].y) / pixelsPerUnit }
        let expected = reference(risingAccuracy, weight: 0.6)
        for index in smooth.indices {
            XCTAssertEqual(smooth[index].x, raw[index].x, accuracy: 0.01, "point \(index) is drawn at another step")
            XCTAssertEqual(value(atPixel: smooth[index].y), expected[index], accuracy: 1e-3, "point \(index)")
        }
    }

    /// The points of an SVG path made of `M x y` and `L x y` commands.
    private func points(_ d: String?) throws -> [(x: Double, y: Double)] {
        let d = try XCTUnwrap(d)
        return d.matches(of: /[ML](-?[\d.]+) (-?[\d.]+)/).compactMap { match in
            guard let x = Double(match.output.1), let y = Double(match.output.2) else { return nil }
            return (x, y)
        }
    }
}
