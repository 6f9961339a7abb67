import XCTest
@testable import NeuralNet

/// A tiny in-memory source: `count` examples of `features` values and labels.
struct ArraySource: ExampleSource {
    var features: [Float]
    var labelValues: [Int32]
    var featureCount: Int
    var classCount: Int
    var count: Int { labelValues.count }

    func gather(_ indices: UnsafeBufferPointer<Int>, features out: UnsafeMutablePointer<Float>,
                labels: UnsafeMutablePointer<Int32>) {
        for (row, example) in indices.enumerated() {
            for f in 0..<featureCount { out[row * featureCount + f] = features[example * featureCount + f] }
            labels[row] = labelValues[example]
        }
    }
}

/// Cycles through the examples in order.
struct SequentialOrder: BatchOrder {
    var count: Int
    var batchSize: Int
    var position = 0

    mutating func nextBatch() -> ArraySlice<Int> {
        if position + batchSize > count { position = 0 }
        defer { position += batchSize }
        return Array(position..<(position + batchSize))[...]
    }
}

final class TrainerTests: XCTestCase {
    /// XOR-like quadrants: a linear model can not learn them, one hidden ReLU layer can.
    func quadrants(_ n: Int, seed: UInt64) -> ArraySource {
        var generator = SeededGenerator(seed: seed)
        var features: [Float] = []
        var labels: [Int32] = []
        for _ in 0..<n {
            let x = Float(generator.nextDouble() * 2 - 1), y = Float(generator.nextDouble() * 2 - 1)
            features += [x, y]
            labels.append((x > 0) == (y > 0) ? 0 : 1)
        }
        return ArraySource(features: features, labelValues: labels, featureCount: 2, classCount: 2)
    }

    func trained(hidden: [LayerSpec], steps: Int, seed: UInt64 = 1) throws -> (Trainer, Evaluation) {
        let data = quadrants(400, seed: 99)
        var generator = SeededGenerator(seed: seed)
        let network = Network(inputSize: 2, layers: hidden + [LayerSpec(units: 2, activation: .none)],
                              initializer: .he, l2: 0, generator: &generator)
        let trainer = Trainer(network: network, optimizer: Adam(learningRate: 0.02), batchSize: 40)
        var order = SequentialOrder(count: data.count, batchSize: 40)
        let before = trainer.network.evaluate(on: data)
        XCTAssertLessThan(before.accuracy, 0.8, "an untrained network should not already solve the task")
        try trainer.train(steps: steps, source: data, order: &order, logEvery: 50)
        return (trainer, trainer.network.evaluate(on: data, chunkSize: 64))
    }

    func testHiddenReLULayerLearnsWhatALinearModelCannot() throws {
        let (_, linear) = try trained(hidden: [], steps: 600)
        let (trainer, deep) = try trained(hidden: [LayerSpec(units: 16, activation: .relu)], steps: 600)
        XCTAssertLessThan(linear.accuracy, 0.75)
        XCTAssertGreaterThan(deep.accuracy, 0.95)
        XCTAssertEqual(deep.examples, 400)
        XCTAssertEqual(trainer.optimizer.step, 600)
    }

    func testSameSeedGivesBitIdenticalWeights() throws {
        let hidden = [LayerSpec(units: 8, activation: .relu)]
        let (a, _) = try trained(hidden: hidden, steps: 50, seed: 4)
        let (b, _) = try trained(hidden: hidden, steps: 50, seed: 4)
        let (c, _) = try trained(hidden: hidden, steps: 50, seed: 5)
        XCTAssertEqual(a.network, b.network)
        XCTAssertNotEqual(a.network, c.network)
    }

    func testRecordsAndNonFiniteLossStopsAtItsStep() throws {
        let data = quadrants(80, seed: 1)
        var generator = SeededGenerator(seed: 1)
        let network = Network(inputSize: 2, layers: [LayerSpec(units: 2, activation: .none)],
                              initializer: .glorot, l2: 0.1, generator: &generator)
        let trainer = Trainer(network: network, optimizer: SGD(learningRate: 0.1), batchSize: 20)
        var order = SequentialOrder(count: 80, batchSize: 20)
        var seen: [Int] = []
        let records = try trainer.train(steps: 25, source: data, order: &order, logEvery: 10,
                                        validation: data, evaluateEvery: 20, onRecord: { seen.append($0.step) })
        XCTAssertEqual(records.map(\.step), [1, 10, 20, 25])
        XCTAssertEqual(seen, [1, 10, 20, 25])
        XCTAssertNil(records[1].validationAccuracy)
        XCTAssertNotNil(records[2].validationAccuracy)
        XCTAssertNotNil(records[3].validationAccuracy)

        let exploding = Trainer(network: network, optimizer: SGD(learningRate: 1e30), batchSize: 20)
        var order2 = SequentialOrder(count: 80, batchSize: 20)
        XCTAssertThrowsError(try exploding.train(steps: 100, source: data, order: &order2, logEvery: 10)) { error in
            let nonFinite = error as? NonFiniteLossError
            XCTAssertNotNil(nonFinite)
            XCTAssertGreaterThan(nonFinite?.step ?? 0, 1)
            XCTAssertLessThan(nonFinite?.step ?? 100, 100)
        }
    }

