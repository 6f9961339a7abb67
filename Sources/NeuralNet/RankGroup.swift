/// The processes that train one network together, or share a sweep's trials: MPI's ranks when
/// LabBook runs under `mpirun` or `srun`, or a single process.
///
/// The network math knows only these few collectives, so that it depends on no MPI library; the
/// CLI hands the trainer an MPI-backed group (the `Cluster` module), and tests hand it ranks
/// simulated by threads. Every rank must make the same calls in the same order, as with MPI.
/// Counts and buffers are in bytes; each rank's block lies at the sum of the counts before it.
public protocol RankGroup: AnyObject, Sendable {
    /// This process's rank, `0..<size`.
    var rank: Int { get }
    /// How many ranks the group has.
    var size: Int { get }

    /// Every rank sends its block of `counts[rank]` bytes; every rank receives all blocks, in rank
    /// order, into `receive` (`counts.reduce(0, +)` bytes). MPI_Allgatherv.
    func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer, counts: [Int])

    /// Every rank sends `sendCounts[r]` bytes to rank `r` (its blocks one after another in `send`)
    /// and receives `receiveCounts[r]` bytes from rank `r` (one after another in `receive`).
    /// MPI_Alltoallv.
    func allToAll(_ send: UnsafeRawBufferPointer, sendCounts: [Int],
                  into receive: UnsafeMutableRawBufferPointer, receiveCounts: [Int])
}

/// The group of one process alone: every collective is a copy.
public final class SingleRank: RankGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }

    public func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer, counts: [Int]) {
        precondition(counts == [send.count] && receive.count >= send.count, "one rank gathers its own block")
        if let base = send.baseAddress { receive.baseAddress!.copyMemory(from: base, byteCount: send.count) }
    }

    public func allToAll(_ send: UnsafeRawBufferPointer, sendCounts: [Int],
                         into receive: UnsafeMutableRawBufferPointer, receiveCounts: [Int]) {
        precondition(sendCounts == receiveCounts && sendCounts.count == 1, "one rank sends to itself")
        if let base = send.baseAddress { receive.baseAddress!.copyMemory(from: base, byteCount: sendCounts[0]) }
    }
}

extension RankGroup {
    /// Every rank's `value`, in rank order (a small all-gather, for counts and flags).
    public func allGather<Value: BitwiseCopyable>(_ value: Value) -> [Value] {
        let size = MemoryLayout<Value>.size
        let receive = UnsafeMutableRawBufferPointer.allocate(byteCount: size * self.size, alignment: MemoryLayout<Value>.alignment)
        defer { receive.deallocate() }
        withUnsafeBytes(of: value) { allGather($0, into: receive, counts: [Int](repeating: size, count: self.size)) }
        return (0..<self.size).map { receive.loadUnaligned(fromByteOffset: $0 * size, as: Value.self) }
    }

    /// Every rank's bytes, in rank order, whatever their lengths (sweep records, error messages).
    public func allGather(bytes: [UInt8]) -> [[UInt8]] {
        let counts = allGather(bytes.count)
        let receive = UnsafeMutableRawBufferPointer.allocate(byteCount: max(counts.reduce(0, +), 1), alignment: 8)
        defer { receive.deallocate() }
        bytes.withUnsafeBytes { allGather($0, into: receive, counts: counts) }
        var blocks: [[UInt8]] = []
        var offset = 0
        for count in counts {
            blocks.append(Array(UnsafeRawBufferPointer(rebasing: receive[offset..<(offset + count)])))
            offset += count
        }
        return blocks
    }
}
