import ArgumentParser
import Cluster
import Foundation
import Notebook
import RunRecords

/// A sweep shared over the ranks of an MPI job (`mpirun -np 4 labbook sweep ...`, `srun labbook
/// sweep ...`). Every rank plans the same trials, runs its share of them as a sweep on one machine
/// runs all of them (`-j` at a time, as child processes pinned to its cores), and reports each
/// trial's start and end to rank 0, which prints the progress of them all and writes sweep.json and
/// the comparison page.
///
/// The trials are dealt out statically, not handed out as ranks free up, so that each rank knows
/// its share without a word to the others, and a rerun gives each trial to the same rank, which on
/// per-node file systems finds the trial's cache again on the node that ran it. They are dealt in
/// rounds of N, every other round in reverse (rank 0 gets trials 0, 2N-1, 2N, 4N-1, ...): a grid's
/// last axis varies fastest, and dealt straight, an axis of N values (hidden_units=8,16 with two
/// ranks) would give one rank every 8 and the other every 16, making one rank the slow one when the
/// axis sets the trials' length; dealt back and forth, each rank gets each value in turn. Trials of
/// different lengths balance as far as that mixes them, and no further: a rank whose share is
/// slower finishes last while the others idle; several trials at once in each rank (-j) soften
/// what remains.
///
/// The reports are messages neither side waits for inside MPI. When one rank dies, the launcher ends
/// the others with SIGTERM and then, about a second later, SIGKILL; a rank blocked in an MPI call
/// would never see the SIGTERM, and could not say what became of the sweep.
final class SweepRanks {
    let world: MPIWorld
    /// Reports not yet handed over to MPI's care (a rank other than 0).
    private var outgoing: [MPITransfer] = []
    /// Reports being received, in the order they arrived (rank 0).
    private var incoming: [MPITransfer] = []
    /// This rank's trials that ended well, for the message when the job stops.
    private var finishedHere = 0
    private var stopAnnounced = false

    private static let reportTag = 1

    private init(world: MPIWorld) {
        self.world = world
    }

    /// The ranks of the MPI job a launcher started this process in, or nil outside MPI.
    static func joinIfLaunched() throws -> SweepRanks? {
        guard let world = try joinMPIJobIfLaunched() else { return nil }
        if world.rank != 0 { ErrorOutput.speak(as: "labbook sweep (\(world))") }
        return SweepRanks(world: world)
    }

    /// Rank 0 prints the sweep's progress and writes its results.
    var isCoordinator: Bool { world.rank == 0 }

    /// Rank `rank`'s trials of `count` among `ranks`: dealt in rounds of `ranks`, every other round
    /// in reverse.
    static func share(of count: Int, rank: Int, ranks: Int) -> [Int] {
        (0..<count).filter { index in
            let (round, seat) = index.quotientAndRemainder(dividingBy: ranks)
            return (round % 2 == 0 ? seat : ranks - 1 - seat) == rank
        }
    }

    /// The trials this rank runs, of `count`.
    func share(of count: Int) -> [Int] {
        Self.share(of: count, rank: world.rank, ranks: world.size)
    }

    /// The environment of this rank's trials, which run on their own rather than join the job.
    var childEnvironment: [String: String] {
        MPILauncher.environmentForChild(of: ProcessInfo.processInfo.environment)
    }

    private struct Readiness: BitwiseCopyable {
        var ready: Bool
        /// The first 8 bytes of the SHA-256 of what this rank planned.
        var plan: UInt64
        var jobs: Int
    }

    /// Waits until every rank has planned the sweep, and checks they all planned the same one: the
    /// same notebook bytes, folder and trials. Returns how many trials run at once in all; throws,
    /// after finishing MPI, when a rank could not plan or planned another sweep.
    func agree(onNotebook bytes: [UInt8], folder: URL, trials: [SweepTrial], jobs: Int) throws -> Int {
        var text = folder.path + "\n"
        for trial in trials { text += "\(trial.id) \(trial.seed) \(trial.overrides.joined(separator: " "))\n" }
        let digest = UInt64(SHA256Hex.of(bytes + Array(text.utf8)).prefix(16), radix: 16) ?? 0
        let all = world.allGather(Readiness(ready: true, plan: digest, jobs: jobs))
        if let rank = all.indices.first(where: { !all[$0].ready }) {
            try? world.finish()
            if isCoordinator { printError("labbook: error: rank \(rank) of \(world.size) could not start the sweep (see its error); nothing ran") }
            throw ExitCode(1)
        }
        if let rank = all.indices.first(where: { all[$0].plan != all[0].plan }) {
            try? world.finish()
            if isCoordinator {
                printError("labbook: error: rank \(rank) of \(world.size) planned another sweep than rank 0 (another notebook, "
                           + "options or working folder?); nothing ran")
            }
            throw ExitCode(1)
        }
        return all.map(\.jobs).reduce(0, +)
    }

    /// Tells the other ranks that this one could not plan the sweep (it has said why), and finishes MPI.
    func refuse() {
        _ = world.allGather(Readiness(ready: false, plan: 0, jobs: 0))
        try? world.finish()
    }

    private struct Report: Codable {
        var index: Int
        /// The trial as it ended, or nil when it has just started.
        var trial: SweepRecord.Trial?
        var curve: [TrainingPoint] = []
        /// The trial's whole record (its run.json or run.failed.json), for rank 0's run history.
        var run: RunRecord?
    }

