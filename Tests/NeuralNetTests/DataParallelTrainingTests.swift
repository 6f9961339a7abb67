import Foundation
import XCTest
@testable import NeuralNet

/// Data-parallel training: the batch cut into fixed slices, ranks (here threads standing in for MPI
/// processes) each computing some, and the slices' gradients summed in one fixed order, so that any
/// number of ranks gives the same bits, and the gradient is still the whole batch's.
final class DataParallelTrainingTests: XCTestCase {
    static func randomBatch(rows: Int, features: Int, classes: Int, seed: UInt64) -> ([Float], [Int32]) {
        var generator = SeededGenerator(seed: seed)
        return ((0..<(rows * features)).map { _ in Float(generator.nextNormal()) },
                (0..<rows).map { _ in Int32(generator.nextInt(below: classes)) })
    }

    /// Trains `steps` steps on the same batches as one rank of `group` and returns what it ends with.
    static func train(_ network: Network, group: any RankGroup, slices: Int, batch: Int, threads: Int = 1,
               optimizer: any Optimizer = Adam(learningRate: 0.01), steps: Int = 4) -> (Network, [Double]) {
        let trainer = Trainer(network: network, optimizer: optimizer, batchSize: batch, shards: threads, randomSeed: 3,
                              dataParallel: DataParallelism(group: group, slices: slices))
        let features = network.inputSize, classes = network.outputSize
        var losses: [Double] = []
        for step in 0..<steps {
            let (input, labels) = Self.randomBatch(rows: batch, features: features, classes: classes, seed: 90 + UInt64(step))
            trainer.input.update(from: input, count: input.count)
            trainer.labels.update(from: labels, count: labels.count)
            let result = trainer.step(includeRegularizationLoss: true)
            losses.append(result.loss + Double(result.correct) * 1e6)  // the correct count must agree too
        }
        return (trainer.network, losses)
    }

    /// The first layer's weights (4,200 rows of 16) are made in three blocks of rows.
    func denseNetwork() throws -> Network {
        var generator = SeededGenerator(seed: 17)
        XCTAssertGreaterThan(4200 * 16, 2 * Trainer.gradientBlockFloats)
        return try Network(inputShape: [4200], specs: [.dense(units: 16, activation: .relu), .dropout(rate: 0.2),
                                                     .dense(units: 4, activation: .none)],
                           initializer: .he, l2: 0.01, generator: &generator)
    }

    func testEveryRankCountGivesTheSameBitsForADenseNetwork() throws {
        let network = try denseNetwork()
        let (alone, aloneLosses) = Self.train(network, group: SingleRank(), slices: 8, batch: 30)
        XCTAssertNotEqual(alone, network, "the steps must have changed the parameters")
        for ranks in [2, 3, 4, 8] {
            let results = ThreadRanks(size: ranks).run { group in
                Self.train(network, group: group, slices: 8, batch: 30)
            }
            for (rank, (trained, losses)) in results.enumerated() {
                XCTAssertEqual(trained, alone, "rank \(rank) of \(ranks)")
                XCTAssertEqual(losses, aloneLosses, "rank \(rank) of \(ranks)")
            }
        }
        // Threads within a rank change nothing either.
        let (threaded, _) = Self.train(network, group: SingleRank(), slices: 8, batch: 30, threads: 2)
        XCTAssertEqual(threaded, alone)
        let pairs = ThreadRanks(size: 2).run { group in Self.train(network, group: group, slices: 8, batch: 30, threads: 2) }
        XCTAssertEqual(pairs.map(\.0), [alone, alone])
    }

    func testEveryRankCountGivesTheSameBitsForAConvolutionalNetworkWithBatchNorm() throws {
        var generator = SeededGenerator(seed: 41)
        let network = try Network(inputShape: [6, 6, 2], specs: ConvolutionalTrainingTests.smallCNN, initializer: .he,
                                  l2: 0.01, generator: &generator)
        let (alone, aloneLosses) = Self.train(network, group: SingleRank(), slices: 4, batch: 16,
                                         optimizer: Momentum(learningRate: 0.05, momentum: 0.9))
        XCTAssertNotEqual(alone.layers[1].parameters[2], network.layers[1].parameters[2], "the moving mean must move")
        for ranks in [2, 4] {
            let results = ThreadRanks(size: ranks).run { group in
                Self.train(network, group: group, slices: 4, batch: 16, optimizer: Momentum(learningRate: 0.05, momentum: 0.9))
            }
            for (rank, (trained, losses)) in results.enumerated() {
                XCTAssertEqual(trained, alone, "rank \(rank) of \(ranks)")
                XCTAssertEqual(losses, aloneLosses, "rank \(rank) of \(ranks)")
            }
        }
    }

