import ArgumentParser
import Cluster
import Foundation
import NeuralNet
import Notebook
import RunHistory

/// `labbook run`: execute a notebook and write its run folder.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a notebook and write its run folder (run.json, report, checkpoints).")

    @Argument(help: "The notebook (a Markdown file).")
    var notebook: String

    @Option(name: .shortAndLong, help: "The run folder (default: runs/<notebook name>/).")
    var output: String?

    @Option(name: [.customShort("p"), .customLong("param")], help: "Override a parameter: NAME=VALUE (repeatable).")
    var parameters: [String] = []

    @Option(help: "The seed to run with instead of the notebook's (as `labbook sweep --seeds` does).")
    var seed: UInt64?

    @Option(help: "A Mustache template to render report.html with, instead of LabBook's.")
    var template: String?

    @Flag(help: "Execute every block, ignoring cached results.")
    var noCache = false

    @Option(help: "Where to cache executed blocks (default: .cache inside the run folder).")
    var cacheDir: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "Cut every training batch into this many fixed slices, as a run over MPI ranks does (8 under mpirun).",
        discussion: "A run gives the same bits on any number of ranks up to its slices; without MPI, this "
            + "process computes every slice, giving those bits on one machine."))
    var slices: Int?

    @OptionGroup var history: HistoryOption

    // What `labbook sweep` tells each trial about the sweep, for TensorBoard's HParams dashboard.
    @Option(help: .hidden) var sweepAxis: [String] = []
    @Option(help: .hidden) var sweepSeeds: String?
    @Option(help: .hidden) var sweepMetric: String?

    /// Under MPI every rank runs the notebook, sharing each training batch with the others, and
    /// rank 0 alone writes the run folder and the history; the others write nothing.
    func run() throws {
        let launch = try DataParallelLaunch.start(slices: slices)
        defer { launch.finish() }
        let prepared = try launch.whenEveryRankIsReady {
            try prepare(firstRank: launch.isFirstRank)
        } undo: { prepared in
            if let folder = prepared.folder, let staging = prepared.staging { folder.discard(staging) }
        }
        guard let folder = prepared.folder, let staging = prepared.staging else {
            return try runOnOtherRank(prepared, launch: launch)
        }
        defer { folder.discard(staging) }
        Interruption.install()
        let runner = NotebookRunner(plan: prepared.plan, runFolder: staging, cacheFolder: prepared.cacheFolder,
                                    progress: .forStandardError(quiet: quiet), sweep: prepared.sweep,
                                    dataParallel: launch.parallelism)
        let record = runner.run()
        if record.error != nil && launch.ranks > 1 { launch.leaveAfterFailure() }
        let reportURL: URL
        do {
            try RunFolder.write(record: record, notebookText: prepared.plan.source.text, to: staging,
                                template: prepared.template)
            if record.status == .ok {
                try folder.publish(staging)
                reportURL = folder.url.appendingPathComponent(OwnedRunFolder.reportFile)
            } else {
                try folder.setAsideFailure(staging)
                reportURL = folder.url.appendingPathComponent(OwnedRunFolder.failedReportFile)
            }
        } catch {
            throw fail("cannot write the run folder \(folder.url.path): \(PlainErrorText.of(error))")
        }
        // Only once the run folder is written: a history that can not be written costs a warning.
        let recordedID = recordInHistory(record, folder: folder.url, history: prepared.history)
        if let error = record.error {
            printError(error)
            printError("The partial report is \(reportURL.path); the previous run's files are untouched.")
            if let recordedID, !quiet { printError("Recorded as run \(recordedID) (failed) in \(prepared.history.path)") }
            throw ExitCode(Interruption.signal.map { 128 + $0 } ?? 1)
        }
        if !quiet {
            print(summary(record))
            if launch.ranks > 1 { print("Trained on \(launch.ranks) ranks, every batch cut into \(launch.parallelism?.slices ?? 0) slices") }
            print("Report: \(reportURL.path)")
            if let recordedID { print("Recorded as run \(recordedID) in \(prepared.history.path)") }
        }
    }

    /// What a run needs before anything executes, checked on every rank.
    struct Prepared {
        var plan: NotebookPlan
        var template: String?
        var sweep: SweepExperiment?
        var cacheFolder: URL?
        var history: URL
        /// The claimed run folder and the staging folder beside it; nil on ranks other than rank 0,
        /// which write nothing.
        var folder: OwnedRunFolder?
        var staging: URL?
    }

    /// A rank besides rank 0: the same run, sharing every batch, writing nothing and printing only
    /// its own errors.
    private func runOnOtherRank(_ prepared: Prepared, launch: DataParallelLaunch) throws {
        Interruption.install()
        let scratch = URL(fileURLWithPath: "/nonexistent-labbook-rank-\(launch.rank)")
        let record = NotebookRunner(plan: prepared.plan, runFolder: scratch, dataParallel: launch.parallelism).run()
        if let error = record.error {
            launch.leaveAfterFailure()
            printError(error)
            throw ExitCode(Interruption.signal.map { 128 + $0 } ?? 1)
        }
    }

    private func prepare(firstRank: Bool) throws -> Prepared {
        let name = URL(fileURLWithPath: notebook).deletingPathExtension().lastPathComponent
        let folderURL: URL
        do {
            folderURL = try OwnedRunFolder.resolve(output ?? "runs/\(name)")
        } catch {
            throw usageError(error.description)
        }
        let historyURL = try history.url()
        let cacheFolder = try cacheLocation(runFolder: folderURL)
        let plan = try NotebookLoading.plan(path: notebook, overrides: parameters, seed: seed)
        let templateText = try RunFolder.readTemplate(template)
        var sweep: SweepExperiment?
        do throws(SweepSpaceError) {
            var axes: [SweepAxis] = []
            for text in sweepAxis { axes.append(try SweepAxis(parsing: text, origin: "--sweep-axis")) }
            let seeds = try (sweepSeeds ?? "").split(separator: ",").map { text throws(SweepSpaceError) in
                guard let seed = UInt64(text) else { throw SweepSpaceError("--sweep-seeds expects seeds, got '\(text)'") }
                return seed
            }
            if !axes.isEmpty { sweep = SweepExperiment(axes: axes, seeds: seeds, metric: sweepMetric) }
        } catch {
            throw usageError(error.description)
        }
        guard firstRank else {
            return Prepared(plan: plan, template: templateText, sweep: sweep, cacheFolder: nil, history: historyURL)
        }
        // The whole run is written into a staging folder beside the run folder and swapped in only
        // when it succeeds: a failed or interrupted run never costs the last good one.
        let folder: OwnedRunFolder
        let staging: URL
        do {
            folder = try OwnedRunFolder(claiming: folderURL)
            staging = try folder.makeStaging()
        } catch {
            throw fail(error.description)
        }
        return Prepared(plan: plan, template: templateText, sweep: sweep, cacheFolder: cacheFolder,
                        history: historyURL, folder: folder, staging: staging)
    }

    /// Records the run in the run history and returns its id; a failure is a warning, never an error.
    private func recordInHistory(_ record: RunRecord, folder: URL, history: URL) -> Int64? {
        do {
            return try HistoryStore.openForRecording(at: history).record(record, runFolder: folder)
        } catch {
            printError("labbook: warning: the run was not recorded in the run history: \(PlainErrorText.of(error)) "
                       + "(the run folder \(folder.path) is complete)")
            return nil
        }
    }

    /// Where blocks are cached: nil with --no-cache; else --cache-dir, which must be new, empty or
    /// LabBook's tagged cache, or the run folder's .cache (the run folder is already known to be
    /// LabBook's, so an untagged .cache of an older version is too). Never a link.
    private func cacheLocation(runFolder: URL) throws -> URL? {
        guard !noCache else { return nil }
        if cacheDir?.isEmpty == true { throw usageError("--cache-dir '' names no folder") }
        let url = cacheDir.map { URL(fileURLWithPath: $0) } ?? runFolder.appendingPathComponent(OwnedRunFolder.cacheFolder)
        let option = cacheDir.map { "--cache-dir \($0)" } ?? "the run folder's cache \(url.path)"
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return url }
        if status.st_mode & S_IFMT == S_IFLNK {
            throw usageError("\(option) is a symbolic link, and LabBook writes nothing through links; remove it, "
                             + "or name a real folder with --cache-dir")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw usageError("\(option) exists and is not a folder") }
        let empty = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).isEmpty
        guard cacheDir == nil || empty || OwnedRunFolder.isLabBookCache(url) else {
            throw usageError("\(option) is not empty and is not a LabBook cache (it has no CACHEDIR.TAG); "
                             + "choose an empty folder, or run with --no-cache")
        }
        return url
    }

    private func summary(_ record: RunRecord) -> String {
        let cached = record.blocks.filter { $0.status == .cached }.count
        var parts = ["Ran \(record.notebook) in \(String(format: "%.2f", record.seconds)) s: \(record.blocks.count) blocks"
                     + (cached > 0 ? " (\(cached) from the cache)" : "")]
        for block in record.blocks {
            if case .evaluate(let metrics) = block.metrics {
                parts.append(String(format: "%@ accuracy %.4f (line %d)", metrics.split.rawValue, metrics.accuracy, block.line))
            }
        }
        return parts.joined(separator: "; ")
    }
}
