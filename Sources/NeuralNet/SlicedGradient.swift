/// How a batch is shared between the ranks of a data-parallel run: cut into `slices` fixed slices of
/// rows, each rank computing a contiguous run of them, whatever the number of ranks.
public struct DataParallelism: Sendable {
    public var group: any RankGroup
    public var slices: Int
    /// Threads each rank runs its slices on (its share of its machine's cores); they change no bit.
    public var threads: Int

    /// Slices per batch when the run does not say: enough for up to 8 ranks, few enough that a
    /// tutorial's batch of 100 keeps slices of 12 rows, on which BLAS still runs near its best.
    public static let defaultSlices = 8

    public init(group: any RankGroup, slices: Int = defaultSlices, threads: Int = 2) {
        precondition(slices >= 1, "a batch has at least one slice")
        self.group = group
        self.slices = slices
        self.threads = threads
    }

    /// The slices rank `rank` of `ranks` computes when a batch has `slices` of them.
    public static func ownedSlices(rank: Int, ranks: Int, slices: Int) -> Range<Int> {
        (rank * slices / ranks)..<((rank + 1) * slices / ranks)
    }
}

/// The gradient of a batch cut into fixed slices, summed in one fixed order whichever ranks computed
/// which slices, so a run on 1, 2, 4 or any number of ranks up to the slice count gives the same bits.
///
/// The order is a binary tree over the slices, each node the sum of its two halves (split at the
/// midpoint). A rank's contiguous run of slices covers a few whole subtrees (one when the rank count
/// is a power of two dividing the slice count); it sums each of them itself, then the ranks combine
/// the subtrees' sums as a reduce-scatter: every rank receives every subtree's share of one chunk of
/// the gradient, finishes the tree on that chunk and sends the result to all (an all-gather). Each
/// rank sends its subtrees' sums once and receives the gradient once, the volume of a ring
/// all-reduce, where gathering every slice's gradient would move slices / ranks times more.
///
/// Written by hand because MPI's own reductions (MPI_Allreduce, MPI_Reduce_scatter) combine
/// in an order that depends on the number of ranks and the algorithm Open MPI picks.
final class SlicedGradient {
    let group: any RankGroup
    /// Floats of one whole gradient (every trainable parameter, in slot order).
    let count: Int
    let slices: Int
    /// This rank's slices.
    let owned: Range<Int>
    /// Per owned slice, its gradient; a subtree's sum is left in its first slice's.
    private let sliceBuffers: ScratchBuffer<Float>
    /// Additions that sum this rank's subtrees, as (target, source) owned-slice indices, in order.
    private let localAdditions: [(Int, Int)]
    /// The owned slices whose buffers end up holding this rank's subtrees' sums, in tree order.
    private let localResults: [Int]
    /// Every rank's share of the gradient's elements, in rank order.
    private let chunks: [Range<Int>]
    /// Additions that finish the tree from every rank's subtrees, as (target, source) indices into
    /// the list of all ranks' subtrees in tree order; the sum ends in subtree 0.
    private let finalAdditions: [(Int, Int)]
    private let send: ScratchBuffer<Float>
    private let receive: ScratchBuffer<Float>
    private let reduced: ScratchBuffer<Float>
    private let sendCounts: [Int]
    private let receiveCounts: [Int]
    private let gatherCounts: [Int]

    init(count: Int, parallelism: DataParallelism) {
        let (group, slices) = (parallelism.group, parallelism.slices)
        precondition(group.size <= slices, "more ranks than slices")
        self.group = group
        self.count = count
        self.slices = slices
        let owned = DataParallelism.ownedSlices(rank: group.rank, ranks: group.size, slices: slices)
        self.owned = owned
        sliceBuffers = ScratchBuffer(count: owned.count * count, repeating: 0)

        let subtrees = (0..<group.size).map { rank in
            Self.subtrees(covering: DataParallelism.ownedSlices(rank: rank, ranks: group.size, slices: slices),
                          node: 0..<slices)
        }
        var additions: [(Int, Int)] = []
        localResults = subtrees[group.rank].map { subtree in
            Self.additions(node: subtree, into: &additions) { $0.count == 1 ? $0.lowerBound - owned.lowerBound : nil }
        }
        localAdditions = additions
        let all = subtrees.flatMap { $0 }
        var final: [(Int, Int)] = []
        _ = Self.additions(node: 0..<slices, into: &final) { all.firstIndex(of: $0) }
        finalAdditions = final
        let size = group.size
        chunks = (0..<size).map { ($0 * count / size)..<(($0 + 1) * count / size) }
        let floats = MemoryLayout<Float>.size
        let chunks = self.chunks, localCount = localResults.count
        let mine = chunks[group.rank].count
        sendCounts = chunks.map { $0.count * localCount * floats }
        receiveCounts = subtrees.map { $0.count * mine * floats }
        gatherCounts = chunks.map { $0.count * floats }
        let distributed = size > 1
        send = ScratchBuffer(count: distributed ? localCount * count : 0, repeating: 0)
        receive = ScratchBuffer(count: distributed ? all.count * mine : 0, repeating: 0)
        reduced = ScratchBuffer(count: distributed ? count : 0, repeating: 0)
    }