    /// Tells rank 0 that trial `index` started here (rank 0 knows of its own trials).
    func reportStarted(_ index: Int) {
        if !isCoordinator { send(Report(index: index)) }
    }

    /// Tells rank 0 how trial `index` ended here: its entry, as read from its run folder on this
    /// node, and its training curve, so that rank 0 needs no access to the folder.
    func reportFinished(_ index: Int, as trial: SweepRecord.Trial, curve: [TrainingPoint], folder: URL) {
        if trial.status == "ok" { finishedHere += 1 }
        guard !isCoordinator else { return }
        let runFolder = folder.appendingPathComponent(trial.folder)
        let run = [OwnedRunFolder.recordFile, OwnedRunFolder.failedRecordFile].lazy
            .compactMap { try? RunRecordFile.read(from: runFolder.appendingPathComponent($0)) }.first
        send(Report(index: index, trial: trial, curve: curve, run: run))
    }

    private func send(_ report: Report) {
        let encoder = RunRecordFile.encoder()
        encoder.outputFormatting = []
        do {
            let bytes = try [UInt8](encoder.encode(report))
            outgoing.append(try world.startSend(bytes, to: 0, tag: Self.reportTag))
        } catch {
            abandonJob("cannot send a trial's report to rank 0: \(error)")
        }
        exchange(with: nil)
    }

    /// Moves the reports along: rank 0 takes in those that arrived, the others hand theirs over.
    /// Returns false once the job is stopping.
    @discardableResult
    func exchange(with ledger: SweepLedger?) -> Bool {
        guard !announceStopIfRequested(ledger: ledger) else { return false }
        do {
            var stillOutgoing: [MPITransfer] = []
            for transfer in outgoing where try !transfer.poll() { stillOutgoing.append(transfer) }
            outgoing = stillOutgoing
            guard let ledger else { return true }
            while let transfer = try world.startReceive(tag: Self.reportTag) { incoming.append(transfer) }
            // One rank's reports are taken in the order it sent them: a trial's start before its end.
            var waitingPeers: Set<Int> = []
            var stillIncoming: [MPITransfer] = []
            for transfer in incoming {
                guard !waitingPeers.contains(transfer.peer), try transfer.poll() else {
                    waitingPeers.insert(transfer.peer)
                    stillIncoming.append(transfer)
                    continue
                }
                take(transfer, into: ledger)
            }
            incoming = stillIncoming
        } catch {
            abandonJob("\(error)")
        }
        return true
    }

    private func take(_ transfer: MPITransfer, into ledger: SweepLedger) {
        guard let report = try? RunRecordFile.decoder().decode(Report.self, from: Data(transfer.bytes)),
              ledger.record.trials.indices.contains(report.index) else {
            abandonJob("rank \(transfer.peer) sent a report this rank cannot read (is it the same LabBook version?)")
        }
        if let trial = report.trial {
            ledger.finished(report.index, as: trial, curve: report.curve, run: report.run)
        } else {
            ledger.started(report.index)
        }
    }

    /// After this rank's own trials: rank 0 waits for every other rank's reports, the others until
    /// theirs are delivered. Returns early when the job is stopping.
    func completeExchange(with ledger: SweepLedger?) {
        var shown = Date.distantPast
        while hasMoreToExchange(ledger) {
            guard exchange(with: ledger) else { return }
            if let ledger, Date().timeIntervalSince(shown) >= 0.5 {
                ledger.showRunning()
                shown = Date()
            }
            usleep(20_000)
        }
    }

    /// Rank 0: a trial whose end it has not heard of; another rank: a report not yet delivered.
    private func hasMoreToExchange(_ ledger: SweepLedger?) -> Bool {
        if let ledger { return ledger.record.trials.contains { $0.status == "pending" } }
        return !outgoing.isEmpty
    }

    /// MPI_Finalize, once the sweep is over on every rank.
    func finish() throws {
        do {
            try world.finish()
        } catch {
            throw fail(error.description)
        }
    }

    /// Says once, as soon as it is seen, that the job is stopping: SIGKILL follows the launcher's
    /// SIGTERM within about a second. Ctrl-C on mpirun reaches the ranks as the same SIGTERM, so the
    /// two causes read alike here.
    private func announceStopIfRequested(ledger: SweepLedger?) -> Bool {
        guard Interruption.requested else { return false }
        guard !stopAnnounced else { return true }
        stopAnnounced = true
        let kept = ledger?.record.trials.filter { $0.status == "ok" }.count ?? finishedHere
        let trials = kept == 1 ? "1 trial" : "\(kept) trials"
        let speaker = isCoordinator ? "labbook sweep" : "labbook sweep (\(world))"
        let place = isCoordinator ? "here" : "on this rank"
        printError("\(speaker): stopped: another rank of this MPI job ended (or the job was interrupted); \(trials) finished \(place) "
                   + "\(kept == 1 ? "is" : "are") kept; run the same command again to finish the rest")
        return true
    }

    /// The exchange cannot go on: says why and ends the job, rather than leave the other ranks waiting.
    private func abandonJob(_ reason: String) -> Never {
        printError("labbook: error: \(reason); ending the MPI job")
        world.abort(code: 1)
    }
}
