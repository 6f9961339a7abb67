import Datasets
import FileFormats
import Foundation
import NeuralNet

/// Walks the notebook's blocks against the cache: while every block so far is a hit, it hands back
/// the cached record; at the first miss it rebuilds the run state those blocks left (model from the
/// last state checkpoint, training history, data to load on demand) so execution continues exactly
/// as if they had run. After the first miss every block executes and is stored.
struct CacheReplay {
    private(set) var key: String
    let enabled: Bool
    /// True while every block so far came from the cache.
    private var replaying: Bool
    /// The last cached block that changed the model, and how.
    private var lastModel: (key: String, state: BlockCache.ModelState, index: Int)?
    /// A cached {data} block after `lastModel`, which resets the batch order as executing it would.
    private var dataAfterModel = false
    private var history: [TrainingPoint] = []

    init(seed: UInt64, enabled: Bool) {
        key = BlockCache.firstKey(seed: seed)
        self.enabled = enabled
        replaying = enabled
    }

    /// Moves on to `planned` and returns its key, whether or not the cache is used: run.json records
    /// every block's key, so `labbook diff` can tell which blocks two runs share.
    mutating func advance(to planned: PlannedBlock, runner: NotebookRunner) -> String {
        key = BlockCache.key(previous: key, block: planned, inputs: Self.inputFiles(of: planned, runner: runner),
                             hash: runner.fileHash)
        return key
    }

    /// The cached record of `planned` (the block `advance` moved to), or nil when it must execute
    /// (after restoring the state the cached blocks before it left).
    mutating func next(_ planned: PlannedBlock, index: Int, runner: NotebookRunner) throws -> BlockRecord? {
        guard enabled, let cache = runner.cache, replaying else { return nil }
        if let entry = cache.entry(key, runFolder: runner.runFolder) {
            apply(entry, planned: planned, index: index, runner: runner)
            var record = entry.record
            record.status = .cached
            // Where the block stands now: prose edited above it moves it without changing its key.
            record.line = planned.line
            record.lastLine = planned.block.lastLine
            return record
        }
        replaying = false
        try restoreState(before: index, runner: runner)
        return nil
    }

    /// The files a block reads, which its key covers by content. Only looks, never downloads: a
    /// block served from the cache needs no data, and a block that executes downloads what is
    /// missing in loadData.
    static func inputFiles(of planned: PlannedBlock, runner: NotebookRunner) -> [String] {
        switch planned.directive {
        case .data(let data) where data.dataset.isUserData:
            return UserData.inputFiles(data) { runner.resolveInput($0).path }
        case .data(let data) where data.dataset != .spiral:
            guard let builtin = data.dataset.builtin,
                  let path = data.path.map({ runner.resolveInput($0).path }) ?? (try? DataLocator().find(builtin)) else {
                return []
            }
            return builtin.inputFiles(folder: builtin.dataFolder(path: path))
        case .restore(let restore):
            return [runner.resolveInput(restore.path).path]
        default:
            return []
        }
    }

    private mutating func apply(_ entry: BlockCache.Entry, planned: PlannedBlock, index: Int, runner: NotebookRunner) {
        runner.artifacts.adopt(entry.outputs)
        runner.artifacts.replayEvents(entry.events.map { [UInt8]($0) } ?? [])
        var recorded = Set(runner.dataFiles)
        for file in entry.dataFiles where recorded.insert(file).inserted { runner.dataFiles.append(file) }
        if let state = entry.modelState {
            lastModel = (key, state, index)
            dataAfterModel = false
        }
        switch planned.directive {
        case .data(let data):
            runner.pendingData = (data, planned)
            dataAfterModel = lastModel != nil
        case .network:
            history = []
        case .train:
            if case .train(let metrics) = entry.record.metrics { history += metrics.history }
        default:
            break
        }
    }

    /// Puts back the model and history the cached blocks before `index` left.
    private func restoreState(before index: Int, runner: NotebookRunner) throws {
        let state = runner.state
        state.history = history
        guard let lastModel, let cache = runner.cache else { return }
        guard let checkpoint = cache.state(lastModel.key) else {
            throw runner.fail(runner.plan.blocks[lastModel.index], "the cached state of this block can not be read")
        }
        switch lastModel.state {
        case .network:
            state.network = checkpoint.network
        case .restored:
            state.network = checkpoint.network
            state.restored = checkpoint
        case .training:
            guard case .train(let settings) = runner.plan.blocks[lastModel.index].directive else { return }
            state.network = checkpoint.network
            state.trainer = Trainer(network: checkpoint.network, optimizer: checkpoint.optimizer.makeOptimizer(),
                                    batchSize: settings.batchSize,
                                    shards: Trainer.defaultShards(batchSize: settings.batchSize, network: checkpoint.network),
                                    randomSeed: runner.plan.frontMatter.seed)
            state.trainingSettings = settings
            if !dataAfterModel, let saved = checkpoint.batchOrder {
                state.batchOrder = NotebookRunner.batchOrder(count: saved.permutation.count, batchSize: settings.batchSize,
                                                             seed: runner.plan.frontMatter.seed, resuming: saved)
            }
        }
    }

    /// Stores an executed block, with a checkpoint of the model when the block changed it.
    func store(_ record: BlockRecord, planned: PlannedBlock, outputs: [FileHash], dataFiles: [FileHash],
               events: [UInt8], runner: NotebookRunner) {
        guard enabled, let cache = runner.cache else { return }
        let state = runner.state
        var modelState: BlockCache.ModelState?
        var snapshot: [UInt8]?
        switch planned.directive {
        case .network:
            if let network = state.network {
                modelState = .network
                snapshot = try? Checkpoint(network: network, optimizer: SGD(learningRate: 0)).encode()
            }
        case .train:
            if let trainer = state.trainer {
                modelState = .training
                snapshot = try? Checkpoint(network: trainer.network, optimizer: trainer.optimizer,
                                           batchOrder: state.batchOrder.map(RunArtifacts.batchOrderState)).encode()
            }
        case .restore:
            if let restored = state.restored {
                modelState = .restored
                snapshot = try? restored.encode()
            }
        default:
            break
        }
        if modelState != nil && snapshot == nil { return }
        cache.store(key, record: record, outputs: outputs, runFolder: runner.runFolder, dataFiles: dataFiles,
                    events: events, modelState: modelState, state: snapshot)
    }
}

extension NotebookRunner {
    /// Loads the data of a {data} block that came from the cache, the first time a block needs it.
    func loadPendingData() throws {
        guard let (directive, planned) = pendingData else { return }
        pendingData = nil
        // The batch order was already put back as the cached blocks left it (or reset, when this
        // {data} block came after the last model); loading the examples must not start it over.
        let order = state.batchOrder
        _ = try loadData(directive, planned)
        state.batchOrder = order
    }
}
