import Foundation

/// Work on many independent items, such as the images of a folder, spread over threads so that
/// the outcome never depends on the threads' timing: each item writes only its own result, and of
/// several failures the one of the first item is thrown.
enum OrderedParallelWork {
    /// Calls `body` for every index in `0..<count` on `threads` threads, handing out small batches
    /// in order. When some fail, throws the failure of the smallest index, so the error a folder
    /// gives does not depend on the threads' timing; indices after a known failure are skipped.
    static func run(count: Int, threads: Int, _ body: @Sendable (Int) throws -> Void) throws {
        let progress = ParallelProgress(count: count)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
            while let batch = progress.nextBatch() {
                for index in batch {
                    if progress.hasFailed(before: index) { break }
                    do {
                        try body(index)
                    } catch {
                        progress.record(error, at: index)
                    }
                }
            }
        }
        if let failure = progress.earliestFailure { throw failure }
    }
}

/// What the threads of `OrderedParallelWork.run` share: the next index to hand out and the
/// earliest failure so far, behind one lock.
private final class ParallelProgress: @unchecked Sendable {
    /// Indices per hand-out: enough that taking the lock costs nothing next to decoding as many
    /// images, few enough that the threads finish together.
    private static let batchSize = 32
    private let lock = NSLock()
    private let count: Int
    private var next = 0
    private var failure: (index: Int, error: any Error)?

    init(count: Int) { self.count = count }

    func nextBatch() -> Range<Int>? {
        lock.withLock {
            guard next < count, failure.map({ $0.index >= next }) ?? true else { return nil }
            let batch = next..<min(next + Self.batchSize, count)
            next = batch.upperBound
            return batch
        }
    }

    func hasFailed(before index: Int) -> Bool {
        lock.withLock { failure.map { $0.index < index } ?? false }
    }

    func record(_ error: any Error, at index: Int) {
        lock.withLock {
            if failure.map({ index < $0.index }) ?? true { failure = (index, error) }
        }
    }

    var earliestFailure: (any Error)? { lock.withLock { failure?.error } }
}
