import Foundation
import Report
import RunHistory
import RunRecords

/// What a sweep's coordinator knows of its trials as they start and end, wherever they run: its
/// sweep.json, rewritten after every trial, the training curves its page draws, and the progress it
/// prints. The one process of a sweep on one machine, or rank 0 of an MPI job, which hears of the
/// other ranks' trials from their reports.
final class SweepLedger {
    private(set) var record: SweepRecord
    private var curves: [String: [TrainingPoint]] = [:]
    /// The trials started and not yet ended, in the order they started.
    private var running: [(index: Int, start: Date)] = []
    private let folder: URL
    private let progress: SweepProgress
    /// The run history every trial is recorded in.
    private let history: URL

    init(record: SweepRecord, folder: URL, progress: SweepProgress, history: URL) {
        self.record = record
        self.folder = folder
        self.progress = progress
        self.history = history
    }

    private var sweepFile: URL { folder.appendingPathComponent("sweep.json") }

    func started(_ index: Int) {
        running.append((index, Date()))
        progress.trialStarted(index + 1, id: record.trials[index].id)
    }

    /// Trial `index` ended as `trial` (read from its run folder by `SweepRecord.record`), with its
    /// training curve. `run` is its whole record when another rank ran it: recorded in this rank's
    /// history unless that run already recorded itself there (a history on a shared file system).
    func finished(_ index: Int, as trial: SweepRecord.Trial, curve: [TrainingPoint], run: RunRecord? = nil) {
        if let run {
            do {
                _ = try HistoryStore.openForRecording(at: history)
                    .recordUnlessPresent(run, runFolder: folder.appendingPathComponent(trial.folder))
            } catch {
                printError("labbook: warning: trial \(trial.id) was not recorded in the run history: \(PlainErrorText.of(error))")
            }
        }
        running.removeAll { $0.index == index }
        record.trials[index] = trial
        record.rank()
        curves[trial.id] = curve
        try? record.write(to: sweepFile)
        progress.trialFinished(index + 1, id: trial.id, summary: record.summary(of: index),
                               done: record.finishedCount, failed: record.failedCount)
    }

    /// Redraws the running trials' lines (on a terminal).
    func showRunning() {
        progress.update(running: running.map { entry in
            let id = record.trials[entry.index].id
            return (id, folder.appendingPathComponent(id + ".log"), entry.start)
        }, done: record.finishedCount, failed: record.failedCount)
    }

    /// Writes sweep.json and the comparison page, and prints the best trial and the page's path.
    func publish(say: (String) -> Void) throws {
        progress.finish()
        let page = folder.appendingPathComponent("index.html")
        do {
            try record.write(to: sweepFile)
            try Data(SweepPage.render(record, curves: curves).utf8).write(to: page, options: .atomic)
        } catch {
            throw fail("cannot write the sweep's results in \(folder.path): \(PlainErrorText.of(error))")
        }
        if let best = record.bestIndex {
            say("Best: \(record.trials[best].id): \(record.summary(of: best))")
        }
        say("Sweep: \(page.path)")
    }
}
