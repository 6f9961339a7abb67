/// Which arrays of an .npz archive hold the training and test features and labels, by the names
/// `np.savez` gave them (the keyword names, without `.npy`).
public struct NumPyArrayNames: Sendable, Equatable {
    public var trainFeatures: String
    public var trainLabels: String
    public var testFeatures: String
    public var testLabels: String

    public init(trainFeatures: String, trainLabels: String, testFeatures: String, testLabels: String) {
        self.trainFeatures = trainFeatures
        self.trainLabels = trainLabels
        self.testFeatures = testFeatures
        self.testLabels = testLabels
    }

    /// Keras's convention, which `keras.datasets.mnist.load_data()`'s mnist.npz follows:
    /// x_train, y_train, x_test, y_test.
    public static let keras = NumPyArrayNames(
        trainFeatures: "x_train", trainLabels: "y_train", testFeatures: "x_test", testLabels: "y_test")
}
