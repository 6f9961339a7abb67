/// One point of a training curve.
public struct TrainingRecord: Sendable, Equatable, Codable {
    /// The global step after this update (1 for the first).
    public var step: Int
    /// The batch's loss (cross-entropy plus L2 penalty) before the update.
    public var loss: Double
    /// The batch's accuracy before the update.
    public var trainAccuracy: Double
    /// Accuracy on the validation split after the update, at evaluation steps.
    public var validationAccuracy: Double?
}

/// Training stopped because the loss stopped being a finite number.
public struct NonFiniteLossError: Error, Sendable, Equatable, CustomStringConvertible {
    public var step: Int
    public var loss: Double

    public var description: String {
        let value = loss.isNaN ? "NaN" : (loss > 0 ? "infinite" : "-infinite")
        return "the loss became \(value) at step \(step); try a smaller learning rate or stronger normalization"
    }
}

/// Training stopped because it was asked to (Ctrl-C, SIGTERM), before the step after `step`.
public struct TrainingInterrupted: Error, Sendable, Equatable, CustomStringConvertible {
    public var step: Int

    public var description: String { "interrupted after step \(step)" }
}

extension Trainer {
    /// Trains for `steps` steps on batches of `source` in `order`.
    ///
    /// Every `logEvery` steps (and at the first and last) it records the step's loss and batch
    /// accuracy; every `evaluateEvery` steps (and at the last), when `validation` is given, also the
    /// accuracy on it. Each record goes to `onRecord` as it is made; `onStep` hears of every step, with
    /// the batch order as it stands after it (for checkpoints that resume exactly). A loss that is NaN or infinite
    /// stops training at once with `NonFiniteLossError` naming the step; `shouldStop`, checked
    /// before every step, ends it with `TrainingInterrupted`. `schedule` sets each step's learning
    /// rate from the optimizer's, which is left as it was, so checkpoints always hold the base rate.
    @discardableResult
    public func train<Source: ExampleSource, Order: BatchOrder>(
        steps: Int, source: Source, order: inout Order, logEvery: Int,
        schedule: LearningRateSchedule = .constant,
        validation: (any ExampleSource)? = nil, evaluateEvery: Int? = nil,
        shouldStop: () -> Bool = { false },
        onStep: (Int, Order) -> Void = { _, _ in },
        onRecord: (TrainingRecord) -> Void = { _ in }
    ) throws -> [TrainingRecord] {
        precondition(steps >= 0 && logEvery > 0, "steps must be non-negative and logEvery positive")
        var records: [TrainingRecord] = []
        guard steps > 0 else { return records }
        let baseRate = optimizer.learningRate
        defer { optimizer.learningRate = baseRate }
        for index in 1...steps {
            if stopAgreed(shouldStop()) { throw TrainingInterrupted(step: optimizer.step) }
            let isLast = index == steps
            let logs = index == 1 || index % logEvery == 0 || isLast
            optimizer.learningRate = schedule.rate(base: baseRate, index: index - 1, of: steps)
            let result = step(source: source, order: &order, includeRegularizationLoss: logs)
            optimizer.learningRate = baseRate
            let globalStep = optimizer.step
            guard result.dataLoss.isFinite else {
                throw NonFiniteLossError(step: globalStep, loss: result.dataLoss)
            }
            onStep(globalStep, order)
            var validationAccuracy: Double?
            if let validation, let evaluateEvery, index % evaluateEvery == 0 || isLast {
                validationAccuracy = network.evaluate(on: validation).accuracy
            }
            if logs || validationAccuracy != nil {
                shareLayerOutputsAcrossRanks()
                let record = TrainingRecord(
                    step: globalStep, loss: result.loss, trainAccuracy: result.accuracy,
                    validationAccuracy: validationAccuracy)
                records.append(record)
                onRecord(record)
            }
        }
        return records
    }
}
