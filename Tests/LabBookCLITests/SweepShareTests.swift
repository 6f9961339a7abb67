import XCTest
@testable import labbook

/// How a sweep's trials are dealt between MPI ranks: every trial to exactly one rank, and a grid's
/// fastest-varying axis spread over the ranks rather than one of its values per rank.
final class SweepShareTests: XCTestCase {
    func testEveryTrialGoesToExactlyOneRank() {
        for ranks in 1...5 {
            for count in 0...13 {
                let shares = (0..<ranks).map { SweepRanks.share(of: count, rank: $0, ranks: ranks) }
                XCTAssertEqual(shares.flatMap { $0 }.sorted(), Array(0..<count), "\(count) trials over \(ranks) ranks")
                let sizes = shares.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(count) trials over \(ranks) ranks")
            }
        }
    }

    /// A grid of learning rate × hidden units (the last axis varying fastest) over 2 ranks: each
    /// rank must run both hidden sizes, so neither gets all the long trials.
    func testTheLastAxisOfAGridIsSpreadOverTheRanks() {
        let hidden = [8, 16]
        for learningRates in 1...4 {
            for rank in 0..<2 {
                let mine = SweepRanks.share(of: 2 * learningRates, rank: rank, ranks: 2).map { hidden[$0 % 2] }
                let (small, large) = (mine.filter { $0 == 8 }.count, mine.filter { $0 == 16 }.count)
                XCTAssertLessThanOrEqual(abs(small - large), 1, "rank \(rank) of a grid of \(learningRates) rates: \(mine)")
                if learningRates % 2 == 0 { XCTAssertEqual(small, large, "rank \(rank): \(mine)") }
            }
        }
    }
}
