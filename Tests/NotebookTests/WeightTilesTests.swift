import XCTest
@testable import Notebook

/// First-layer weight tiles never trap, whatever the weights: a unit whose weights had decayed to
/// within 1e-37 of each other made a Float scale of infinity, and 0 × ∞ a NaN that crashed the
/// conversion to a byte. (Normal floats here: subnormal ones may read as zero on a thread that
/// trained, which flushes them.)
final class WeightTilesTests: XCTestCase {
    func testTilesOfAnyWeightsAreBytes() {
        XCTAssertEqual(WeightTiles.bytes([0, 1, 2]), [0, 128, 255])
        XCTAssertEqual(WeightTiles.bytes([5e-38, 1e-37, 0]), [128, 255, 0])
        XCTAssertEqual(WeightTiles.bytes([5, 5, 5]), [128, 128, 128])
        XCTAssertEqual(WeightTiles.bytes([.nan, 1, 3, .infinity, -.infinity]), [0, 0, 255, 0, 0])
        XCTAssertEqual(WeightTiles.bytes([-Float.greatestFiniteMagnitude, .greatestFiniteMagnitude]), [0, 255])
        XCTAssertEqual(WeightTiles.bytes([]), [])
    }
}
