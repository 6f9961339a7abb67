import Datasets
import Foundation
import NeuralNet

/// `labbook bench --network cnn`: TensorFlow's CNN tutorial network (Conv32-pool-Conv64-pool-Conv64-
/// Dense64-Dense10, Adam), timed per step at each batch size, beside Keras and PyTorch when installed.
extension Bench {
    static let convolutionalSpecs: [LayerSpec] = [
        .conv2d(filters: 32, kernel: 3, stride: 1, padding: .valid, activation: .relu), .maxPool(window: 2, stride: 2),
        .conv2d(filters: 64, kernel: 3, stride: 1, padding: .valid, activation: .relu), .maxPool(window: 2, stride: 2),
        .conv2d(filters: 64, kernel: 3, stride: 1, padding: .valid, activation: .relu), .flatten,
        .dense(units: 64, activation: .relu), .dense(units: 10, activation: .none),
    ]

    /// Floating-point operations of one training step: each layer's forward products, and twice
    /// that for its two backward products (the first layer's input gradient included, as frameworks
    /// count it, though no framework computes it).
    static func convolutionalOperations(_ network: Network, batch: Int) -> Double {
        Double(batch) * 3 * Double(network.layers.reduce(0) { $0 + $1.forwardOperations })
    }

    func runConvolutional() throws {
        let batchSizes = batches.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !batchSizes.isEmpty, batchSizes.allSatisfy({ $0 > 0 }) else { throw usageError("--batches needs sizes such as 32,128") }
        print("LabBook \(LabBook.version) benchmark: TensorFlow's CNN tutorial network, Adam, batches \(batchSizes.map(String.init).joined(separator: ", "))")
        print("machine: \(UsableProcessors.count) cores; OpenBLAS core \(BLASInfo.coreName)")
        let (data, folder) = try benchData()
        let normalizer = Normalizer(.scale, fittedOn: data.train, channels: 3)
        let train = NormalizedExamples(data.train, normalizer: normalizer, classCount: 10, channelsLast: CIFAR10Binary.imageShape)
        var generator = SeededGenerator(seed: 1)
        let network = try Network(inputShape: [32, 32, 3], specs: Self.convolutionalSpecs, initializer: .glorot, l2: 0,
                                  generator: &generator)
        var ours: [Int: Double] = [:]
        for batch in batchSizes {
            let shardCount = shards ?? 2
            let trainer = Trainer(network: network, optimizer: Adam(learningRate: 0.001), batchSize: batch, shards: shardCount)
            if batch == batchSizes[0] {
                // Which of oneDNN's kernels ran: a CPU without AVX-512 gets slower ones.
                let kernels = network.layers.compactMap { ($0 as? Conv2D)?.implementation(rows: trainer.rowsPerPart) }
                print("convolutions: \(Conv2D.library), forward / input gradient / kernel gradient: \(kernels.joined(separator: "; "))")
            }
            var order = EpochShuffledBatches(count: train.count, batchSize: batch, seed: 2)
            for _ in 0..<10 { _ = trainer.step(source: train, order: &order) }
            let rounds = max(1, min(Self.rounds, steps))
            var times: [Double] = []
            var peaks: [Double] = []
            for round in 0..<rounds {
                let roundSteps = max(1, (steps * (round + 1) / rounds - steps * round / rounds) * 32 / batch)
                let start = Date()
                for _ in 0..<roundSteps { _ = trainer.step(source: train, order: &order) }
                times.append(Date().timeIntervalSince(start) / Double(roundSteps))
                peaks.append(Self.peakRate(threads: shardCount))
            }
            let seconds = Self.median(times)
            let operations = Self.convolutionalOperations(network, batch: batch)
            let achieved = operations / seconds / 1e9
            let peak = Self.median(peaks)
            ours[batch] = 1000 * seconds
            print(String(format: "batch %d: %.3f ms/step (median of %d rounds; %.3f to %.3f), %.0f examples/s, %.0f MFLOP/step, %.1f GFLOP/s = %.0f%% of the %d cores' FP32 peak (%.0f GFLOP/s)",
                         batch, 1000 * seconds, rounds, 1000 * times.min()!, 1000 * times.max()!, Double(batch) / seconds,
                         operations / 1e6, achieved, peak > 0 ? 100 * achieved / peak : 0, shardCount, peak))
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(String(format: "peak RSS: %.0f MB", Double(usage.ru_maxrss) / 1024))
        guard let folder, !noReferences else { return }
        for batch in batchSizes {
            if let keras = reference("Keras", script: kerasReference, arguments: [DatasetKind.cifar10.dataFolder(path: folder), "1", String(batch)],
                                     prefix: "keras-cnn:"), let mine = ours[batch] {
                print(String(format: "batch %d: LabBook's step takes %.2f of Keras's time (%.3f ms against %.3f ms)", batch, mine / keras, mine, keras))
            }
        }
        if let torch = reference("PyTorch", script: torchReference, arguments: ["cnn", DatasetKind.cifar10.dataFolder(path: folder), "1"],
                                 prefix: "torch-cnn:"), let mine = ours[32] {
            print(String(format: "batch 32: LabBook's step takes %.2f of PyTorch's time (%.3f ms against %.3f ms)", mine / torch, mine, torch))
        }
    }

    /// Runs a reference script for one epoch and returns its ms per step, printing its last line.
    func reference(_ name: String, script: String, arguments: [String], prefix: String) -> Double? {
        guard FileManager.default.fileExists(atPath: script) else {
            print("\(name): \(script) not found; skipped")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            print("\(name): cannot start \(script): \(error)")
            return nil
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = output.split(separator: "\n").last(where: { $0.hasPrefix(prefix) }),
              let milliseconds = line.split(separator: " ").first(where: { $0.hasPrefix("ms_per_step=") })
                .flatMap({ Double($0.dropFirst("ms_per_step=".count)) }) else {
            print("\(name): not installed or failed; skipped")
            return nil
        }
        print("\(name): \(line)")
        return milliseconds
    }
}
