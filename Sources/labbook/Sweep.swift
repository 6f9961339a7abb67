import ArgumentParser
import CKernels
import Cluster
import Foundation
import NeuralNet
import Notebook
import Report
import RunRecords

/// `labbook sweep`: a notebook over a grid or a random search of its parameters. Every trial is a
/// plain `labbook run` in a child process, into its own run folder, so that `verify` and `report`
/// take trials as they take any run, and a rerun of the sweep finds each finished trial's blocks in
/// its folder's cache.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a notebook over a grid or a random search of its parameters; each trial is a run folder.",
        discussion: """
            Grid: -p hidden1=64,128,256 -p learning_rate=0.1,0.3 runs every combination. Random search: \
            -p learning_rate=log-uniform(1e-4,1e-1) -p hidden1=int-uniform(64,512) --trials 20 draws 20 \
            trials from the notebook's seed (uniform(A,B) too; a list is then picked from at random). \
            Trials are sweeps/<notebook>/<trial>/; sweep.json lists them with their metrics. Running the \
            same sweep again reuses finished trials from their caches.
            """)

    @Argument(help: "The notebook (a Markdown file).")
    var notebook: String

    @Option(name: [.customShort("p"), .customLong("param")],
            help: "An axis: NAME=V1,V2,... or NAME=uniform(A,B) | log-uniform(A,B) | int-uniform(A,B) (repeatable).")
    var axes: [String] = []

    @Option(help: "Random search: draw this many trials from the axes.")
    var trials: Int?

    @Option(help: "Run every setting with this many seeds, counting up from the notebook's.")
    var seeds = 1

    @Option(name: .shortAndLong, help: "Trials run at once (default: the cores divided by the two each trial uses).")
    var jobs: Int?

    @Option(name: .shortAndLong, help: "The sweep folder (default: sweeps/<notebook name>/).")
    var output: String?

    @Option(help: "The metric that ranks trials (default: the front matter's, else the last test accuracy).")
    var metric: String?

    @Option(help: "Whether a larger or a smaller metric is better: max (the default) or min.")
    var goal: Goal?

    @Option(help: "Allow a sweep of more than 1000 trials, up to this many.")
    var maxTrials = SweepSpace.defaultMaximumTrials

    @Flag(name: .shortAndLong, help: "Print nothing but errors and the result.")
    var quiet = false

    @OptionGroup var history: HistoryOption

    enum Goal: String, ExpressibleByArgument, Codable {
        case max, min
    }

    /// Set by the sweep for each child it starts: "SHARE/SHARES" of the processors to run on.
    static let shareVariable = "LABBOOK_CPU_SHARE"

    /// Set by the sweep for each child it starts: the sweep's process id.
    static let parentVariable = "LABBOOK_SWEEP_PID"

    /// Called first thing in every `labbook` process, before any thread starts, so every thread of
    /// a sweep's trial stays on its share of the cores, and the trial stops (as on Ctrl-C, setting
    /// its partial run aside) when its sweep dies, even by SIGKILL, which the sweep can not pass on.
    static func pinToTrialShare() {
        if let parent = ProcessInfo.processInfo.environment[parentVariable].flatMap({ Int($0) }) {
            labbook_stop_with_parent(parent)
        }
        guard let text = ProcessInfo.processInfo.environment[shareVariable] else { return }
        let numbers = text.split(separator: "/").compactMap { Int($0) }
        if numbers.count == 2 { _ = labbook_pin_to_share(numbers[0], numbers[1]) }
    }

    /// Everything a sweep settles before its first trial runs.
    private struct Plan {
        var space: [SweepAxis]
        var metric: String?
        var goal: Goal
        var trials: [SweepTrial]
        var notebookBytes: [UInt8]
        var folder: URL
        var historyFile: String
        var jobCount: Int
    }

    func run() throws {
        // Launched by mpirun or srun, this process is one rank of several, each running a share of
        // the trials (SweepRanks).
        let ranks = try SweepRanks.joinIfLaunched()
        let plan: Plan
        do {
            plan = try makePlan(onRankZero: ranks?.isCoordinator ?? true)
        } catch {
            // The other ranks wait to hear from this one before they run anything.
            ranks?.refuse()
            throw error
        }
        let jobsInAll = try ranks?.agree(onNotebook: plan.notebookBytes, folder: plan.folder, trials: plan.trials,
                                         jobs: plan.jobCount) ?? plan.jobCount
        let folder = plan.folder
        let planned = plan.trials
        let share = ranks?.share(of: planned.count) ?? Array(planned.indices)
        let shares = plan.jobCount <= UsableProcessors.count && plan.jobCount > 1 ? plan.jobCount : 0
        // Rank 0 speaks for the sweep; the other ranks print only their errors.
        let ledger: SweepLedger?
        let initial = SweepRecord(notebook: notebook, axes: plan.space, seeds: seeds, metric: plan.metric, goal: plan.goal,
                                  trials: planned)
        if ranks?.isCoordinator ?? true {
            if !quiet {
                let pace = ranks.map { "over \($0.world.size) MPI ranks, \(jobsInAll) at a time in all" } ?? "\(jobsInAll) at a time"
                say("Sweep of \(planned.count) trial\(planned.count == 1 ? "" : "s") of \(notebook) into \(folder.path), \(pace)")
            }
            // Open MPI gives each rank a pseudo-terminal, whatever mpirun's own output is: under MPI
            // the progress is written as lines, which a log file takes as well as a terminal.
            let progress = ranks == nil ? SweepProgress(total: planned.count, quiet: quiet)
                                        : SweepProgress(total: planned.count, quiet: quiet, terminal: false)
            ledger = SweepLedger(record: initial, folder: folder, progress: progress,
                                 history: URL(fileURLWithPath: plan.historyFile))
        } else {
            ledger = nil
        }
        // This process's own trials, as their run folders record them.
        var local = initial
        // Under MPI, a rank checks for the launcher's SIGTERM (another rank died) well within the
        // second before the launcher's SIGKILL, so that it can still say what became of the sweep.
        let scheduler = TrialScheduler(jobs: plan.jobCount, shares: shares,
                                       environment: ranks?.childEnvironment ?? ProcessInfo.processInfo.environment,
                                       waitingInterval: ranks == nil ? 0.5 : 0.1)
        // Ctrl-C or SIGTERM: no new trial starts, the running ones are asked to stop (each sets its
        // partial run aside, as an interrupted `labbook run` does), and the sweep records them.
        Interruption.install()
        let experimentArguments = plan.space.flatMap { ["--sweep-axis", $0.specification] }
            + ["--sweep-seeds", Set(planned.map(\.seed)).sorted().map(String.init).joined(separator: ",")]
            + (plan.metric.map { ["--sweep-metric", $0] } ?? [])
        // Every trial is recorded in the run history by its own `labbook run`, as any run is. The
        // ranks of a job on one machine share the history file, as a sweep's trials always do; with
        // a file system per node, each node's history (the same path on each) holds the trials that
        // node ran, and rank 0's every trial (from the records the other ranks send it).
        scheduler.run(share.map { index in
            let trial = planned[index]
            return TrialScheduler.Job(arguments: ["run", notebook, "-o", folder.appendingPathComponent(trial.id).path,
                                                  "--seed", String(trial.seed), "--history", plan.historyFile]
                                        + trial.overrides.flatMap { ["-p", $0] } + experimentArguments,
                                      log: folder.appendingPathComponent(trial.id + ".log"))
        }, started: { position in
            ledger?.started(share[position])
            ranks?.reportStarted(share[position])
        }, finished: { position, status, seconds in
            let index = share[position]
            let curve = local.record(index, status: status, seconds: seconds, folder: folder)
            ledger?.finished(index, as: local.trials[index], curve: curve)
            ranks?.reportFinished(index, as: local.trials[index], curve: curve, folder: folder)
        }, waiting: { _ in
            ranks?.exchange(with: ledger)
            ledger?.showRunning()
        })
        ranks?.completeExchange(with: ledger)
        try ledger?.publish(say: say)
        if let signal = Interruption.signal {
            // Under MPI the ranks have said so already, the moment they were stopped.
            if ranks == nil {
                printError("The sweep was interrupted; run the same command again to finish it (finished trials come from their caches).")
            }
            throw ExitCode(128 + signal)
        }
        try ranks?.finish()
        if let ledger, ledger.record.failedCount > 0 {
            printError("\(ledger.record.failedCount) of \(planned.count) trials failed; their logs are in \(folder.path)"
                       + (ranks == nil ? "" : " on the nodes that ran them"))
            throw ExitCode(1)
        }
    }

    /// Validates the command line and the notebook with every trial's parameters, and makes the
    /// sweep folder. Under MPI, a rank other than 0 may find its folder already holding the trials
    /// it ran before, without the sweep.json that rank 0 writes (a file system per node).
    private func makePlan(onRankZero: Bool) throws -> Plan {
        let given: [SweepAxis]
        do {
            given = try axes.map { text throws(SweepSpaceError) in try SweepAxis(parsing: text) }
        } catch {
            throw usageError(error.description)
        }
        let jobCount = jobs ?? max(1, UsableProcessors.count / 2)
        guard jobCount >= 1 else { throw usageError("-j must be at least 1") }
        guard maxTrials >= 1 else { throw usageError("--max-trials must be at least 1") }

        // Validation first: the notebook as it is, then every trial's parameters, before anything runs.
        let base = try NotebookLoading.plan(path: notebook)
        // The front matter's axes, each replaced by a -p of the same name, then the other -p axes.
        let defaults = base.frontMatter.sweep
        let space = defaults.axes.map { axis in given.first { $0.name == axis.name } ?? axis }
            + given.filter { axis in !defaults.axes.contains { $0.name == axis.name } }
        let metric = self.metric ?? defaults.metric
        let goal = self.goal ?? defaults.goal.flatMap(Goal.init(rawValue:)) ?? .max
        let planned: [SweepTrial]
        do {
            planned = try SweepSpace.trials(axes: space, randomTrials: trials, seeds: seeds,
                                            notebookSeed: base.frontMatter.seed, maximumTrials: maxTrials)
        } catch {
            throw usageError(error.description)
        }
        let bytes = try NotebookLoading.read(notebook)
        try check(planned, notebookBytes: bytes)

        let name = URL(fileURLWithPath: notebook).deletingPathExtension().lastPathComponent
        let folder = URL(fileURLWithPath: output ?? "sweeps/\(name)").standardizedFileURL
        try Self.checkIsSweepFolder(folder, orHoldsOnlyTrials: onRankZero ? nil : planned.map(\.id))
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw fail("cannot make the sweep folder \(folder.path): \(PlainErrorText.of(error))")
        }
        return Plan(space: space, metric: metric, goal: goal, trials: planned, notebookBytes: bytes, folder: folder,
                    historyFile: try history.url().path, jobCount: jobCount)
    }

    /// A sweep writes its index.html, sweep.json and trial logs into its folder, so the folder must be
    /// new, empty, or a sweep's (it has a sweep.json LabBook can read): `-o .` must not replace a
    /// page of the user's. With `trialIDs`, a folder holding nothing but those trials will do too: a
    /// rank's folder on a file system of its own, without rank 0's sweep.json.
    static func checkIsSweepFolder(_ folder: URL, orHoldsOnlyTrials trialIDs: [String]? = nil) throws {
        var status = stat()
        guard lstat(folder.path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw usageError("-o \(folder.path) exists and is not a folder") }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        guard !contents.isEmpty else { return }
        if let trialIDs {
            // Trial folders, their logs, and what a killed trial leaves beside its folder
            // (.<trial>.labbook-staging-<id>).
            let names = Set(trialIDs + trialIDs.map { $0 + ".log" })
            if contents.allSatisfy({ name in
                names.contains(name) || name.hasPrefix(".") && trialIDs.contains { name.hasPrefix(".\($0).labbook-") }
            }) {
                return
            }
        }
        guard (try? SweepRecord.read(from: folder.appendingPathComponent("sweep.json"))) != nil else {
            throw usageError("\(folder.path) is not empty and holds no sweep (no sweep.json LabBook wrote); "
                             + "choose a new or empty folder with -o")
        }
    }

    /// Prints a line at once, unbuffered: a sweep's progress must reach a pipe or a log file as it
    /// happens, not when the sweep ends.
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Every trial's notebook, validated with its parameters and seed; exits before anything runs
    /// when one does not check, naming each such trial and its errors.
    private func check(_ planned: [SweepTrial], notebookBytes bytes: [UInt8]) throws {
        var failing = 0
        for trial in planned {
            do {
                _ = try NotebookPlan.make(bytes: bytes, path: notebook, overrides: trial.overrides, seed: trial.seed)
            } catch let diagnostics as Diagnostics {
                printError("trial \(trial.id):\n\(diagnostics.description)")
                failing += 1
            } catch let error as ParameterOverrideError {
                throw usageError(error.description)
            }
        }
        if failing > 0 { throw fail("\(failing) of \(planned.count) trials do not check; nothing ran") }
    }
}

