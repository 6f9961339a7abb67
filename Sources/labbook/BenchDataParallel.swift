import Cluster
import Notebook
import Datasets
import Foundation
import NeuralNet

/// `labbook bench --data-parallel`: the time per step of the tutorial's network (batch 100, plain
/// SGD) and of TensorFlow's CIFAR-10 CNN (batch 64, Adam) when the ranks of an MPI job share every
/// batch (`mpirun -np N labbook bench --data-parallel`), with the bytes each step exchanges, then a
/// model of the step time on more machines from those figures.
extension Bench {
    /// What the model of larger clusters starts from, measured on this machine.
    struct DataParallelFigures {
        var name: String
        var batch: Int
        var msPerStep: Double
        /// Bytes this rank sends and receives per step for the gradient.
        var sent: Int
        var received: Int
        /// Floats of the whole gradient.
        var parameters: Int
        /// The same step in an ordinary run (one product per gradient over the whole batch), timed
        /// when there is one rank.
        var wholeBatchMsPerStep: Double?
    }

    /// A network link between machines, as the projection takes it.
    struct Link {
        var name: String
        var bytesPerSecond: Double
        var latency: Double
    }

    static let links = [Link(name: "10 Gb/s Ethernet", bytesPerSecond: 1.25e9, latency: 30e-6),
                        Link(name: "100 Gb/s InfiniBand", bytesPerSecond: 12.5e9, latency: 3e-6)]

    /// The step time projected on N machines, one rank each: per rank, its share of the batch's work
    /// (`batchWork / N`), each of its slices' gradient (`perSlice`, measured as what slicing adds
    /// to an ordinary step), and the exchange: `2 (N-1)/N` gradients through the link plus
    /// `2 (N-1)` message latencies (Open MPI's pairwise all-to-all and ring all-gather).
    func printProjection(_ figure: DataParallelFigures, slices: Int) {
        guard let whole = figure.wholeBatchMsPerStep.map({ $0 / 1000 }) else { return }
        let sliced = figure.msPerStep / 1000
        let perSlice = max(0, (sliced - whole) / Double(max(slices - 1, 1)))
        // What is left of the sliced step once its slices' gradients are taken out: one machine's
        // projected step is then the measured one.
        let batchWork = max(sliced - Double(slices) * perSlice, 0)
        print("\(figure.name): projected step time on N machines, one rank each (slices: max(\(slices), N)); "
              + String(format: "from %.3f ms per step without slices, %.3f ms per slice's gradient, %.2f MB of gradient",
                       1000 * whole, 1000 * perSlice, Double(4 * figure.parameters) / 1e6))
        for link in Self.links {
            var cells: [String] = []
            for ranks in [1, 2, 4, 16, 64] {
                let n = Double(ranks)
                let compute = batchWork / n + perSlice * Double(max(slices, ranks)) / n
                let exchange = ranks == 1 ? 0
                    : 2 * (n - 1) / n * Double(4 * figure.parameters) / link.bytesPerSecond + 2 * (n - 1) * link.latency
                let step = compute + exchange
                cells.append(String(format: "N=%d %.2f ms (%.1fx)", ranks, 1000 * step, whole / step))
            }
            print("  \(link.name): " + cells.joined(separator: ", "))
        }
    }

