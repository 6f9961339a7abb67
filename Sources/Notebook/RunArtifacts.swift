import Datasets
import FileFormats
import Foundation
import NeuralNet

/// The files a run writes beside run.json while it executes: safetensors checkpoints and one
/// TensorBoard event file per network, in `logs/<network name>/` (one TensorBoard run each, as the
/// tutorial keeps one log folder per run). It remembers each checkpoint's SHA-256 for run.json.
final class RunArtifacts {
    let folder: URL
    /// False on the ranks of a data-parallel run besides rank 0, which alone writes the run folder:
    /// they compute what rank 0 does and write nothing.
    let writesFiles: Bool
    let notebookSHA256: String
    /// Written into the checkpoints the current block writes: its link of `NotebookPlan.codeHashChain`.
    var notebookCodeSHA256 = ""
    private(set) var checkpoints: [FileHash] = []
    /// Every checkpoint write in order, rewrites of the same name included: what each block wrote.
    private(set) var writeLog: [FileHash] = []
    private var events: TensorBoardWriter?
    /// The event files of the networks before the current one.
    private var earlierNetworksEvents: [TensorBoardWriter] = []
    /// The current network's log folder; nil before the first {network}.
    private var eventsFolder: URL?
    /// Set when an event file could not be written; the runner then fails the block that logged.
    private(set) var eventsProblem: String?
    /// True between `beginBlockEvents` and `endBlockEvents`.
    private var capturingBlock = false
    /// Written first into each network's event file: the run's hyperparameters as an HParams
    /// session, and for a sweep's trial the sweep's experiment.
    var hparams: [(name: String, value: HParamValue)] = []
    var hparamsExperiment: HParamsExperiment?
    /// Every event's wall time: the clock, or `SOURCE_DATE_EPOCH` when set (the reproducible-builds
    /// convention), which makes two runs' event files byte-identical.
    private let wallTime: @Sendable () -> Double

    init(folder: URL, notebookSHA256: String, writesFiles: Bool = true,
         environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.folder = folder
        self.writesFiles = writesFiles
        self.notebookSHA256 = notebookSHA256
        if let epoch = environment["SOURCE_DATE_EPOCH"].flatMap(Double.init), epoch.isFinite, epoch >= 0 {
            wallTime = { epoch }
        } else {
            wallTime = { Date().timeIntervalSince1970 }
        }
    }

    /// Writes a checkpoint named `name` inside the run folder (through a temporary file renamed into
    /// place), with `input` describing the data for `labbook predict`, and returns its SHA-256.
    @discardableResult
    func writeCheckpoint(named name: String, network: Network, optimizer: any Optimizer,
                         order: EpochShuffledBatches?, input: CheckpointInput?) throws -> String {
        guard writesFiles else { return "" }
        let checkpoint = try Checkpoint(network: network, optimizer: optimizer, batchOrder: order.map(Self.batchOrderState),
                                        notebookCodeSHA256: notebookCodeSHA256, input: input)
        let bytes = try checkpoint.encode()
        try Data(bytes).write(to: folder.appendingPathComponent(name), options: .atomic)
        let hash = SHA256Hex.of(bytes)
        checkpoints.removeAll { $0.path == name }
        checkpoints.append(FileHash(path: name, sha256: hash))
        writeLog.append(FileHash(path: name, sha256: hash))
        return hash
    }

    static func batchOrderState(_ order: EpochShuffledBatches) -> Checkpoint.BatchOrderState {
        Checkpoint.BatchOrderState(generatorState: order.generator.state, permutation: order.permutation,
                                   position: order.position, epoch: order.epoch)
    }

    /// Takes over checkpoints a cached block wrote in an earlier run, so run.json lists them.
    func adopt(_ files: [FileHash]) {
        for file in files {
            checkpoints.removeAll { $0.path == file.path }
            checkpoints.append(file)
        }
    }

    // MARK: - TensorBoard

