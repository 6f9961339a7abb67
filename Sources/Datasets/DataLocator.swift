import Foundation

/// A dataset that is in none of the places searched: the message lists them and how to get it.
public struct DataNotFound: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Finds a dataset on this machine when a notebook names no `path`: in `$LABBOOK_DATA`, in
/// `~/.cache/labbook/datasets`, and for Fashion-MNIST in Debian's `/usr/share/datasets/fashion-mnist`.
/// When it is nowhere, the error lists every place searched and the exact commands that get it.
public struct DataLocator: Sendable {
    public var environment: [String: String]
    public var home: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                home: String? = nil) {
        self.environment = environment
        self.home = home ?? environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
    }

    /// The roots searched, in order.
    public var roots: [String] {
        var roots: [String] = []
        if let data = environment["LABBOOK_DATA"], !data.isEmpty { roots.append(data) }
        roots.append(cacheRoot)
        return roots
    }

    /// Where downloaded datasets live.
    public var cacheRoot: String { home + "/.cache/labbook/datasets" }

    /// The folders where `kind` may be, in search order.
    public func candidates(for kind: DatasetKind) -> [String] {
        var folders: [String] = []
        for root in roots {
            switch kind {
            case .cifar10: folders += [root + "/cifar-10-batches-bin", root + "/cifar10"]
            case .cifar10Python: folders += [root + "/cifar-10-batches-py", root + "/cifar10-python"]
            case .mnist: folders += [root + "/mnist"]
            case .fashionMNIST: folders += [root + "/fashion-mnist"]
            case .spiral: break
            }
        }
        if kind == .fashionMNIST { folders.append("/usr/share/datasets/fashion-mnist") }
        return folders
    }

    /// The first candidate folder that holds the dataset's first file.
    public func find(_ kind: DatasetKind) throws -> String {
        let candidates = candidates(for: kind)
        if let found = candidates.first(where: { Self.holds(kind, folder: $0) }) { return found }
        throw DataNotFound(description: "no \(kind.rawValue) data: searched " + candidates.joined(separator: ", ")
                           + ". " + instructions(for: kind))
    }

    static func holds(_ kind: DatasetKind, folder: String) -> Bool {
        let folder = kind.dataFolder(path: folder)
        let probes: [String] = switch kind {
        case .cifar10: [CIFAR10Binary.trainFiles[0]]
        case .cifar10Python: [CIFAR10Python.trainFiles[0]]
        case .mnist, .fashionMNIST: [MNIST.trainImagesFile, MNIST.trainImagesFile + ".gz"]
        case .spiral: []
        }
        return probes.contains { FileManager.default.fileExists(atPath: folder + "/" + $0) }
    }

    /// The exact commands that put `kind` where the search finds it.
    public func instructions(for kind: DatasetKind) -> String {
        let target = cacheRoot
        switch kind {
        case .cifar10:
            return "Get it with: mkdir -p \(target) && curl -L https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
                + " | tar -xz -C \(target)"
        case .cifar10Python:
            return "Get it with: mkdir -p \(target) && curl -L https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
                + " | tar -xz -C \(target)"
        case .fashionMNIST:
            return "Get it with: sudo apt-get install dataset-fashion-mnist"
        case .mnist:
            let files = [MNIST.trainImagesFile, MNIST.trainLabelsFile, MNIST.testImagesFile, MNIST.testLabelsFile]
            return "Get it with: mkdir -p \(target)/mnist && cd \(target)/mnist && for f in "
                + files.joined(separator: " ")
                + "; do curl -LO https://storage.googleapis.com/cvdf-datasets/mnist/$f.gz; done"
        case .spiral:
            return ""
        }
    }
}