    /// Splitting the work in two computes the same gradient, bit for bit, and stays bit-identical
    /// from run to run.
    func testShardedStepsMatchTheWholeBatch() throws {
        let data = quadrants(200, seed: 5)
        var generator = SeededGenerator(seed: 6)
        let network = Network(inputSize: 2, layers: [LayerSpec(units: 16, activation: .relu), LayerSpec(units: 2, activation: .none)],
                              initializer: .he, l2: 0.01, generator: &generator)
        func gradients(shards: Int) -> (Double, [Tensor]) {
            let trainer = Trainer(network: network, optimizer: SGD(learningRate: 0.1), batchSize: 50, shards: shards)
            var order = SequentialOrder(count: data.count, batchSize: 50)
            order.nextBatch().withUnsafeBufferPointer { data.gather($0, features: trainer.input, labels: trainer.labels) }
            return trainer.gradients()
        }
        let (wholeLoss, whole) = gradients(shards: 1)
        let (splitLoss, split) = gradients(shards: 2)
        XCTAssertEqual(splitLoss, wholeLoss, accuracy: 1e-6)  // the halves' mean losses are added in Double
        XCTAssertEqual(split, whole)
        func trained() throws -> Network {
            let trainer = Trainer(network: network, optimizer: Momentum(learningRate: 0.05), batchSize: 50, shards: 2)
            var order = SequentialOrder(count: data.count, batchSize: 50)
            try trainer.train(steps: 40, source: data, order: &order, logEvery: 10)
            return trainer.network
        }
        let preferred = BLASInfo.preferredThreadCount
        let trainedOnce = try trained()
        XCTAssertEqual(trainedOnce, try trained())
        XCTAssertEqual(BLASInfo.threadCount, 1, "between sharded steps OpenBLAS stays single-threaded")
        _ = trainedOnce.evaluate(on: data)
        XCTAssertEqual(BLASInfo.threadCount, preferred, "an evaluation gets the preferred threads back")
        XCTAssertEqual(BLASInfo.preferredThreadCount, preferred)
    }

    /// A step sums the halves' gradients, adds L2 and updates each range of the weights in one
    /// parallel pass; that must give, bit for bit, what updating every slot from `gradients()` gives.
    func testFusedParallelUpdateMatchesUpdatingFromTheSummedGradients() throws {
        var generator = SeededGenerator(seed: 11)
        // 100 × 50 weights: more than one chunk per half, and a range split that is not chunk-aligned.
        let network = Network(inputSize: 100, layers: [LayerSpec(units: 50, activation: .relu), LayerSpec(units: 3, activation: .none)],
                              initializer: .he, l2: 0.05, generator: &generator)
        let batch = (0..<(64 * 100)).map { _ in Float(generator.nextDouble() * 2 - 1) }
        let labels = (0..<64).map { Int32($0 % 3) }
        func filled(_ optimizer: any Optimizer) -> Trainer {
            let trainer = Trainer(network: network, optimizer: optimizer, batchSize: 64, shards: 2)
            trainer.input.update(from: batch, count: batch.count)
            trainer.labels.update(from: labels, count: labels.count)
            return trainer
        }
        for kind in OptimizerKind.allCases {
            let fused = filled(kind.make(learningRate: 0.01))
            _ = fused.step()
            _ = fused.step()  // the same batch again: Momentum's and Adam's state from the first step matters

            var optimizer = kind.make(learningRate: 0.01)
            var expected = network
            for _ in 0..<2 {
                let stepper = Trainer(network: expected, optimizer: SGD(learningRate: 0), batchSize: 64, shards: 2)
                stepper.input.update(from: batch, count: batch.count)
                stepper.labels.update(from: labels, count: labels.count)
                let (_, gradients) = stepper.gradients()
                for (slot, gradient) in gradients.enumerated() {
                    var parameters = expected.layers[slot / 2].parameters
                    parameters[slot % 2].scalars.withUnsafeMutableBufferPointer {
                        optimizer.update(slot: slot, parameter: $0.baseAddress!, gradient: gradient.scalars, count: $0.count)
                    }
                    expected.layers[slot / 2].parameters = parameters
                }
                optimizer.step += 1
            }
            XCTAssertEqual(fused.network, expected, "\(kind): the fused update must match the plain one bit for bit")
            XCTAssertEqual(fused.optimizer.slotState, optimizer.slotState, "\(kind)")
            XCTAssertEqual(fused.optimizer.step, 2)
        }
    }

    /// Every gradient element is one sum over the whole batch, so one core and two give the same
    /// bits: a run verifies on a machine with another number of cores.
    func testOneShardAndTwoGiveTheSameBits() throws {
        var generator = SeededGenerator(seed: 21)
        let inputs = 300, count = 400
        let data = ArraySource(features: (0..<(count * inputs)).map { _ in Float(generator.nextDouble() * 2 - 1) },
                               labelValues: (0..<count).map { _ in Int32(generator.nextInt(below: 10)) },
                               featureCount: inputs, classCount: 10)
        let network = Network(inputSize: inputs, layers: [LayerSpec(units: 120, activation: .relu), LayerSpec(units: 10, activation: .none)],
                              initializer: .truncatedNormal, l2: 0.01, generator: &generator)
        func trained(shards: Int, optimizer: OptimizerKind) throws -> Trainer {
            let trainer = Trainer(network: network, optimizer: optimizer.make(learningRate: 0.01), batchSize: 100, shards: shards)
            var order = SequentialOrder(count: count, batchSize: 100)
            try trainer.train(steps: 12, source: data, order: &order, logEvery: 4)
            return trainer
        }
        for kind in OptimizerKind.allCases {
            let one = try trained(shards: 1, optimizer: kind), two = try trained(shards: 2, optimizer: kind)
            XCTAssertEqual(one.network, two.network, "\(kind)")
            XCTAssertEqual(one.optimizer.slotState, two.optimizer.slotState, "\(kind)")
            XCTAssertNotEqual(one.network, network)
        }
    }
}
