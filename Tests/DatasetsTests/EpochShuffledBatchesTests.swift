import XCTest
@testable import Datasets

final class EpochShuffledBatchesTests: XCTestCase {
    func testNoExampleRepeatsWithinAnEpochAndTheRemainderWaits() {
        var order = EpochShuffledBatches(count: 10, batchSize: 3, seed: 1)
        let epoch = (0..<3).flatMap { _ in Array(order.nextBatch()) }
        XCTAssertEqual(Set(epoch).count, 9)
        XCTAssertEqual(order.epoch, 1)
        let next = Array(order.nextBatch())  // 9 + 3 > 10: a new shuffle starts a new epoch.
        XCTAssertEqual(order.epoch, 2)
        XCTAssertEqual(next.count, 3)
        XCTAssert(next.allSatisfy { (0..<10).contains($0) })
    }

    func testExactMultipleUsesEveryExample() {
        var order = EpochShuffledBatches(count: 12, batchSize: 4, seed: 2)
        let epoch = (0..<3).flatMap { _ in Array(order.nextBatch()) }
        XCTAssertEqual(epoch.sorted(), Array(0..<12))
        XCTAssertNotEqual(epoch, Array(0..<12), "the order should be shuffled")
        XCTAssertEqual(order.epoch, 1)
        _ = order.nextBatch()
        XCTAssertEqual(order.epoch, 2)
    }

    func testSeedDeterminesTheOrderAndStateResumes() {
        var a = EpochShuffledBatches(count: 50, batchSize: 7, seed: 3)
        var b = EpochShuffledBatches(count: 50, batchSize: 7, seed: 3)
        var c = EpochShuffledBatches(count: 50, batchSize: 7, seed: 4)
        let first = (0..<20).map { _ in Array(a.nextBatch()) }
        XCTAssertEqual(first, (0..<20).map { _ in Array(b.nextBatch()) })
        XCTAssertNotEqual(first, (0..<20).map { _ in Array(c.nextBatch()) })
        var resumed = a  // a saved state continues exactly as the original does
        XCTAssertEqual((0..<10).map { _ in Array(resumed.nextBatch()) }, (0..<10).map { _ in Array(a.nextBatch()) })
    }
}
