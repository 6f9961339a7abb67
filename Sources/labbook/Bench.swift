import ArgumentParser
import CKernels
import Datasets
import Foundation
import NeuralNet

/// `labbook bench`: speed and memory of the tutorial's training step, against this machine's SGEMM
/// and, when TensorFlow is installed, against TensorFlow on the same data.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark the tutorial's network: ms/step, GFLOP/s against this machine's SGEMM, load time, peak RSS.")

    @Option(help: "CIFAR-10 binary folder; without it, CIFAR-10 where notebooks find it (never downloaded), else random data of its shape.")
    var dataDir: String?

    @Option(help: "Training steps to time.")
    var steps = 2000

    @Option(help: "Parallel halves of each batch (default: 2 on machines with two cores or more).")
    var shards: Int?

    @Option(help: "TensorFlow reference script to time beside LabBook, when TensorFlow is installed.")
    var tfReference = "../shared/tools/tf-reference"

    @Option(help: "Network: fc (the tutorial's two-layer network) or cnn (TensorFlow's CNN tutorial network).")
    var network: BenchNetwork = .fc

    @Option(help: "With --network cnn: batch sizes to time, comma-separated.")
    var batches = "32,128"

    @Option(help: "With --network cnn: the Keras reference script, timed beside LabBook when TensorFlow is installed.")
    var kerasReference = "../shared/tools/keras-cnn-reference"

    @Option(help: "With --network cnn: the PyTorch reference script, timed beside LabBook when PyTorch is installed.")
    var torchReference = "../shared/tools/torch-reference"

    @Flag(help: "With --network cnn: skip the Keras and PyTorch runs (a whole epoch each).")
    var noReferences = false

    @Flag(help: ArgumentHelp("Time both networks' steps shared between MPI ranks (mpirun -np N labbook bench --data-parallel).",
                             discussion: "--shards sets each rank's threads (default 1)."))
    var dataParallel = false

    @Option(help: "With --data-parallel: slices per batch (default 8, at least the ranks).")
    var slices: Int?

    enum BenchNetwork: String, ExpressibleByArgument, CaseIterable {
        case fc, cnn
    }

    static let (batch, inputs, hidden, classes) = (400, 3072, 120, 10)
    static let rounds = 10

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Floating-point operations of one step: the forward and weight-gradient products of both layers
    /// and the hidden layer's input gradient.
    static var flopsPerStep: Double {
        Double(2 * batch * (2 * inputs * hidden + 3 * hidden * classes))
    }

    func run() throws {
        if dataParallel { return try runDataParallel() }
        if network == .cnn { return try runConvolutional() }
        let shardCount = shards ?? Trainer.defaultShards(batchSize: Self.batch)
        print("LabBook \(LabBook.version) benchmark: 3072 -> 120 relu -> 10, batch 400, plain SGD, \(steps) steps")
        print("machine: \(UsableProcessors.count) cores; OpenBLAS core \(BLASInfo.coreName)")

        let loadStart = Date()
        let (data, folder) = try benchData()
        let loadSeconds = Date().timeIntervalSince(loadStart)
        print(String(format: "data load: %.3f s (%@, %d training images)", loadSeconds,
                     folder.map { "CIFAR-10 binary in \($0)" } ?? "random data: no CIFAR-10 found; run labbook fetch cifar10",
                     data.train.count))

        let normalizer = Normalizer(.meanImage, fittedOn: data.train, channels: 3)
        let train = NormalizedExamples(data.train, normalizer: normalizer, classCount: 10)
        var generator = SeededGenerator(seed: 1)
        let network = Network(inputSize: Self.inputs, layers: [LayerSpec(units: Self.hidden, activation: .relu),
                                                               LayerSpec(units: Self.classes, activation: .none)],
                              initializer: .truncatedNormal, l2: 0.1, generator: &generator)
        let trainer = Trainer(network: network, optimizer: SGD(learningRate: 0.001), batchSize: Self.batch,
                              shards: shardCount)
        var order = EpochShuffledBatches(count: train.count, batchSize: Self.batch, seed: 2)
        for _ in 0..<20 { _ = trainer.step(source: train, order: &order) }  // warm-up: pages, thread pools
        // A shared machine's speed drifts by 10-20% over seconds, so training and the SGEMM reference
        // take turns, round after round, and each figure is the median of its rounds: both then see
        // the same machine.
        let rounds = max(1, min(Self.rounds, steps))
        var stepTimes: [Double] = []
        var sgemmRates: [Double] = []
        var peakRates: [Double] = []
        for round in 0..<rounds {
            let roundSteps = steps * (round + 1) / rounds - steps * round / rounds
            let start = Date()
            for _ in 0..<roundSteps { _ = trainer.step(source: train, order: &order) }
            let seconds = Date().timeIntervalSince(start)
            stepTimes.append(seconds / Double(max(roundSteps, 1)))
            sgemmRates.append(Self.sgemmRate(shards: shardCount, repetitions: max(10, 2 * roundSteps / 5)))
            peakRates.append(Self.peakRate(threads: shardCount))
        }
        let msPerStep = 1000 * Self.median(stepTimes)
        let sgemm = Self.median(sgemmRates)
        let peak = Self.median(peakRates)
        let achieved = Self.flopsPerStep / (msPerStep / 1000) / 1e9
        print(String(format: "training: %.3f ms/step (median of %d rounds; %.3f to %.3f), %.0f examples/s, %.1f GFLOP/s",
                     msPerStep, rounds, 1000 * stepTimes.min()!, 1000 * stepTimes.max()!,
                     Double(Self.batch) / (msPerStep / 1000), achieved))
        print("  \(shardCount) parallel part\(shardCount == 1 ? "" : "s") of each batch, BLAS threads \(BLASInfo.preferredThreadCount)")
        print(String(format: "SGEMM on the step's shapes, this machine, same threading: %.1f GFLOP/s (median of %d rounds between training's); training reaches %.0f%% of it",
                     sgemm, rounds, 100 * achieved / sgemm))
        if peak > 0 {
            print(String(format: "FP32 peak of the %d core%@ used (a loop of fused multiply-adds): %.1f GFLOP/s; no step can take under %.2f ms here; training reaches %.0f%% of it",
                         shardCount, shardCount == 1 ? "" : "s", peak, 1000 * Self.flopsPerStep / (peak * 1e9), 100 * achieved / peak))
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(String(format: "peak RSS: %.0f MB", Double(usage.ru_maxrss) / 1024))
        if let folder { runTensorFlow(dataDir: folder, msPerStep: msPerStep) }
    }

    /// CIFAR-10 from --data-dir, else where notebooks find it (the same search, so the README's
    /// commands work wherever a notebook found the data; never downloaded), else random data of its
    /// shape; with the folder it came from.
    func benchData() throws -> (data: Dataset, folder: String?) {
        let folder = dataDir ?? (try? DataLocator().find(.cifar10))
        guard let folder else { return (Self.randomData(), nil) }
        do { return (try CIFAR10Binary.load(directory: folder), folder) } catch { throw fail("\(error)") }
    }

    /// Random bytes shaped like CIFAR-10, for machines without the dataset.
    static func randomData() -> Dataset {
        var generator = SeededGenerator(seed: 3)
        func split(_ count: Int) -> LabeledExamples {
            LabeledExamples(features: .bytes((0..<(count * inputs)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }),
                            labels: (0..<count).map { _ in UInt8(generator.nextInt(below: 10)) }, featureCount: inputs)
        }
        return Dataset(name: "random", classNames: (0..<10).map(String.init), imageShape: CIFAR10Binary.imageShape,
                       train: split(10_000), test: split(1000))
    }

    /// GFLOP/s of the step's two large products (400×3072·3072×120 and its weight-gradient transpose
    /// product), run the way training runs them on `shards` cores with single-threaded products: each
    /// core multiplies its half of the batch forward, then computes its block of the weight
    /// gradient's rows over the whole batch, repeating both without waiting for the other core.
    static func sgemmRate(shards: Int, repetitions: Int) -> Double {
        let a = [Float](repeating: 0.5, count: batch * inputs)
        let w = [Float](repeating: 0.25, count: inputs * hidden)
        let delta = [Float](repeating: 0.125, count: batch * hidden)
        var forward = [Float](repeating: 0, count: batch * hidden)
        var gradient = [Float](repeating: 0, count: inputs * hidden)
        let rows = batch / shards
        if shards > 1 { BLASInfo.useSingleThread() }
        defer { BLASInfo.usePreferredThreads() }
        let start = Date()
        a.withUnsafeBufferPointer { a in
            w.withUnsafeBufferPointer { w in
                delta.withUnsafeBufferPointer { d in
                    forward.withUnsafeMutableBufferPointer { y in
                        gradient.withUnsafeMutableBufferPointer { g in
                            let pointers = UncheckedPointers(a: a.baseAddress!, w: w.baseAddress!, d: d.baseAddress!,
                                                             y: y.baseAddress!, g: g.baseAddress!)
                            // One hand-over for all repetitions: the reference is the products alone,
                            // with none of the synchronization a training step needs.
                            DispatchQueue.concurrentPerform(iterations: shards) { shard in
                                let p = pointers
                                let first = shard * rows
                                let features = (shard * inputs / shards)..<((shard + 1) * inputs / shards)
                                for _ in 0..<repetitions {
                                    MatrixProduct.multiply(p.a + first * inputs, transposeA: false, rowsA: rows, columnsA: inputs,
                                                           p.w, transposeB: false, rowsB: inputs, columnsB: hidden,
                                                           into: p.y + first * hidden)
                                    Dense.weightGradient(input: p.a, inputSize: inputs, delta: p.d, outputSize: hidden,
                                                         batchSize: batch, inputs: features,
                                                         into: p.g + features.lowerBound * hidden)
                                }
                            }
                        }
                    }
                }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        return Double(repetitions) * Double(4 * batch * inputs * hidden) / seconds / 1e9
    }

    /// GFLOP/s of `threads` cores running fused multiply-adds from registers at the same time (see
    /// `labbook_peak_gflops`); 0 where that loop has no vector code for the CPU.
    static func peakRate(threads: Int) -> Double {
        let rates = UnsafeMutableBufferPointer<Double>.allocate(capacity: threads)
        defer { rates.deallocate() }
        let shared = UncheckedRates(rates: rates)
        DispatchQueue.concurrentPerform(iterations: threads) { shared.rates[$0] = labbook_peak_gflops(0.05) }
        return rates.reduce(0, +)
    }

    struct UncheckedRates: @unchecked Sendable {
        let rates: UnsafeMutableBufferPointer<Double>
    }

    struct UncheckedPointers: @unchecked Sendable {
        let a: UnsafePointer<Float>, w: UnsafePointer<Float>, d: UnsafePointer<Float>
        let y: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>
    }

    /// Runs TensorFlow's version of the tutorial on the same data and prints its figures beside ours.
    func runTensorFlow(dataDir: String, msPerStep: Double) {
        guard FileManager.default.fileExists(atPath: tfReference) else {
            print("TensorFlow: \(tfReference) not found; skipped")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", tfReference, DatasetKind.cifar10.dataFolder(path: dataDir), String(steps)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            print("TensorFlow: cannot start \(tfReference): \(error)")
            return
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = output.split(separator: "\n").last(where: { $0.hasPrefix("tf-reference:") }),
              let tfMs = line.split(separator: " ").first(where: { $0.hasPrefix("ms_per_step=") })
                .flatMap({ Double($0.dropFirst("ms_per_step=".count)) }) else {
            print("TensorFlow: not installed or failed (pip install tensorflow-cpu); skipped")
            return
        }
        for outputLine in output.split(separator: "\n") { print("TensorFlow: \(outputLine)") }
        print(String(format: "LabBook's step takes %.2f of TensorFlow's time (%.3f ms against %.3f ms)",
                     msPerStep / tfMs, msPerStep, tfMs))
    }
}