/// Runs `labbook` child processes, at most `jobs` at once, each on its own share of the cores when
/// `shares` is above 0.
final class TrialScheduler: @unchecked Sendable {
    struct Job {
        var arguments: [String]
        var log: URL
    }

    let jobs: Int
    let shares: Int
    /// The children's environment, before the share of the cores each is given.
    let environment: [String: String]
    /// Seconds between calls of `waiting` while jobs run.
    let waitingInterval: Double
    private let finishedSignal = DispatchSemaphore(value: 0)

    init(jobs: Int, shares: Int, environment: [String: String] = ProcessInfo.processInfo.environment,
         waitingInterval: Double = 0.5) {
        self.jobs = jobs
        self.shares = shares
        self.environment = environment
        self.waitingInterval = waitingInterval
    }

    /// Runs every job in order; calls `started` and `finished` (with the exit status, or nil when the
    /// process could not start) on this thread, and `waiting` with the running jobs every
    /// `waitingInterval` seconds or sooner.
    func run(_ list: [Job], started: (Int) -> Void, finished: (Int, Int32?, Double) -> Void,
             waiting: ([(index: Int, start: Date)]) -> Void = { _ in }) {
        var running: [(index: Int, process: Process, slot: Int, start: Date)] = []
        var next = 0
        var forwarded = false
        while (next < list.count && !Interruption.requested) || !running.isEmpty {
            if let signal = Interruption.signal, !forwarded {
                for entry in running { kill(entry.process.processIdentifier, signal) }
                forwarded = true
            }
            while next < list.count && running.count < jobs && !Interruption.requested {
                let slot = (0..<jobs).first { slot in !running.contains { $0.slot == slot } } ?? 0
                let index = next
                next += 1
                started(index)
                if let process = launch(list[index], slot: slot) {
                    running.append((index, process, slot, Date()))
                } else {
                    finished(index, nil, 0)
                }
            }
            guard !running.isEmpty else { continue }
            waiting(running.map { ($0.index, $0.start) })
            // Woken by each child's end; the timeout only guards against a wake-up that comes before
            // the process reports that it stopped running.
            _ = finishedSignal.wait(timeout: .now() + waitingInterval)
            for (position, entry) in running.enumerated().reversed() where !entry.process.isRunning {
                running.remove(at: position)
                finished(entry.index, entry.process.terminationStatus, Date().timeIntervalSince(entry.start))
            }
        }
    }

    private func launch(_ job: Job, slot: Int) -> Process? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = job.arguments
        var environment = self.environment
        if shares > 0 { environment[Sweep.shareVariable] = "\(slot)/\(shares)" }
        environment[Sweep.parentVariable] = String(getpid())
        process.environment = environment
        guard FileManager.default.createFile(atPath: job.log.path, contents: nil),
              let log = try? FileHandle(forWritingTo: job.log) else { return nil }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let signal = finishedSignal
        process.terminationHandler = { _ in signal.signal() }
        do {
            try process.run()
        } catch {
            try? log.close()
            return nil
        }
        try? log.close()
        return process
    }
}
