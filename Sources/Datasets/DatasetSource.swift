import Foundation

/// Where a dataset is downloaded from, the checksum each file must have, and how the files become
/// the folder LabBook reads.
public struct DatasetSource: Sendable, Equatable {
    /// One file to download.
    public struct File: Sendable, Equatable {
        /// The file's name on disk: a plain name, never a path.
        public var name: String
        public var url: URL
        public var checksum: Checksum
        /// The file's size, where known: the progress bar's total when the server sends no length,
        /// and a limit on what the server may send.
        public var bytes: Int64?

        public init(name: String, url: URL, checksum: Checksum, bytes: Int64? = nil) {
            self.name = name
            self.url = url
            self.checksum = checksum
            self.bytes = bytes
        }
    }

    /// How the downloaded files become the dataset's folder in the cache.
    public enum Packaging: Sendable, Equatable {
        /// One gzip-compressed tar archive that holds the folder `folder`.
        case tarGzip(folder: String)
        /// Files kept as downloaded (the loaders read `.gz`), gathered in the folder `folder`.
        case files(folder: String)

        /// The dataset's folder name inside the cache.
        public var folder: String {
            switch self {
            case .tarGzip(let folder), .files(let folder): folder
            }
        }
    }

    public var dataset: DatasetKind
    public var files: [File]
    public var packaging: Packaging

    public init(dataset: DatasetKind, files: [File], packaging: Packaging) {
        self.dataset = dataset
        self.files = files
        self.packaging = packaging
    }

    /// The files the dataset's folder must hold once unpacked, for the download to count as complete.
    var requiredFiles: [String] {
        switch dataset {
        case .cifar10: CIFAR10Binary.trainFiles + [CIFAR10Binary.testFile]
        case .cifar10Python: CIFAR10Python.trainFiles + [CIFAR10Python.testFile, CIFAR10Python.metaFile]
        case .mnist, .fashionMNIST:
            [MNIST.trainImagesFile, MNIST.trainLabelsFile, MNIST.testImagesFile, MNIST.testLabelsFile]
        case .spiral: []
        }
    }

    /// The same files fetched from a mirror: `base/<dataset>/<file name>`. Each dataset has its own
    /// folder there because MNIST and Fashion-MNIST use the same file names.
    public func mirrored(at base: URL) -> DatasetSource {
        var mirrored = self
        mirrored.files = files.map { file in
            var file = file
            file.url = base.appendingPathComponent(dataset.rawValue).appendingPathComponent(file.name)
            return file
        }
        return mirrored
    }
}

extension DatasetSource {
    /// The dataset's official source, as its authors' pages publish it, or nil for the generated spiral.
    /// Checksums are the MD5s those pages (and torchvision) list; sizes are the files' byte counts.
    public static func official(_ kind: DatasetKind) -> DatasetSource? {
        switch kind {
        case .cifar10:
            cifar10(archive: "cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530",
                    bytes: 170_052_171, folder: "cifar-10-batches-bin", kind: .cifar10)
        case .cifar10Python:
            cifar10(archive: "cifar-10-python.tar.gz", md5: "c58f30108f718f92721af3b95e74349a",
                    bytes: 170_498_071, folder: CIFAR10Python.folderName, kind: .cifar10Python)
        case .mnist:
            // The CVDF mirror: yann.lecun.com, MNIST's original page, no longer serves the files reliably.
            idx(kind: .mnist, base: "https://storage.googleapis.com/cvdf-datasets/mnist/", files: [
                (MNIST.trainImagesFile, "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9_912_422),
                (MNIST.trainLabelsFile, "d53e105ee54ea40749a09fcbcd1e9432", 28_881),
                (MNIST.testImagesFile, "9fb629c4189551a2d022fa330f9573f3", 1_648_877),
                (MNIST.testLabelsFile, "ec29112dd5afa0611ce80d1b7f02629c", 4_542),
            ])
        case .fashionMNIST:
            idx(kind: .fashionMNIST, base: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", files: [
                (MNIST.trainImagesFile, "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26_421_880),
                (MNIST.trainLabelsFile, "25c81989df183df01b3e8a0aad5dffbe", 29_515),
                (MNIST.testImagesFile, "bef4ecab320f06d8554ea6380940ec79", 4_422_102),
                (MNIST.testLabelsFile, "bb300cfdad3c16e7a12a480ee83cd310", 5_148),
            ])
        case .spiral:
            nil
        }
    }

    private static func cifar10(archive: String, md5: String, bytes: Int64, folder: String,
                                kind: DatasetKind) -> DatasetSource {
        let url = URL(string: "https://www.cs.toronto.edu/~kriz/" + archive)!
        return DatasetSource(dataset: kind, files: [File(name: archive, url: url, checksum: .md5(md5), bytes: bytes)],
                             packaging: .tarGzip(folder: folder))
    }

    private static func idx(kind: DatasetKind, base: String, files: [(String, String, Int64)]) -> DatasetSource {
        DatasetSource(dataset: kind, files: files.map { name, md5, bytes in
            File(name: name + ".gz", url: URL(string: base + name + ".gz")!, checksum: .md5(md5), bytes: bytes)
        }, packaging: .files(folder: kind.rawValue))
    }
}
