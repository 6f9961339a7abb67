import ArgumentParser
import Cluster
import Notebook
import Foundation
import NeuralNet

/// How `labbook run` shares its training: between the ranks of an MPI job when it is launched under
/// `mpirun` or `srun`, within this one process when `--slices` asks for an MPI run's bits without
/// MPI, or not at all.
final class DataParallelLaunch {
    /// The MPI job, when launched under one.
    let world: MPIWorld?
    /// What the trainer needs; nil for an ordinary run.
    let parallelism: DataParallelism?

    /// Set once MPI_Finalize ran, or when this rank must leave without it (see `leaveAfterFailure`).
    private var finished = false

    init(world: MPIWorld?, parallelism: DataParallelism?) {
        self.world = world
        self.parallelism = parallelism
    }

    var rank: Int { world?.rank ?? 0 }
    var ranks: Int { world?.size ?? 1 }
    var isFirstRank: Bool { rank == 0 }

    /// Joins the MPI job when there is one. `slices` is `--slices`; under MPI it defaults to
    /// `DataParallelism.defaultSlices` and must be at least the number of ranks.
    static func start(slices: Int?) throws -> DataParallelLaunch {
        if let slices, slices < 1 { throw usageError("--slices must be at least 1") }
        guard let world = try joinMPIJobIfLaunched() else {
            return DataParallelLaunch(world: nil, parallelism: slices.map {
                DataParallelism(group: SingleRank(), slices: $0, threads: UsableProcessors.count)
            })
        }
        let count = slices ?? DataParallelism.defaultSlices
        guard world.size <= count else {
            let message = "\(world.size) ranks share batches cut into \(count) slices; a run needs at least one slice "
                + "per rank: pass --slices \(world.size) or more (the bits depend on the slices, not on the ranks)"
            // Every rank finds the same; one says it.
            if world.rank == 0 { printError("labbook: error: \(message)") }
            try? world.finish()
            throw ExitCode(2)
        }
        return DataParallelLaunch(world: world, parallelism: DataParallelism(
            group: world, slices: count, threads: threadsPerRank()))
    }

    /// The cores this rank may use: those the launcher bound it to, or, when it bound it to none
    /// (every core usable), the machine's cores shared between the ranks on it.
    static func threadsPerRank(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        let usable = UsableProcessors.count
        guard usable >= ProcessInfo.processInfo.activeProcessorCount else { return usable }
        let local = ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"]
            .lazy.compactMap { environment[$0].flatMap { Int($0) } }.first ?? 1
        return max(1, usable / max(local, 1))
    }

    /// Runs `body`, the checks before anything runs, and lets every rank learn whether the others
    /// passed theirs: a rank that failed alone would leave the others waiting in the first step's
    /// exchange. Ranks usually fail alike (the same notebook), so what the checks print is held
    /// back and compared: rank 0 prints its own, another rank only what differs from rank 0's
    /// (a data file missing on its machine), under a line naming it.
    /// `undo` takes back what `body` did when another rank failed.
    func whenEveryRankIsReady<Result>(_ body: () throws -> Result, undo: (Result) -> Void) throws -> Result {
        guard let world, world.size > 1 else { return try body() }
        let capture = StandardErrorCapture()
        let outcome = Swift.Result { try body() }
        let printed = capture.finish()
        var failure: Int32 = 0
        if case .failure(let error) = outcome { failure = (error as? ExitCode)?.rawValue ?? 1 }
        let failures = world.allGather(failure)
        let texts = world.allGather(bytes: Array(printed.utf8)).map { String(decoding: $0, as: UTF8.self) }
        // From here on, a rank besides 0 names itself in every error line (the launcher interleaves
        // every rank's lines).
        if rank != 0 { ErrorOutput.speak(as: "labbook run (rank \(rank) of \(ranks) on \(ProcessInfo.processInfo.hostName))") }
        if rank == 0 {
            FileHandle.standardError.write(Data(printed.utf8))
        } else if texts[rank] != texts[0] && !printed.isEmpty {
            printError(String(printed.dropLast(printed.hasSuffix("\n") ? 1 : 0)))
        }
        if failure != 0 { throw ExitCode(failure) }
        if failures.contains(where: { $0 != 0 }) {
            if case .success(let result) = outcome { undo(result) }
            throw ExitCode(1)
        }
        return try outcome.get()
    }

    /// Leaves the MPI job; every rank calls it once its part is done.
    func finish() {
        guard !finished else { return }
        finished = true
        try? world?.finish()
    }

    /// After a run that failed on this rank: leaves without MPI_Finalize, which waits for every
    /// rank, while a rank that did not fail may be waiting in a training step's exchange for this
    /// one. Exiting non-zero without it makes mpirun (or srun) end the whole job.
    func leaveAfterFailure() {
        finished = true
    }
}
