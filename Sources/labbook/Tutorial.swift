import ArgumentParser
import Datasets
import Foundation
import NeuralNet
import Notebook

/// The reference tutorial's two-layer network, with the tutorial's command-line flags and defaults.
struct Tutorial: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the tutorial's two-layer fully connected network and report its test accuracy.",
        discussion: """
            Defaults are the tutorial's: 3072 -> 120 relu -> 10, truncated-normal initialization, \
            L2 0.1, plain SGD at 0.001, batch 400, 2000 steps, mean-image normalization of raw pixels.
            """)

    @Option(help: ArgumentHelp(
        "Folder holding CIFAR-10 (cifar-10-batches-bin or cifar-10-batches-py) or (Fashion-)MNIST.",
        discussion: "Without it the dataset is found as a notebook finds it ($LABBOOK_DATA, ~/.cache/labbook/datasets), "
            + "or downloaded into the cache."))
    var dataDir: String?

    @Option(help: "Dataset: \(DatasetKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset: DatasetKind = .cifar10

    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: OptimizerKind = .sgd

    @Option(help: "Learning rate.")
    var learningRate: Float = 0.001

    @Option(help: "Momentum of the momentum optimizer.")
    var momentum: Float = 0.9

    @Option(help: "Number of training steps.")
    var maxSteps = 2000

    @Option(help: "Units in the hidden layer.")
    var hidden1 = 120

    @Option(help: "Examples per batch.")
    var batchSize = 400

    @Option(help: "L2 regularization strength (TensorFlow convention: reg * sum(w^2) / 2).")
    var regConstant: Float = 0.1

    @Option(help: "Input normalization: \(Normalization.allCases.map(\.rawValue).joined(separator: ", ")).")
    var normalize: Normalization = .meanImage

    @Option(help: "Use only the first N training and test examples.")
    var limit: Int?

    @Option(help: "Print the loss and batch accuracy every N steps.")
    var logEvery = 100

    @Option(help: "Seed for initialization and batch order.")
    var seed: UInt64 = 0

    @Option(help: "BLAS threads (default: OpenBLAS's own choice).")
    var threads: Int?

    func validate() throws {
        guard maxSteps >= 1 else { throw ValidationError("--max-steps must be at least 1") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard hidden1 >= 1 else { throw ValidationError("--hidden1 must be at least 1") }
        guard logEvery >= 1 else { throw ValidationError("--log-every must be at least 1") }
        guard limit.map({ $0 >= 1 }) ?? true else { throw ValidationError("--limit must be at least 1") }
    }

    /// The dataset's folder on this machine, downloaded into the cache first if it is nowhere.
    private func locateOrDownload() throws -> String {
        Interruption.install()
        let fetcher = DatasetFetcher.stoppingOnInterruption(progress: .forStandardError(quiet: false))
        return try fetcher.locateOrFetch(dataset)
    }

    func run() throws {
        if let threads { BLASInfo.setThreadCount(threads) }
        let loadStart = Date()
        var data: Dataset
        do {
            data = try dataset.load(path: try dataDir ?? (dataset == .spiral ? "" : locateOrDownload()), seed: seed)
        } catch let error as DatasetError {
            throw fail(error.description)
        } catch let error as DataNotFound {
            throw fail(error.description)
        }
        if let limit { data = data.limited(to: limit) }
        guard batchSize <= data.train.count else {
            throw fail("--batch-size \(batchSize) is larger than the \(data.train.count) training examples")
        }
        let loadSeconds = Date().timeIntervalSince(loadStart)
        print("Loaded \(data.name): \(data.train.count) training and \(data.test.count) test examples "
              + "in \(String(format: "%.2f", loadSeconds)) s")

        let normalizer = Normalizer(normalize, fittedOn: data.train, channels: data.imageShape?.channels)
        let train = NormalizedExamples(data.train, normalizer: normalizer, classCount: data.classCount)
        let test = NormalizedExamples(data.test, normalizer: normalizer, classCount: data.classCount)

        var generator = SeededGenerator(seed: seed)
        let network = Network(
            inputSize: data.featureCount,
            layers: [LayerSpec(units: hidden1, activation: .relu),
                     LayerSpec(units: data.classCount, activation: .none)],
            initializer: .truncatedNormal, l2: regConstant, generator: &generator)
        print("Network: \(network) (\(network.parameterCount) parameters); "
              + "BLAS core \(BLASInfo.coreName), \(BLASInfo.preferredThreadCount) threads")

        let trainer = Trainer(network: network, optimizer: optimizer.make(learningRate: learningRate, momentum: momentum),
                              batchSize: batchSize, shards: Trainer.defaultShards(batchSize: batchSize, network: network))
        var order = EpochShuffledBatches(count: train.count, batchSize: batchSize, seed: seed &+ 1)
        let trainStart = Date()
        do {
            try trainer.train(steps: maxSteps, source: train, order: &order, logEvery: logEvery, onRecord: { record in
                print("Step \(record.step): loss \(String(format: "%.4f", record.loss)), "
                      + "training accuracy \(String(format: "%.3f", record.trainAccuracy))")
            })
        } catch let error as NonFiniteLossError {
            throw fail(error.description)
        }
        let trainSeconds = Date().timeIntervalSince(trainStart)
        let evaluation = trainer.network.evaluate(on: test)
        print(String(format: "Trained %d steps in %.2f s (%.3f ms/step)",
                     maxSteps, trainSeconds, 1000 * trainSeconds / Double(maxSteps)))
        print(String(format: "Test accuracy %.4f (%d examples), test loss %.4f",
                     evaluation.accuracy, evaluation.examples, evaluation.loss))
    }
}

extension DatasetKind: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension Normalization: ExpressibleByArgument {}
