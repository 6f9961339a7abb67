/// The datasets LabBook can load, by the names notebooks and the command line use.
public enum DatasetKind: String, CaseIterable, Sendable, Codable {
    case cifar10
    case cifar10Python = "cifar10-python"
    case mnist
    case fashionMNIST = "fashion-mnist"
    case spiral

    /// Loads the dataset from `path` (a folder; ignored by the spiral, which `seed` generates).
    public func load(path: String, seed: UInt64 = 0) throws -> Dataset {
        switch self {
        case .cifar10: try CIFAR10Binary.load(directory: path)
        case .cifar10Python: try CIFAR10Python.load(directory: path)
        case .mnist: try MNIST.load(directory: path, variant: .digits)
        case .fashionMNIST: try MNIST.load(directory: path, variant: .fashion)
        case .spiral: Spiral.make(classes: 3, pointsPerClass: 100, noise: 0.2, seed: seed)
        }
    }
}

extension DatasetKind {
    /// The folder this dataset's files are read from, given the `path` a notebook names: the
    /// `cifar-10-batches-*` folder inside it for CIFAR-10 when there is one.
    public func dataFolder(path: String) -> String {
        switch self {
        case .cifar10: CIFAR10Binary.resolveFolder(path)
        case .cifar10Python: CIFAR10Python.resolveFolder(path)
        case .mnist, .fashionMNIST, .spiral: path
        }
    }

    /// Every file the loader reads from `folder` (the dataset's data folder, see `dataFolder`): what
    /// the cache keys a {data} block by, so that a change to any of them, and to nothing else in the
    /// folder, is noticed. A missing file is listed by the name it would have.
    public func inputFiles(folder: String) -> [String] {
        switch self {
        case .cifar10:
            ([CIFAR10Binary.metaFile] + CIFAR10Binary.trainFiles + [CIFAR10Binary.testFile]).map { folder + "/" + $0 }
        case .cifar10Python:
            ([CIFAR10Python.metaFile] + CIFAR10Python.trainFiles + [CIFAR10Python.testFile]).map { folder + "/" + $0 }
        case .mnist, .fashionMNIST:
            [MNIST.trainImagesFile, MNIST.trainLabelsFile, MNIST.testImagesFile, MNIST.testLabelsFile].map {
                (try? MNIST.locate($0, in: folder)) ?? folder + "/" + $0
            }
        case .spiral:
            []
        }
    }
}