    func runDataParallel() throws {
        let world = try joinMPIJobIfLaunched()
        defer { try? world?.finish() }
        let group: any RankGroup = world ?? SingleRank()
        let first = group.rank == 0
        let slices = max(slices ?? DataParallelism.defaultSlices, group.size)
        let threads = shards ?? 1
        func say(_ line: String) { if first { print(line) } }
        say("LabBook \(LabBook.version) data-parallel benchmark: \(group.size) rank\(group.size == 1 ? "" : "s"), "
            + "\(threads) thread\(threads == 1 ? "" : "s") each, batches cut into \(slices) slices")
        say("machine: \(ProcessInfo.processInfo.hostName), \(UsableProcessors.count) usable cores for rank 0; OpenBLAS core \(BLASInfo.coreName)")
        let (data, _) = try benchData()
        var figures: [DataParallelFigures] = []
        var generator = SeededGenerator(seed: 1)
        let dense = Network(inputSize: Self.inputs, layers: [LayerSpec(units: Self.hidden, activation: .relu),
                                                             LayerSpec(units: Self.classes, activation: .none)],
                            initializer: .truncatedNormal, l2: 0.1, generator: &generator)
        let flat = NormalizedExamples(data.train, normalizer: Normalizer(.meanImage, fittedOn: data.train, channels: 3),
                                      classCount: 10)
        figures.append(timeDataParallel(name: "tutorial network (3072-120-10)", network: dense, optimizer: SGD(learningRate: 0.001),
                                        batch: 100, source: flat, group: group, slices: slices, threads: threads))
        let cnn = try Network(inputShape: [32, 32, 3], specs: Self.convolutionalSpecs, initializer: .glorot, l2: 0,
                              generator: &generator)
        let images = NormalizedExamples(data.train, normalizer: Normalizer(.scale, fittedOn: data.train, channels: 3),
                                        classCount: 10, channelsLast: CIFAR10Binary.imageShape)
        figures.append(timeDataParallel(name: "CIFAR-10 CNN (TensorFlow's tutorial)", network: cnn, optimizer: Adam(learningRate: 0.001),
                                        batch: 64, source: images, group: group, slices: slices, threads: threads))
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peaks = group.allGather(Int(usage.ru_maxrss))
        say(String(format: "peak RSS per rank: %@ MB", peaks.map { String(format: "%.0f", Double($0) / 1024) }.joined(separator: ", ")))
        for figure in figures where group.size == 1 { printProjection(figure, slices: slices) }
        for figure in figures {
            say(String(format: "%@, batch %d: %.3f ms/step; per step each rank sends %.2f MB and receives %.2f MB of gradient (%d parameters, %.2f MB)",
                       figure.name, figure.batch, figure.msPerStep, Double(figure.sent) / 1e6, Double(figure.received) / 1e6,
                       figure.parameters, Double(4 * figure.parameters) / 1e6))
        }
    }

    /// Median time per step over rounds of `steps`; every rank times the same steps, rank 0 reports.
    private func timeDataParallel(name: String, network: Network, optimizer: any Optimizer, batch: Int,
                                  source: NormalizedExamples, group: any RankGroup, slices: Int,
                                  threads: Int) -> DataParallelFigures {
        let trainer = Trainer(network: network, optimizer: optimizer, batchSize: batch, shards: threads,
                              dataParallel: DataParallelism(group: group, slices: slices, threads: threads))
        var wholeBatch: Double?
        if group.size == 1 {
            // What slicing costs: the same steps as an ordinary run takes them, each gradient one
            // product over the whole batch.
            let whole = Trainer(network: network, optimizer: optimizer, batchSize: batch, shards: threads)
            var order = EpochShuffledBatches(count: source.count, batchSize: batch, seed: 2)
            for _ in 0..<min(10, steps) { _ = whole.step(source: source, order: &order) }
            let start = Date()
            for _ in 0..<steps { _ = whole.step(source: source, order: &order) }
            wholeBatch = 1000 * Date().timeIntervalSince(start) / Double(max(steps, 1))
            print(String(format: "%@, batch %d, without slices (an ordinary run, %d thread%@): %.3f ms/step", name, batch, threads,
                         threads == 1 ? "" : "s", wholeBatch!))
        }
        var order = EpochShuffledBatches(count: source.count, batchSize: batch, seed: 2)
        for _ in 0..<min(10, steps) { _ = trainer.step(source: source, order: &order) }
        let rounds = max(1, min(Self.rounds, steps))
        var times: [Double] = []
        for round in 0..<rounds {
            let roundSteps = max(1, steps * (round + 1) / rounds - steps * round / rounds)
            let start = Date()
            for _ in 0..<roundSteps { _ = trainer.step(source: source, order: &order) }
            times.append(Date().timeIntervalSince(start) / Double(roundSteps))
        }
        // The slowest rank's median: the others wait for it in every exchange.
        let medians = group.allGather(Self.median(times))
        let bytes = trainer.gradientBytesPerStep
        let parameters = network.trainableParameters.reduce(0) { $0 + $1.spec.count }
        return DataParallelFigures(name: name, batch: batch, msPerStep: 1000 * (medians.max() ?? 0),
                                   sent: bytes.sent, received: bytes.received, parameters: parameters,
                                   wholeBatchMsPerStep: wholeBatch)
    }
}