    /// Where slice `slice` (one of `owned`) writes its gradient.
    func sliceGradient(_ slice: Int) -> UnsafeMutablePointer<Float> {
        sliceBuffers.pointer + (slice - owned.lowerBound) * count
    }

    /// Bytes this rank sends and receives in one step's reduction.
    var bytesPerStep: (sent: Int, received: Int) {
        guard group.size > 1 else { return (0, 0) }
        let rank = group.rank
        let sent = sendCounts.enumerated().reduce(0) { $0 + ($1.offset == rank ? 0 : $1.element) }
            + gatherCounts[rank] * (group.size - 1)
        let received = receiveCounts.enumerated().reduce(0) { $0 + ($1.offset == rank ? 0 : $1.element) }
            + gatherCounts.enumerated().reduce(0) { $0 + ($1.offset == rank ? 0 : $1.element) }
        return (sent, received)
    }

    /// Once every owned slice's gradient is written: the whole batch's gradient, the same bits on
    /// every rank. `inParallel(body)` runs `body(part, parts)` for every part, splitting the
    /// elements between threads; every addition is element by element, so the split changes nothing.
    func reduce(inParallel: ((_ part: Int, _ parts: Int) -> Void) -> Void) -> UnsafeMutablePointer<Float> {
        let (buffers, count) = (sliceBuffers.pointer, count)
        let localAdditions = localAdditions
        guard group.size > 1 else {
            inParallel { part, parts in
                Self.add(localAdditions, buffers: buffers, stride: count, elements: (part * count / parts)..<((part + 1) * count / parts))
            }
            return buffers + localResults[0] * count
        }
        let (send, chunks, localResults) = (send.pointer, chunks, localResults)
        inParallel { part, parts in
            let elements = (part * count / parts)..<((part + 1) * count / parts)
            Self.add(localAdditions, buffers: buffers, stride: count, elements: elements)
            // Packed by destination: for rank q, chunk q of each subtree's sum in turn.
            var offset = 0
            for chunk in chunks {
                for result in localResults {
                    let shared = chunk.clamped(to: elements)
                    if !shared.isEmpty {
                        (send + offset + shared.lowerBound - chunk.lowerBound)
                            .update(from: buffers + result * count + shared.lowerBound, count: shared.count)
                    }
                    offset += chunk.count
                }
            }
        }
        group.allToAll(UnsafeRawBufferPointer(start: send, count: sendCounts.reduce(0, +)), sendCounts: sendCounts,
                       into: UnsafeMutableRawBufferPointer(start: receive.pointer, count: receiveCounts.reduce(0, +)),
                       receiveCounts: receiveCounts)
        let mine = chunks[group.rank].count
        let (receive, finalAdditions) = (receive.pointer, finalAdditions)
        inParallel { part, parts in
            Self.add(finalAdditions, buffers: receive, stride: mine, elements: (part * mine / parts)..<((part + 1) * mine / parts))
        }
        group.allGather(UnsafeRawBufferPointer(start: receive, count: mine * MemoryLayout<Float>.size),
                        into: UnsafeMutableRawBufferPointer(start: reduced.pointer, count: count * MemoryLayout<Float>.size),
                        counts: gatherCounts)
        return reduced.pointer
    }

    private static func add(_ additions: [(Int, Int)], buffers: UnsafeMutablePointer<Float>, stride: Int,
                            elements: Range<Int>) {
        for (target, source) in additions {
            let (to, from) = (buffers + target * stride, buffers + source * stride)
            for i in elements { to[i] += from[i] }
        }
    }

    /// The largest subtrees of the tree under `node` that lie inside `range`, in tree order.
    static func subtrees(covering range: Range<Int>, node: Range<Int>) -> [Range<Int>] {
        if range.lowerBound <= node.lowerBound && node.upperBound <= range.upperBound { return [node] }
        if node.upperBound <= range.lowerBound || range.upperBound <= node.lowerBound || node.count < 2 { return [] }
        let middle = (node.lowerBound + node.upperBound) / 2
        return subtrees(covering: range, node: node.lowerBound..<middle)
            + subtrees(covering: range, node: middle..<node.upperBound)
    }

    /// Appends the additions that sum `node` from the buffers `given` names (a buffer already holding
    /// a node's sum), left half first; returns the buffer the sum ends in.
    static func additions(node: Range<Int>, into additions: inout [(Int, Int)], given: (Range<Int>) -> Int?) -> Int {
        if let buffer = given(node) { return buffer }
        precondition(node.count >= 2, "a slice no rank computed")
        let middle = (node.lowerBound + node.upperBound) / 2
        let left = Self.additions(node: node.lowerBound..<middle, into: &additions, given: given)
        let right = Self.additions(node: middle..<node.upperBound, into: &additions, given: given)
        additions.append((left, right))
        return left
    }
}
