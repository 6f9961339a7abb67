import Datasets
import FileFormats
import Foundation
import NeuralNet

/// An error that stopped a block at run time, reported as `notebook.md:LINE: error: ...`.
public struct RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public var description: String { "\(location): error: \(message)" }
}

/// Executes a validated notebook block by block against one `RunState`, recording each block's
/// outcome. A runtime error stops the run at its block; later blocks are recorded as skipped.
public final class NotebookRunner {
    public let plan: NotebookPlan
    /// Relative paths in the notebook are resolved against this folder.
    public let notebookFolder: URL
    public let runFolder: URL
    public var progress: TrainingProgress

    let state = RunState()
    /// Every data file read so far, with its SHA-256.
    var dataFiles: [FileHash] = []
    let artifacts: RunArtifacts
    /// Reuses blocks whose inputs have not changed; nil runs everything.
    let cache: BlockCache?
    /// The name of the network the latest {network} block built.
    var networkName = ""
    /// A {data} block taken from the cache whose examples are loaded only when a block needs them.
    var pendingData: (directive: DataDirective, planned: PlannedBlock)?
    /// How ranks share every training batch; nil trains each batch in this process alone.
    let dataParallel: DataParallelism?
    /// Files hashed during this run when there is no cache to remember their hashes.
    private var fileHashesThisRun: [String: String] = [:]

    /// - notebookFolder: where the notebook's relative paths resolve (default: the notebook's folder).
    /// - cacheFolder: where executed blocks are cached; nil executes every block.
    /// `sweep`: the sweep this run is a trial of, described in its event files for TensorBoard.
    /// `dataParallel`: how ranks share every batch. Such a run executes every block: a block taken
    /// from the cache on one rank and executed on another would leave the others waiting.
    public init(plan: NotebookPlan, runFolder: URL, notebookFolder: URL? = nil, cacheFolder: URL? = nil,
                progress: TrainingProgress = .silent, sweep: SweepExperiment? = nil,
                dataParallel: DataParallelism? = nil) {
        self.dataParallel = dataParallel
        self.plan = plan
        self.notebookFolder = notebookFolder ?? URL(fileURLWithPath: plan.source.path).deletingLastPathComponent()
        self.runFolder = runFolder
        self.progress = progress
        cache = dataParallel == nil ? cacheFolder.map(BlockCache.init) : nil
        artifacts = RunArtifacts(folder: runFolder, notebookSHA256: SHA256Hex.of(plan.source.text.utf8),
                                 writesFiles: (dataParallel?.group.rank ?? 0) == 0)
        artifacts.hparams = HParamsSummaries.sessionValues(plan)
        artifacts.hparamsExperiment = sweep.map { HParamsSummaries.experiment(plan, sweep: $0) }
    }

