import Foundation

/// A dataset that is in none of the places searched: the message lists them, why it was not
/// downloaded (when LabBook tried or was told not to), and the commands that get it.
public struct DataNotFound: Error, Sendable, CustomStringConvertible {
    public var dataset: DatasetKind
    /// The folders searched, in order.
    public var searched: [String]
    /// The exact commands that put the dataset where the search finds it.
    public var instructions: String
    /// Why downloading it failed or was not tried; nil when no download was considered.
    public var download: String?

    public init(dataset: DatasetKind, searched: [String], instructions: String, download: String? = nil) {
        self.dataset = dataset
        self.searched = searched
        self.instructions = instructions
        self.download = download
    }

    public var description: String {
        "no \(dataset.rawValue) data: searched " + searched.joined(separator: ", ")
            + (download.map { "; \($0)" } ?? "") + ". " + instructions
    }
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
        throw DataNotFound(dataset: kind, searched: candidates, instructions: instructions(for: kind))
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

    /// The exact commands that put `kind` where the search finds it: `labbook fetch`, and the same
    /// download by hand (from the mirror or manifest the environment names, if any).
    public func instructions(for kind: DatasetKind) -> String {
        let settings = DownloadSettings(environment: environment)
        guard let source = (try? settings.source(for: kind)) ?? DatasetSource.official(kind) else { return "" }
        // Offline, `labbook fetch` would fail the same way: say what would make it work.
        var text = settings.offline ? "To get it, unset LABBOOK_OFFLINE and run: labbook fetch \(kind.rawValue)"
            : "Get it with: labbook fetch \(kind.rawValue)"
        if kind == .fashionMNIST { text += ", or: sudo apt-get install dataset-fashion-mnist" }
        return text + ", or by hand: " + Self.manualCommands(source, cacheRoot: cacheRoot)
    }

    /// Shell commands that download `source` into `cacheRoot` as `labbook fetch` would lay it out.
    static func manualCommands(_ source: DatasetSource, cacheRoot: String) -> String {
        switch source.packaging {
        case .tarGzip:
            return source.files.map {
                "mkdir -p \(cacheRoot) && curl -L \($0.url.absoluteString) | tar -xz -C \(cacheRoot)"
            }.joined(separator: " && ")
        case .files(let folder):
            let target = cacheRoot + "/" + folder
            let bases = Set(source.files.map { $0.url.deletingLastPathComponent().absoluteString })
            let names = source.files.map(\.name)
            // One loop when the files share a folder and keep their names there, as the official ones do.
            if bases.count == 1, let base = bases.first,
               source.files.allSatisfy({ $0.url.lastPathComponent == $0.name }) {
                return "mkdir -p \(target) && cd \(target) && for f in \(names.joined(separator: " ")); "
                    + "do curl -LO \(base)$f; done"
            }
            return "mkdir -p \(target) && cd \(target) && "
                + source.files.map { "curl -L -o \($0.name) \($0.url.absoluteString)" }.joined(separator: " && ")
        }
    }
}
