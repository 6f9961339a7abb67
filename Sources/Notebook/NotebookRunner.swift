import Datasets
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

    private let state = RunState()

    public init(plan: NotebookPlan, runFolder: URL, progress: TrainingProgress = .silent) {
        self.plan = plan
        notebookFolder = URL(fileURLWithPath: plan.source.path).deletingLastPathComponent()
        self.runFolder = runFolder
        self.progress = progress
    }

    /// Runs every block and returns the record of the run (failed or not).
    public func run() -> RunRecord {
        let started = Date()
        var blocks: [BlockRecord] = []
        var failure: RuntimeError?
        for planned in plan.blocks {
            if failure != nil {
                blocks.append(BlockRecord(directive: planned.directive.kind, line: planned.line, status: .skipped))
                continue
            }
            let blockStart = Date()
            do {
                let metrics = try execute(planned)
                blocks.append(BlockRecord(directive: planned.directive.kind, line: planned.line, status: .ok,
                                          seconds: Date().timeIntervalSince(blockStart), metrics: metrics))
            } catch {
                let runtime = error as? RuntimeError
                    ?? RuntimeError(location: SourceLocation(file: plan.source.path, line: planned.line),
                                    message: "\(error)")
                failure = runtime
                blocks.append(BlockRecord(directive: planned.directive.kind, line: planned.line, status: .failed,
                                          seconds: Date().timeIntervalSince(blockStart), error: runtime.message))
            }
        }
        return RunRecord(
            notebook: plan.source.path, title: plan.title, description: plan.frontMatter.description,
            seed: plan.frontMatter.seed,
            params: Dictionary(plan.parameters.map { ($0.name, ParameterValue($0.value)) }, uniquingKeysWith: { a, _ in a }),
            started: ISO8601DateFormatter().string(from: started),
            seconds: Date().timeIntervalSince(started),
            status: failure == nil ? .ok : .failed,
            labbookVersion: LabBookVersion.current,
            blas: .init(core: BLASInfo.coreName, threads: BLASInfo.threadCount),
            blocks: blocks, error: failure?.description)
    }

    private func fail(_ planned: PlannedBlock, _ message: String) -> RuntimeError {
        RuntimeError(location: SourceLocation(file: plan.source.path, line: planned.line), message: message)
    }

    private func execute(_ planned: PlannedBlock) throws -> BlockMetrics? {
        switch planned.directive {
        case .data(let data): return try loadData(data, planned)
        case .network(let network): return buildNetwork(network)
        case .train(let directive): return try train(directive, planned)
        case .evaluate(let directive): return try evaluate(directive, planned)
        case .plot(let plot): return .plot(PlotMetrics(chart: plot.chart, title: plot.title ?? plot.chart.rawValue))
        case .checkpoint, .restore:
            throw fail(planned, "{\(planned.block.name)} is not supported yet")
        }
    }

    // MARK: - Directives

    private func loadData(_ directive: DataDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        var dataset: Dataset
        let folder = directive.path.map { resolveInput($0) }
        do {
            if directive.dataset == .spiral {
                dataset = Spiral.make(classes: directive.spiral.classes, pointsPerClass: directive.spiral.points,
                                      noise: directive.spiral.noise, seed: plan.frontMatter.seed)
            } else {
                dataset = try directive.dataset.load(path: folder?.path ?? "", seed: plan.frontMatter.seed)
            }
            if let limit = directive.limit { dataset = dataset.limited(to: limit) }
            if directive.validation > 0 {
                dataset = try dataset.holdingOutValidation(directive.validation, seed: plan.frontMatter.seed)
            }
        } catch let error as DatasetError {
            throw fail(planned, "cannot load \(directive.dataset.rawValue): \(error)")
        }
        state.dataset = dataset
        state.normalizer = Normalizer(directive.normalize, fittedOn: dataset.train,
                                      channels: dataset.imageShape?.channels)
        state.dataLine = planned.line
        state.batchOrder = nil
        return .data(DataMetrics(
            dataset: directive.dataset.rawValue, trainExamples: dataset.train.count,
            validationExamples: dataset.validation?.count ?? 0, testExamples: dataset.test.count,
            features: dataset.featureCount, imageShape: dataset.imageShape, classNames: dataset.classNames,
            classCounts: dataset.train.classCounts(classCount: dataset.classCount),
            normalize: directive.normalize.rawValue, files: dataset.files))
    }

    private func buildNetwork(_ directive: NetworkDirective) -> BlockMetrics {
        let features = state.dataset?.featureCount ?? 0
        // Initialization draws from its own stream so adding a block elsewhere can not change it.
        var generator = SeededGenerator(seed: plan.frontMatter.seed)
        let network = Network(inputSize: features, layers: directive.layers, initializer: directive.initializer,
                              l2: directive.l2, generator: &generator)
        state.network = network
        state.trainer = nil
        state.trainingSettings = nil
        state.history = []
        state.restoredStep = 0
        let layers = network.layers.enumerated().map { index, layer in
            NetworkMetrics.Layer(name: "Layer\(index + 1)", inputs: layer.inputSize, outputs: layer.outputSize,
                                 activation: layer.activation.rawValue, parameters: layer.parameterCount)
        }
        return .network(NetworkMetrics(layers: layers, parameters: network.parameterCount,
                                       initializer: directive.initializer.rawValue, l2: Double(directive.l2)))
    }

    private func train(_ directive: TrainDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        guard let source = state.examples(.train), let network = state.currentNetwork else {
            throw fail(planned, "{train} needs data and a network")
        }
        let trainer: Trainer
        if let existing = state.trainer, let settings = state.trainingSettings,
           settings.batchSize == directive.batchSize, settings.optimizer == directive.optimizer,
           settings.learningRate == directive.learningRate, settings.momentum == directive.momentum {
            trainer = existing
        } else {
            var optimizer = directive.optimizer.make(learningRate: directive.learningRate, momentum: directive.momentum)
            optimizer.step = state.globalStep
            trainer = Trainer(network: network, optimizer: optimizer, batchSize: directive.batchSize)
        }
        state.trainer = trainer
        state.trainingSettings = directive
        var order = state.batchOrder.flatMap { $0.batchSize == directive.batchSize ? $0 : nil }
            ?? EpochShuffledBatches(count: source.count, batchSize: directive.batchSize,
                                    seed: plan.frontMatter.seed &+ 1)
        let validation = directive.evalEvery == nil ? nil : state.examples(.validation)
        let firstStep = trainer.optimizer.step
        progress.start(steps: directive.steps, firstStep: firstStep)
        let start = Date()
        let records: [TrainingRecord]
        do {
            records = try trainer.train(
                steps: directive.steps, source: source, order: &order, logEvery: directive.logEvery,
                validation: validation, evaluateEvery: directive.evalEvery,
                onStep: { [progress] step in progress.step(step - firstStep) },
                onRecord: { [progress] record in progress.record(record) })
        } catch let error as NonFiniteLossError {
            progress.finish()
            throw fail(planned, error.description)
        }
        let seconds = Date().timeIntervalSince(start)
        progress.finish()
        state.batchOrder = order
        state.history += records
        return .train(TrainMetrics(
            steps: directive.steps, globalStep: trainer.optimizer.step, finalLoss: records.last?.loss ?? 0,
            optimizer: directive.optimizer.rawValue, learningRate: Double(directive.learningRate),
            batchSize: directive.batchSize, stepsPerSecond: Double(directive.steps) / max(seconds, 1e-9),
            history: records))
    }

    private func evaluate(_ directive: EvaluateDirective, _ planned: PlannedBlock) throws -> BlockMetrics {
        guard let examples = state.examples(directive.split), let network = state.currentNetwork,
              let dataset = state.dataset else {
            throw fail(planned, "there is no \(directive.split.rawValue) split to evaluate")
        }
        let evaluation = network.evaluate(on: examples)
        state.lastEvaluation = (directive.split, evaluation)
        let classes = evaluation.confusion.classes
        return .evaluate(EvaluateMetrics(
            split: directive.split, accuracy: evaluation.accuracy, loss: evaluation.loss,
            examples: evaluation.examples, classNames: dataset.classNames,
            perClassAccuracy: evaluation.confusion.perClassAccuracy,
            confusion: (0..<classes).map { actual in (0..<classes).map { evaluation.confusion[actual, $0] } }))
    }

    /// An input path from the notebook: absolute as written, relative to the notebook's folder.
    private func resolveInput(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path)
            : notebookFolder.appendingPathComponent(path).standardizedFileURL
    }
}

public enum LabBookVersion {
    public static let current = "0.1.0"
}