    /// Runs every block and returns the record of the run (failed or not).
    public func run() -> RunRecord {
        let started = Date()
        var blocks: [BlockRecord] = []
        var failure: RuntimeError?
        var replay = CacheReplay(seed: plan.frontMatter.seed, enabled: cache != nil)
        let codeHashes = plan.codeHashChain()
        var networks = 0
        for (index, planned) in plan.blocks.enumerated() {
            if failure != nil {
                blocks.append(BlockRecord(directive: planned.directive.kind, line: planned.line,
                                          lastLine: planned.block.lastLine, status: .skipped))
                continue
            }
            let blockStart = Date()
            let key = replay.advance(to: planned, runner: self)
            artifacts.notebookCodeSHA256 = codeHashes[index]
            if case .network(let network) = planned.directive {
                networks += 1
                networkName = NotebookPlan.networkName(network, ordinal: networks)
                artifacts.beginNetwork(named: networkName)
            }
            do {
                if let signal = Interruption.signal {
                    throw fail(planned, "interrupted (signal \(signal)) before this block ran")
                }
                if var cached = try replay.next(planned, index: index, runner: self) {
                    cached.cacheKey = key
                    blocks.append(cached)
                    continue
                }
                let outputsBefore = artifacts.writeLog.count
                let dataFilesBefore = dataFiles.count
                artifacts.beginBlockEvents()
                let metrics = try execute(planned)
                artifacts.flushEvents()
                if let problem = artifacts.eventsProblem {
                    throw fail(planned, "cannot write the TensorBoard event file: \(problem)")
                }
                let events = artifacts.endBlockEvents()
                let record = BlockRecord(directive: planned.directive.kind, line: planned.line,
                                         lastLine: planned.block.lastLine, status: .ok,
                                         seconds: Date().timeIntervalSince(blockStart), metrics: metrics, cacheKey: key)
                blocks.append(record)
                replay.store(record, planned: planned, outputs: Array(artifacts.writeLog[outputsBefore...]),
                             dataFiles: Array(dataFiles[dataFilesBefore...]), events: events, runner: self)
            } catch {
                let runtime = error as? RuntimeError
                    ?? RuntimeError(location: SourceLocation(file: plan.source.path, line: planned.line),
                                    message: PlainErrorText.of(error))
                failure = runtime
                blocks.append(BlockRecord(directive: planned.directive.kind, line: planned.line,
                                          lastLine: planned.block.lastLine, status: .failed,
                                          seconds: Date().timeIntervalSince(blockStart), error: runtime.message,
                                          cacheKey: key))
            }
        }
        artifacts.close(status: failure == nil ? .success : .failure)
        if failure == nil, let problem = artifacts.eventsProblem, let last = plan.blocks.last {
            failure = fail(last, "cannot write the TensorBoard event file: \(problem)")
        }
        cache?.saveFileHashes()
        return RunRecord(
            notebook: plan.source.path, title: plan.title, description: plan.frontMatter.description,
            seed: plan.frontMatter.seed,
            params: Dictionary(plan.parameters.map { ($0.name, ParameterValue($0.value)) }, uniquingKeysWith: { a, _ in a }),
            started: ISO8601DateFormatter().string(from: started),
            seconds: Date().timeIntervalSince(started),
            status: failure == nil ? .ok : .failed,
            labbookVersion: LabBookVersion.current,
            blas: .init(core: BLASInfo.coreName, threads: BLASInfo.preferredThreadCount, library: BLASInfo.configuration),
            blocks: blocks, error: failure?.description, rawHtml: plan.frontMatter.allowHTML,
            notebookSha256: artifacts.notebookSHA256, dataFiles: dataFiles, checkpoints: artifacts.checkpoints,
            notebookDirectory: notebookFolder.standardizedFileURL.path, machine: .current,
            dataParallel: dataParallel.map { .init(slices: $0.slices, ranks: $0.group.size) })
    }

    /// A file's SHA-256 (following links), nil when it is missing or not a regular file: from the
    /// cache's remembered hashes when there is a cache, else hashed once per run.
    func fileHash(_ path: String) -> String? {
        if let cache { return cache.hash(of: path) }
        if let known = fileHashesThisRun[path] { return known }
        let hash = SHA256Hex.ofFile(path)
        fileHashesThisRun[path] = hash
        return hash
    }

    func fail(_ planned: PlannedBlock, _ message: String) -> RuntimeError {
        RuntimeError(location: SourceLocation(file: plan.source.path, line: planned.line), message: message)
    }

    func execute(_ planned: PlannedBlock) throws -> BlockMetrics? {
        switch planned.directive {
        case .data(let data): return try loadData(data, planned)
        case .network(let network): return try buildNetwork(network, planned)
        case .train(let directive): return try train(directive, planned)
        case .evaluate(let directive): return try evaluate(directive, planned)
        case .plot(let plot): return try self.plot(plot, planned)
        case .checkpoint(let directive): return try checkpoint(directive, planned)
        case .restore(let directive): return try restore(directive, planned)
        }
    }

    // MARK: - Directives

