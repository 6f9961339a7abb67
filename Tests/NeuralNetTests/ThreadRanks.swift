import Foundation
@testable import NeuralNet

/// Ranks simulated by threads of one process, for testing data-parallel training without MPI: each
/// collective waits for every rank at a barrier, copies what the others published, and waits again
/// before anyone may reuse a buffer, as MPI's blocking collectives let it.
final class ThreadRanks: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    /// Per rank, what it published for the collective under way.
    private var sendBuffers: [UnsafeRawBufferPointer?]
    private var sendCounts: [[Int]]

    init(size: Int) {
        self.size = size
        sendBuffers = Array(repeating: nil, count: size)
        sendCounts = Array(repeating: [], count: size)
    }

    /// Runs `body(group)` for every rank on a thread of its own and returns their results in rank order.
    func run<Result>(_ body: @escaping @Sendable (any RankGroup) -> Result) -> [Result] {
        let results = ResultSlots<Result>(count: size)
        let threads = (0..<size).map { rank in
            Thread { [self] in results.set(rank, body(Member(ranks: self, rank: rank))) }
        }
        for thread in threads {
            thread.stackSize = 8 << 20
            thread.start()
        }
        results.waitForAll()
        return results.values
    }

    fileprivate func barrier() {
        condition.lock()
        let current = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == current { condition.wait() }
        }
        condition.unlock()
    }

    fileprivate func publish(rank: Int, _ buffer: UnsafeRawBufferPointer, counts: [Int]) {
        condition.lock()
        sendBuffers[rank] = buffer
        sendCounts[rank] = counts
        condition.unlock()
        barrier()
    }

    fileprivate func published(_ rank: Int) -> (UnsafeRawBufferPointer, [Int]) {
        condition.lock()
        defer { condition.unlock() }
        return (sendBuffers[rank]!, sendCounts[rank])
    }

    private final class Member: RankGroup, @unchecked Sendable {
        let ranks: ThreadRanks
        let rank: Int
        var size: Int { ranks.size }

        init(ranks: ThreadRanks, rank: Int) {
            self.ranks = ranks
            self.rank = rank
        }

        func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer, counts: [Int]) {
            precondition(send.count == counts[rank], "rank \(rank) sends \(send.count) bytes, not \(counts[rank])")
            ranks.publish(rank: rank, send, counts: counts)
            var offset = 0
            for source in 0..<size {
                let (buffer, theirCounts) = ranks.published(source)
                precondition(theirCounts == counts, "ranks disagree on the counts")
                if counts[source] > 0 {
                    (receive.baseAddress! + offset).copyMemory(from: buffer.baseAddress!, byteCount: counts[source])
                }
                offset += counts[source]
            }
            ranks.barrier()
        }

        func allToAll(_ send: UnsafeRawBufferPointer, sendCounts: [Int],
                      into receive: UnsafeMutableRawBufferPointer, receiveCounts: [Int]) {
            ranks.publish(rank: rank, send, counts: sendCounts)
            var offset = 0
            for source in 0..<size {
                let (buffer, theirCounts) = ranks.published(source)
                precondition(theirCounts[rank] == receiveCounts[source], "rank \(source) sends another count")
                let start = theirCounts[0..<rank].reduce(0, +)
                if receiveCounts[source] > 0 {
                    (receive.baseAddress! + offset).copyMemory(from: buffer.baseAddress! + start, byteCount: receiveCounts[source])
                }
                offset += receiveCounts[source]
            }
            ranks.barrier()
        }
    }
}

private final class ResultSlots<Result>: @unchecked Sendable {
    private let condition = NSCondition()
    private var slots: [Result?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result) {
        condition.lock()
        slots[index] = value
        condition.broadcast()
        condition.unlock()
    }

    func waitForAll() {
        condition.lock()
        while slots.contains(where: { $0 == nil }) { condition.wait() }
        condition.unlock()
    }

    var values: [Result] { slots.map { $0! } }
}