    /// Starts the log folder of the network a {network} block builds: what is logged from here on
    /// is that network's TensorBoard run.
    func beginNetwork(named name: String) {
        if let events {
            flushEvents()
            // Kept open: its HParams session ends with the run, as the run's outcome is the trial's.
            earlierNetworksEvents.append(events)
        }
        events = nil
        eventsFolder = folder.appendingPathComponent(OwnedRunFolder.logsFolder).appendingPathComponent(name)
    }

    private func eventWriter() -> TensorBoardWriter? {
        if events == nil && eventsProblem == nil && writesFiles, let eventsFolder {
            do {
                events = try TensorBoardWriter(folder: eventsFolder, wallTime: wallTime)
                // Before any capture: the session belongs to this run, not to a cached block.
                if let hparamsExperiment { events?.addHParamsExperiment(hparamsExperiment) }
                events?.addHParamsSessionStart(hparams)
                if capturingBlock { events?.startCapture() }
            } catch {
                eventsProblem = PlainErrorText.of(error)
            }
        }
        return events
    }

    /// The network as a graph for TensorBoard's Graphs tab.
    func logGraph(_ network: Network) {
        eventWriter()?.addGraph(NetworkGraph.nodes(network))
    }

    /// Histograms of every parameter (`Layer1/weights`, `Layer2/gamma`, ...) at a logged step.
    func logParameters(_ network: Network, step: Int) {
        guard let writer = eventWriter() else { return }
        for parameter in network.namedParameters {
            writer.addHistogram(tag: parameter.name, values: parameter.tensor.scalars, step: step)
        }
    }

    /// The scalars and logits histogram of one logged training step, as the tutorial records them.
    func logTraining(_ record: TrainingRecord, logits: UnsafeBufferPointer<Float>) {
        guard let writer = eventWriter() else { return }
        writer.addScalar(tag: "loss", value: record.loss, step: record.step)
        writer.addScalar(tag: "accuracy/train", value: record.trainAccuracy, step: record.step)
        if let validation = record.validationAccuracy {
            writer.addScalar(tag: "accuracy/validation", value: validation, step: record.step)
        }
        writer.addHistogram(tag: "logits", values: logits, step: record.step)
    }

    func logEvaluation(split: Split, accuracy: Double, loss: Double, step: Int) {
        guard let writer = eventWriter() else { return }
        writer.addScalar(tag: "accuracy/\(split.rawValue)", value: accuracy, step: step)
        writer.addScalar(tag: "loss/\(split.rawValue)", value: loss, step: step)
    }

    /// Starts collecting the events the next block writes, for the cache to store with it. Each call
    /// starts afresh, so a block that failed before `endBlockEvents` leaves nothing to the next.
    func beginBlockEvents() {
        capturingBlock = true
        events?.startCapture()
    }

    /// The events written since `beginBlockEvents`, as framed records.
    func endBlockEvents() -> [UInt8] {
        capturingBlock = false
        return events?.endCapture() ?? []
    }

    /// Writes the events a cached block wrote when it executed, so a run replayed from the cache has
    /// the same curves in TensorBoard as the run that computed them.
    func replayEvents(_ records: [UInt8]) {
        guard !records.isEmpty, let writer = eventWriter() else { return }
        do {
            try writer.appendCaptured(records)
        } catch {
            eventsProblem = PlainErrorText.of(error)
        }
    }

    /// Writes out the events buffered so far, so a full disk shows at the block that logged them.
    func flushEvents() {
        do {
            try events?.flush()
        } catch {
            eventsProblem = eventsProblem ?? PlainErrorText.of(error)
        }
    }

    /// Ends the current network's HParams session with `status` and closes its event file.
    /// Ends every network's HParams session with `status` (the run's) and closes their event files.
    func close(status: HParamsSessionStatus) {
        for writer in earlierNetworksEvents + (events.map { [$0] } ?? []) {
            writer.addHParamsSessionEnd(status: status)
            do {
                try writer.close()
            } catch {
                eventsProblem = eventsProblem ?? PlainErrorText.of(error)
            }
        }
        earlierNetworksEvents = []
        events = nil
    }
}