    func loadData(_ directive: DataDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        var dataset: Dataset
        var encoder: CSVFeatureEncoder?
        let folder = directive.path.map { resolveInput($0) }
        do {
            if directive.dataset == .spiral {
                dataset = Spiral.make(classes: directive.spiral.classes, pointsPerClass: directive.spiral.points,
                                      noise: directive.spiral.noise, seed: plan.frontMatter.seed)
            } else if let builtin = directive.dataset.builtin {
                dataset = try builtin.load(path: try folder?.path ?? locateOrDownload(builtin), seed: plan.frontMatter.seed)
            } else {
                let loaded = try UserData.load(directive, seed: plan.frontMatter.seed) { resolveInput($0).path }
                dataset = loaded.dataset
                encoder = loaded.encoder
            }
            if let limit = directive.limit { dataset = dataset.limited(to: limit) }
            if directive.validation > 0 {
                dataset = try dataset.holdingOutValidation(directive.validation, seed: plan.frontMatter.seed)
            }
        } catch let error as DatasetError {
            throw fail(planned, "cannot load \(directive.dataset.rawValue): \(error)")
        } catch let error as DataNotFound {
            throw fail(planned, error.description)
        }
        // The cache already hashed these files for the block's key, and remembers them by size and
        // modification time: ask it rather than reading 180 MB again.
        // A set, not a search of the list: an image folder is tens of thousands of files.
        var recorded = Set(dataFiles.map(\.path))
        for file in dataset.files where recorded.insert(file).inserted {
            if let hash = fileHash(file) {
                dataFiles.append(FileHash(path: file, sha256: hash))
            }
        }
        let normalizer = Normalizer(directive.normalize, fittedOn: dataset.train, channels: dataset.imageShape?.channels)
        state.dataset = dataset
        state.normalizer = normalizer
        // What every checkpoint from here on carries for `labbook predict`.
        do {
            state.checkpointInput = try PredictionInput(dataset, kind: directive.dataset, normalize: directive.normalize,
                                                        encoder: encoder).checkpointInput(normalizer)
        } catch {
            throw fail(planned, "cannot describe the data for checkpoints: \(PlainErrorText.of(error))")
        }
        state.batchOrder = nil
        return .data(DataMetrics(
            dataset: directive.dataset.rawValue, trainExamples: dataset.train.count,
            validationExamples: dataset.validation?.count ?? 0, testExamples: dataset.test.count,
            features: dataset.featureCount, imageShape: dataset.imageShape.map(ImageLayout.init), classNames: dataset.classNames,
            classCounts: dataset.train.classCounts(classCount: dataset.classCount),
            normalize: directive.normalize.rawValue, files: dataset.files,
            samples: Self.classSamples(dataset)))
    }

    /// The folder of a dataset the notebook names without a `path`: found on this machine, else
    /// downloaded into the cache, with the run's progress style. Ctrl-C abandons the download.
    func locateOrDownload(_ kind: DatasetKind) throws -> String {
        try DatasetFetcher.stoppingOnInterruption(progress: DownloadProgress(style: progress.style)).locateOrFetch(kind)
    }

    /// Up to two training images of each class (one each beyond ten classes), for the report.
    static func classSamples(_ dataset: Dataset) -> ImageSamples? {
        guard let shape = dataset.imageShape, case .bytes = dataset.train.features else { return nil }
        let perClass = dataset.classCount <= 10 ? 2 : 1
        var taken = [Int](repeating: 0, count: dataset.classCount)
        var indices: [Int] = []
        for (index, label) in dataset.train.labels.enumerated() where taken[Int(label)] < perClass {
            taken[Int(label)] += 1
            indices.append(index)
            if indices.count == min(perClass * dataset.classCount, 30) { break }
        }
        indices.sort { dataset.train.labels[$0] < dataset.train.labels[$1] }
        return ImageSamples(shape: ImageLayout(shape), labels: indices.map { Int(dataset.train.labels[$0]) },
                            images: indices.map { imageBytes(dataset.train, $0) })
    }

    static func imageBytes(_ examples: LabeledExamples, _ index: Int) -> [UInt8] {
        guard case .bytes(let values) = examples.features else { return [] }
        return Array(values[(index * examples.featureCount)..<((index + 1) * examples.featureCount)])
    }

    private func buildNetwork(_ directive: NetworkDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        try loadPendingData()
        guard let dataset = state.dataset else { throw fail(planned, "{network} needs a {data} block before it") }
        let inputShape = directive.inputShape(features: dataset.featureCount,
                                              image: dataset.imageShape.map { ($0.height, $0.width, $0.channels) })
        // Initialization draws from its own stream so adding a block elsewhere can not change it.
        var generator = SeededGenerator(seed: plan.frontMatter.seed)
        let network: Network
        do {
            network = try Network(inputShape: inputShape, specs: directive.layers, initializer: directive.initializer,
                                  l2: directive.l2, generator: &generator)
        } catch {
            throw fail(planned, error.description)
        }
        state.network = network
        artifacts.logGraph(network)
        state.trainer = nil
        state.trainingSettings = nil
        state.history = []
        state.restored = nil
        let layers = network.layers.enumerated().map { index, layer in
            NetworkMetrics.Layer(name: "Layer\(index + 1)", inputs: layer.inputCount, outputs: layer.outputCount,
                                 activation: (layer.activation ?? .none).rawValue, parameters: layer.parameterCount,
                                 kind: layer.spec.kind, outputShape: layer.outputShape, summary: layer.spec.description)
        }
        return .network(NetworkMetrics(name: networkName, layers: layers, parameters: network.parameterCount,
                                       initializer: directive.initializer.rawValue, l2: Double(directive.l2),
                                       inputShape: inputShape))
    }

