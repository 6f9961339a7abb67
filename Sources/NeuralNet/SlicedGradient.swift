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
/// The slices' gradients are made and summed a block of elements at a time (a few rows of a
/// weight), the block of every local slice in cache together: made whole, eight slices' gradients
/// of the tutorial's first layer are 12 MB written and read back, which took longer than the step's
/// products. Each element is the same sum whichever block it is in, so blocks change no bit.
///
/// Written by hand because MPI's own reductions (MPI_Allreduce, MPI_Reduce_scatter) combine
/// in an order that depends on the number of ranks and the algorithm Open MPI picks.
final class SlicedGradient {
    let group: any RankGroup
    /// Floats of one whole gradient (every trainable parameter, in slot order).
    let count: Int
    /// This rank's slices.
    let owned: Range<Int>
    /// The gradient's blocks, element ranges in order, each within one parameter.
    let blocks: [Range<Int>]
    /// Per thread, per owned slice, one block of its gradient; a subtree's sum is left in its first
    /// slice's.
    private let blockBuffers: ScratchBuffer<Float>
    /// Floats of the largest block.
    private let blockStride: Int
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

    /// `blocks` cut the gradient's `count` elements; `threads` may make blocks at once.
    init(count: Int, blocks: [Range<Int>], threads: Int, parallelism: DataParallelism) {
        let (group, slices) = (parallelism.group, parallelism.slices)
        precondition(group.size <= slices, "more ranks than slices")
        self.group = group
        self.count = count
        let owned = DataParallelism.ownedSlices(rank: group.rank, ranks: group.size, slices: slices)
        self.owned = owned
        precondition(blocks.reduce(0) { $0 + $1.count } == count, "the blocks must cut the whole gradient")
        self.blocks = blocks
        blockStride = blocks.map(\.count).max() ?? 0
        blockBuffers = ScratchBuffer(count: max(threads, 1) * owned.count * blockStride, repeating: 0)

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
        reduced = ScratchBuffer(count: count, repeating: 0)
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

    /// The whole batch's gradient, the same bits on every rank. `fill(slice, block, into)` writes
    /// owned slice `slice`'s gradient for block `block` at `into`. `inParallel(body)` runs
    /// `body(thread, threads)` on each thread; each takes every `threads`-th block, and splits the
    /// final sums by elements.
    func reduce(inParallel: ((_ thread: Int, _ threads: Int) -> Void) -> Void,
                fill: (_ slice: Int, _ block: Int, _ into: UnsafeMutablePointer<Float>) -> Void) -> UnsafeMutablePointer<Float> {
        let (owned, blocks, stride) = (owned, blocks, blockStride)
        let (localAdditions, localResults, chunks) = (localAdditions, localResults, chunks)
        let (buffers, send, reduced, distributed) = (blockBuffers.pointer, send.pointer, reduced.pointer, group.size > 1)
        withoutActuallyEscaping(fill) { fill in inParallel { thread, threads in
            let scratch = buffers + thread * owned.count * stride
            for block in Swift.stride(from: thread, to: blocks.count, by: threads) {
                let elements = blocks[block]
                for slice in owned { fill(slice, block, scratch + (slice - owned.lowerBound) * stride) }
                Self.add(localAdditions, buffers: scratch, stride: stride, elements: 0..<elements.count)
                guard distributed else {
                    (reduced + elements.lowerBound).update(from: scratch + localResults[0] * stride, count: elements.count)
                    continue
                }
                // Packed by destination: for rank q, chunk q of each subtree's sum in turn.
                var offset = 0
                for chunk in chunks {
                    for result in localResults {
                        let shared = chunk.clamped(to: elements)
                        if !shared.isEmpty {
                            (send + offset + shared.lowerBound - chunk.lowerBound).update(
                                from: scratch + result * stride + shared.lowerBound - elements.lowerBound, count: shared.count)
                        }
                        offset += chunk.count
                    }
                }
            }
        } }
        guard distributed else { return reduced }
        group.allToAll(UnsafeRawBufferPointer(start: send, count: sendCounts.reduce(0, +)), sendCounts: sendCounts,
                       into: UnsafeMutableRawBufferPointer(start: receive.pointer, count: receiveCounts.reduce(0, +)),
                       receiveCounts: receiveCounts)
        let mine = chunks[group.rank].count
        let (receive, finalAdditions) = (receive.pointer, finalAdditions)
        inParallel { part, parts in
            Self.add(finalAdditions, buffers: receive, stride: mine, elements: (part * mine / parts)..<((part + 1) * mine / parts))
        }
        group.allGather(UnsafeRawBufferPointer(start: receive, count: mine * MemoryLayout<Float>.size),
                        into: UnsafeMutableRawBufferPointer(start: reduced, count: count * MemoryLayout<Float>.size),
                        counts: gatherCounts)
        return reduced
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
