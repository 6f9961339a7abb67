import Datasets
import NeuralNet
import RunRecords

// run.json's plain values, made from the network library's and the datasets' own types.

extension ImageLayout {
    init(_ shape: ImageShape) {
        self.init(channels: shape.channels, height: shape.height, width: shape.width)
    }
}

extension TrainingPoint {
    init(_ record: TrainingRecord) {
        self.init(step: record.step, loss: record.loss, trainAccuracy: record.trainAccuracy,
                  validationAccuracy: record.validationAccuracy)
    }
}