    private func train(_ directive: TrainDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        try loadPendingData()
        guard let source = state.examples(.train), let network = state.currentNetwork else {
            throw fail(planned, "{train} needs data and a network")
        }
        if let dataParallel, directive.batchSize < dataParallel.group.size {
            throw fail(planned, "batch_size \(directive.batchSize) is smaller than the \(dataParallel.group.size) ranks "
                       + "sharing each batch; run on at most \(directive.batchSize) ranks")
        }
        let shards = min(Trainer.defaultShards(batchSize: directive.batchSize, network: network),
                         dataParallel?.threads ?? Int.max)
        let trainer: Trainer
        var restoredOrder: Checkpoint.BatchOrderState?
        if let existing = state.trainer, let settings = state.trainingSettings,
           settings.batchSize == directive.batchSize, settings.optimizer == directive.optimizer,
           settings.learningRate == directive.learningRate, settings.momentum == directive.momentum {
            trainer = existing
        } else if state.trainer == nil, let restored = state.restored,
                  restored.optimizer.settings == Self.optimizerSettings(directive) {
            // Continue exactly where the restored checkpoint left off.
            trainer = Trainer(network: network, optimizer: restored.optimizer.makeOptimizer(),
                              batchSize: directive.batchSize, shards: shards, randomSeed: plan.frontMatter.seed,
                              dataParallel: dataParallel)
            restoredOrder = restored.batchOrder
        } else {
            var optimizer = directive.optimizer.make(learningRate: directive.learningRate, momentum: directive.momentum)
            optimizer.step = state.globalStep
            trainer = Trainer(network: network, optimizer: optimizer, batchSize: directive.batchSize,
                              shards: shards, randomSeed: plan.frontMatter.seed, dataParallel: dataParallel)
        }
        trainer.augmentation = directive.augment.flatMap { augment in
            state.dataset?.imageShape.map { image in
                ImageAugmentation(height: image.height, width: image.width, channels: image.channels,
                                  channelsLast: network.inputShape.count == 3, flip: augment.flip, crop: augment.crop)
            }
        }
        state.trainer = trainer
        state.trainingSettings = directive
        var order = state.batchOrder.flatMap { $0.batchSize == directive.batchSize ? $0 : nil }
            ?? Self.batchOrder(count: source.count, batchSize: directive.batchSize, seed: plan.frontMatter.seed,
                               resuming: restoredOrder)
        let validation = directive.evalEvery == nil ? nil : state.examples(.validation)
        let firstStep = trainer.optimizer.step
        progress.start(steps: directive.steps, firstStep: firstStep)
        var histograms = HistogramRecorder(names: Self.histogramNames(network))
        var checkpointProblem: String?
        let start = Date()
        let records: [TrainingRecord]
        do {
            records = try trainer.train(
                steps: directive.steps, source: source, order: &order, logEvery: directive.logEvery,
                schedule: directive.schedule, validation: validation, evaluateEvery: directive.evalEvery,
                shouldStop: { Interruption.requested },
                onStep: { [progress] step, order in
                    progress.step(step - firstStep)
                    if let every = directive.checkpointEvery, step % every == 0 {
                        checkpointProblem = checkpointProblem ?? self.saveCheckpoint(
                            "checkpoint-\(step).safetensors", trainer: trainer, order: order)
                    }
                },
                onRecord: { [progress, artifacts] record in
                    progress.record(record)
                    let current = trainer.network
                    histograms.record(trainer, network: current, step: record.step)
                    artifacts.logParameters(current, step: record.step)
                    artifacts.logTraining(record, logits: trainer.layerOutput(network.layers.count - 1))
                })
        } catch let error as NonFiniteLossError {
            progress.finish()
            throw fail(planned, error.description)
        } catch let error as TrainingInterrupted {
            progress.finish()
            throw fail(planned, "interrupted (signal \(Interruption.signal ?? 0)) after step \(error.step)")
        }
        let seconds = Date().timeIntervalSince(start)
        progress.finish()
        state.batchOrder = order
        state.restored = nil
        if let problem = checkpointProblem ?? saveCheckpoint("model.safetensors", trainer: trainer, order: order) {
            throw fail(planned, problem)
        }
        state.history += records.map(TrainingPoint.init)
        return .train(TrainMetrics(
            steps: directive.steps, globalStep: trainer.optimizer.step, finalLoss: records.last?.loss ?? 0,
            optimizer: directive.optimizer.rawValue, learningRate: Double(directive.learningRate),
            schedule: directive.schedule == .constant ? nil : directive.schedule.rawValue,
            batchSize: directive.batchSize, shards: trainer.shards,
            stepsPerSecond: Double(directive.steps) / max(seconds, 1e-9),
            seconds: seconds, history: records.map(TrainingPoint.init), histograms: histograms.series))
    }