    /// Summing slices instead of one product over the batch changes only rounding: one step of SGD
    /// moves every parameter as the whole-batch trainer does, to Float precision, batch norm
    /// included (each slice normalized with the whole batch's statistics).
    func testSlicedGradientIsTheWholeBatchGradient() throws {
        var generator = SeededGenerator(seed: 5)
        let specs: [LayerSpec] = [
            .conv2d(filters: 3, kernel: 3, stride: 1, padding: .same, activation: .relu),
            .batchNorm(momentum: 0.9, epsilon: 1e-3), .flatten, .dense(units: 5, activation: .tanh),
            .dense(units: 3, activation: .none),
        ]
        let convolutional = try Network(inputShape: [4, 4, 2], specs: specs, initializer: .he, l2: 0.1, generator: &generator)
        assertOneSlicedStepIsTheWholeBatchStep(convolutional)
        assertOneSlicedStepIsTheWholeBatchStep(try denseNetwork())
    }

    func assertOneSlicedStepIsTheWholeBatchStep(_ network: Network, file: StaticString = #filePath, line: UInt = #line) {
        let whole = Trainer(network: network, optimizer: SGD(learningRate: 1), batchSize: 12)
        let (input, labels) = Self.randomBatch(rows: 12, features: network.inputSize, classes: network.outputSize, seed: 8)
        whole.input.update(from: input, count: input.count)
        whole.labels.update(from: labels, count: labels.count)
        let wholeLoss = whole.step().dataLoss
        let sliced = Trainer(network: network, optimizer: SGD(learningRate: 1), batchSize: 12,
                             dataParallel: DataParallelism(group: SingleRank(), slices: 5))
        sliced.input.update(from: input, count: input.count)
        sliced.labels.update(from: labels, count: labels.count)
        let slicedLoss = sliced.step().dataLoss
        XCTAssertEqual(slicedLoss, wholeLoss, accuracy: 1e-6, file: file, line: line)
        for (layer, (a, b)) in zip(whole.network.layers, sliced.network.layers).enumerated() {
            for (parameter, (x, y)) in zip(a.parameters, b.parameters).enumerated() {
                let worst = zip(x.scalars, y.scalars).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5, "layer \(layer + 1) parameter \(parameter)", file: file, line: line)
            }
        }
    }

    /// The tree: every rank's subtrees, taken together, cover each slice once, and finishing the tree
    /// from them adds the halves of every node in the same order, whatever the rank count.
    func testRanksCoverEverySliceOnceAndFinishTheSameTree() {
        for slices in [1, 2, 5, 8, 13] {
            for ranks in 1...slices {
                let subtrees = (0..<ranks).flatMap { rank in
                    SlicedGradient.subtrees(covering: DataParallelism.ownedSlices(rank: rank, ranks: ranks, slices: slices),
                                            node: 0..<slices)
                }
                XCTAssertEqual(subtrees.flatMap { Array($0) }, Array(0..<slices), "\(ranks) ranks of \(slices) slices")
                // Finishing the tree symbolically: the sum's shape, as nested pairs, must be the same for every rank count.
                var names = subtrees.map { Self.shape(of: $0) }
                var additions: [(Int, Int)] = []
                let result = SlicedGradient.additions(node: 0..<slices, into: &additions) { subtrees.firstIndex(of: $0) }
                for (target, source) in additions { names[target] = "(\(names[target])+\(names[source]))" }
                XCTAssertEqual(names[result], Self.shape(of: 0..<slices), "\(ranks) ranks of \(slices) slices")
            }
        }
    }

    static func shape(of node: Range<Int>) -> String {
        guard node.count > 1 else { return "\(node.lowerBound)" }
        let middle = (node.lowerBound + node.upperBound) / 2
        return "(\(shape(of: node.lowerBound..<middle))+\(shape(of: middle..<node.upperBound)))"
    }

    /// What a rank sends and receives per step: with a power-of-two rank count, each rank's slices
    /// form one subtree, and the exchange moves what a ring all-reduce does.
    func testBytesExchangedPerStepAreThoseOfAnAllReduce() throws {
        let count = 1000
        let results = ThreadRanks(size: 4).run { group in
            SlicedGradient(count: count, blocks: [0..<600, 600..<count], threads: 1,
                           parallelism: DataParallelism(group: group, slices: 8)).bytesPerStep
        }
        for (sent, received) in results {
            XCTAssertEqual(sent, 2 * 3 * count / 4 * 4)
            XCTAssertEqual(received, 2 * 3 * count / 4 * 4)
        }
    }
}
