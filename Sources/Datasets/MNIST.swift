import Foundation

/// MNIST and Fashion-MNIST, which share one layout: four IDX files (training and test images and
/// labels), each plain or gzip-compressed as downloaded.
public enum MNIST {
    /// Which of the two datasets a folder holds; they differ only in what the ten labels mean.
    public enum Variant: Sendable, CaseIterable {
        case digits
        case fashion

        /// The name datasets and notebooks use: "mnist" or "fashion-mnist".
        public var datasetName: String {
            switch self {
            case .digits: "mnist"
            case .fashion: "fashion-mnist"
            }
        }

        public var classNames: [String] {
            switch self {
            case .digits: (0...9).map(String.init)
            case .fashion: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
            }
        }
    }

    public static let trainImagesFile = "train-images-idx3-ubyte"
    public static let trainLabelsFile = "train-labels-idx1-ubyte"
    public static let testImagesFile = "t10k-images-idx3-ubyte"
    public static let testLabelsFile = "t10k-labels-idx1-ubyte"

    /// Loads `variant` from `directory`, taking each file plain when it is there and with `.gz` otherwise.
    public static func load(directory: String, variant: Variant) throws -> Dataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw DatasetError(path: directory, "no such folder")
        }
        let paths = try [trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile].map {
            try locate($0, in: directory)
        }
        let classCount = variant.classNames.count
        let train = try readSplit(images: paths[0], labels: paths[1], classCount: classCount)
        let test = try readSplit(images: paths[2], labels: paths[3], classCount: classCount)
        guard train.shape == test.shape else {
            throw DatasetError(path: paths[2], "test images are \(test.shape.height)x\(test.shape.width) "
                               + "but training images are \(train.shape.height)x\(train.shape.width)")
        }
        return Dataset(name: variant.datasetName, classNames: variant.classNames, imageShape: train.shape,
                       train: train.examples, test: test.examples, files: paths)
    }

    /// The path of `name` or `name.gz` in `directory`, whichever exists (the plain file when both do).
    static func locate(_ name: String, in directory: String) throws -> String {
        let plain = (directory as NSString).appendingPathComponent(name)
        for candidate in [plain, plain + ".gz"] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw DatasetError(path: directory, "neither \(name) nor \(name).gz is in this folder")
    }

    /// One split's images and labels, checked against each other.
    static func readSplit(images imagesPath: String, labels labelsPath: String, classCount: Int) throws
        -> (examples: LabeledExamples, shape: ImageShape)
    {
        let images = try IDX.read(imagesPath, dimensionCount: 3)
        let labels = try IDX.read(labelsPath, dimensionCount: 1)
        let (count, height, width) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard count > 0, height > 0, width > 0 else {
            throw DatasetError(path: imagesPath, "holds no images (dimensions \(count) x \(height) x \(width))")
        }
        guard labels.dimensions[0] == count else {
            throw DatasetError(path: labelsPath, "holds \(labels.dimensions[0]) labels but \(imagesPath) "
                               + "holds \(count) images")
        }
        if let index = labels.values.firstIndex(where: { Int($0) >= classCount }) {
            throw DatasetError(path: labelsPath, "label \(labels.values[index]) of example \(index) is not "
                               + "below the \(classCount) classes", offset: 8 + index)
        }
        let shape = ImageShape(channels: 1, height: height, width: width)
        let examples = LabeledExamples(features: .bytes(images.values), labels: labels.values,
                                       featureCount: shape.featureCount)
        return (examples, shape)
    }
}