    private func evaluate(_ directive: EvaluateDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        try loadPendingData()
        guard let examples = state.examples(directive.split), let network = state.currentNetwork,
              let dataset = state.dataset else {
            throw fail(planned, "there is no \(directive.split.rawValue) split to evaluate")
        }
        let evaluation = network.evaluate(on: examples)
        artifacts.logEvaluation(split: directive.split, accuracy: evaluation.accuracy, loss: evaluation.loss,
                                step: state.globalStep)
        let classes = evaluation.confusion.classes
        return .evaluate(EvaluateMetrics(
            split: directive.split, accuracy: evaluation.accuracy, loss: evaluation.loss,
            examples: evaluation.examples, classNames: dataset.classNames,
            perClassAccuracy: evaluation.confusion.perClassAccuracy,
            confusion: (0..<classes).map { actual in (0..<classes).map { evaluation.confusion[actual, $0] } }))
    }

    /// Writes a checkpoint of the trainer's network, optimizer and batch order; a message on failure.
    private func saveCheckpoint(_ name: String, trainer: Trainer, order: EpochShuffledBatches) -> String? {
        do {
            try artifacts.writeCheckpoint(named: name, network: trainer.network, optimizer: trainer.optimizer, order: order,
                                          input: state.checkpointInput)
            return nil
        } catch {
            return "cannot write checkpoint \(name): \(PlainErrorText.of(error))"
        }
    }

    private func checkpoint(_ directive: CheckpointDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        // The checkpoint describes the data (for `labbook predict`), so a {data} block taken from the
        // cache is loaded: the file must be the one a run without the cache writes.
        try loadPendingData()
        guard let network = state.currentNetwork else { throw fail(planned, "there is no network to save") }
        let optimizer: any Optimizer = state.trainer?.optimizer ?? state.restored?.optimizer.makeOptimizer()
            ?? SGD(learningRate: 0)
        do {
            let hash = try artifacts.writeCheckpoint(named: directive.name, network: network, optimizer: optimizer,
                                                     order: state.batchOrder, input: state.checkpointInput)
            return .checkpoint(CheckpointMetrics(file: directive.name, step: state.globalStep, sha256: hash))
        } catch {
            throw fail(planned, "cannot write checkpoint \(directive.name): \(PlainErrorText.of(error))")
        }
    }

    private func restore(_ directive: RestoreDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        guard let network = state.currentNetwork else { throw fail(planned, "there is no network to restore into") }
        let url = resolveInput(directive.path)
        let data: [UInt8]
        do {
            data = try readFile(url.path)
        } catch {
            throw fail(planned, "cannot read checkpoint \(directive.path): \(error)")
        }
        do {
            let checkpoint = try Checkpoint.decode(data)
            state.network = try checkpoint.restore(into: network)
            state.trainer = nil
            state.trainingSettings = nil
            state.batchOrder = nil
            state.restored = checkpoint
            return .checkpoint(CheckpointMetrics(file: directive.path, step: checkpoint.globalStep,
                                                 sha256: SHA256Hex.of(data)))
        } catch {
            throw fail(planned, "\(directive.path): \(error)")
        }
    }

    static func optimizerSettings(_ directive: TrainDirective) -> Checkpoint.OptimizerState.Settings {
        switch directive.optimizer {
        case .sgd: .sgd(learningRate: directive.learningRate)
        case .momentum: .momentum(learningRate: directive.learningRate, momentum: directive.momentum)
        case .adam:
            .adam(learningRate: directive.learningRate, beta1: Adam(learningRate: 0).beta1,
                  beta2: Adam(learningRate: 0).beta2, epsilon: Adam(learningRate: 0).epsilon)
        }
    }

