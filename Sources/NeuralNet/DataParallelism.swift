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