    /// A fresh batch order, or the one a restored checkpoint saved when it fits this data.
    static func batchOrder(count: Int, batchSize: Int, seed: UInt64,
                           resuming saved: Checkpoint.BatchOrderState?) -> EpochShuffledBatches {
        var order = EpochShuffledBatches(count: count, batchSize: batchSize, seed: seed &+ 1)
        if let saved, saved.permutation.count == count, saved.position <= count,
           let generator = SeededGenerator(state: saved.generatorState) {
            order.generator = generator
            order.permutation = saved.permutation
            order.position = saved.position
            order.epoch = saved.epoch
        }
        return order
    }

    /// The quantities recorded as histograms while training: the logits (TensorBoard's view of them
    /// too) and every layer's weights and activations. All of them, whatever the notebook plots, so
    /// what a {train} block records never depends on the blocks after it.
    static func histogramNames(_ network: Network) -> [String] {
        ["logits"] + network.layers.enumerated().flatMap { index, layer in
            (layer.parameterSpecs.contains { $0.name == "weights" } ? ["Layer\(index + 1)/weights"] : [])
                + ["Layer\(index + 1)/activations"]
        }
    }

    private func plot(_ directive: PlotDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        var metrics = PlotMetrics(chart: directive.chart, title: directive.title ?? directive.defaultTitle,
                                  series: [], smoothing: directive.smoothing, images: nil)
        switch directive.chart {
        case .curves:
            let hasValidation = state.history.contains { $0.validationAccuracy != nil }
            metrics.series = directive.scalars
                ?? (hasValidation ? PlotDirective.scalarNames : ["loss", "train_accuracy"])
        case .histograms:
            metrics.series = [directive.seriesName]
        case .confusion:
            break
        case .weights:
            try loadPendingData()
            guard let network = state.currentNetwork, let shape = state.dataset?.imageShape else {
                throw fail(planned, "there are no image weights to draw")
            }
            guard network.layers.indices.contains(directive.layer - 1) else {
                throw fail(planned, "the network has no layer \(directive.layer)")
            }
            metrics.images = WeightTiles.make(network.layers[directive.layer - 1], shape: shape, count: directive.count)
        case .featureMaps:
            try loadPendingData()
            guard let network = state.currentNetwork, let examples = state.examples(.test) else {
                throw fail(planned, "there are no test images to show feature maps of")
            }
            let index = directive.layerGiven ? directive.layer - 1 : network.layers.firstIndex { $0.spec.kind == "conv2d" }
            guard let index, network.layers.indices.contains(index), network.layers[index].outputShape.count == 3 else {
                throw fail(planned, "the network has no layer with image-shaped output to show")
            }
            metrics.images = FeatureMaps.make(network, layer: index, examples: examples, count: directive.count)
        case .samples:
            try loadPendingData()
            guard let network = state.currentNetwork, let examples = state.examples(directive.split),
                  let dataset = state.dataset, let shape = dataset.imageShape else {
                throw fail(planned, "there are no \(directive.split.rawValue) images to show")
            }
            let count = min(directive.count, examples.count)
            var features = [Float](repeating: 0, count: count * examples.featureCount)
            var labels = [Int32](repeating: 0, count: count)
            Array(0..<count).withUnsafeBufferPointer { examples.gather($0, features: &features, labels: &labels) }
            let predicted = Metrics.argmax(network(Tensor(shape: [count] + network.inputShape, scalars: features)))
            metrics.images = ImageSamples(shape: ImageLayout(shape), labels: labels.map(Int.init), predicted: predicted,
                                          images: (0..<count).map { Self.imageBytes(examples.examples, $0) })
        }
        return .plot(metrics)
    }

    /// An input path from the notebook: absolute (or `~/...`) as written, relative to the notebook's folder.
    func resolveInput(_ written: String) -> URL {
        InputPath.resolve(written, against: notebookFolder)
    }
}

/// LabBook's version. It is part of every cache key, so a version whose training gives different
/// bits (0.3.0: weight gradients summed over the whole batch at once) or records other things (0.4.0:
/// every layer's histograms, network names, per-network logs; 0.5.0: layer kinds in records and
/// checkpoint metadata; 0.6.0: convolutions on oneDNN; 0.7.0: checkpoints describe the data, for
/// `labbook predict`) never replays an older one's.
public enum LabBookVersion {
    public static let current = "0.7.0"
}
