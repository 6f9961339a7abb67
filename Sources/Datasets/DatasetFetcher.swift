import Foundation

/// Puts a missing dataset into the cache (`~/.cache/labbook/datasets`): downloads its files, checks
/// their checksums, unpacks them and moves the finished folder into place with one rename.
///
/// Everything is written inside a staging folder `.partial-<pid>-<uuid>` in the cache, which is
/// removed whatever happens, so a failed or interrupted download never leaves a file that looks like
/// data. A staging folder whose process was killed is removed by the next fetch.
public struct DatasetFetcher {
    public var locator: DataLocator
    public var settings: DownloadSettings
    public var downloader: Downloader
    public var progress: DownloadProgress

    public init(locator: DataLocator = DataLocator(), downloader: Downloader = Downloader(),
                progress: DownloadProgress = DownloadProgress(style: .silent)) {
        self.locator = locator
        settings = DownloadSettings(environment: locator.environment)
        self.downloader = downloader
        self.progress = progress
    }

    static let stagingPrefix = ".partial-"

    /// The folder holding `kind`: where the locator finds it, else downloaded into the cache unless
    /// `LABBOOK_OFFLINE` is set. Fails with the locator's `DataNotFound` (the places searched, the
    /// commands that get the data) and the reason the download failed.
    public func locateOrFetch(_ kind: DatasetKind) throws -> String {
        do {
            return try locator.find(kind)
        } catch var notFound as DataNotFound {
            if settings.offline {
                notFound.download = "it was not downloaded because LABBOOK_OFFLINE is set"
                throw notFound
            }
            do {
                guard let source = try settings.source(for: kind) else { throw notFound }
                progress.note("No \(kind.rawValue) data on this machine: downloading it into \(locator.cacheRoot)")
                return try fetch(source)
            } catch {
                notFound.download = "\(error)"
                throw notFound
            }
        }
    }

    /// Downloads `source` into the cache and returns the dataset's folder there. An existing folder of
    /// that name is replaced only when `replacing` is true.
    public func fetch(_ source: DatasetSource, replacing: Bool = false) throws -> String {
        let root = locator.cacheRoot
        try createFolder(root)
        removeAbandonedStaging(in: root)
        let staging = root + "/" + Self.stagingPrefix + "\(getpid())-\(UUID().uuidString)"
        try createFolder(staging)
        defer { try? FileManager.default.removeItem(atPath: staging) }

        let unpacked: String
        switch source.packaging {
        case .files(let folder):
            unpacked = staging + "/" + folder
            try createFolder(unpacked)
            for file in source.files { try download(file, to: unpacked + "/" + file.name) }
        case .tarGzip(let folder):
            guard source.files.count == 1, let file = source.files.first else {
                throw DatasetError(path: source.dataset.rawValue, "a .tar.gz source needs exactly one file")
            }
            let archive = staging + "/" + file.name
            try download(file, to: archive)
            progress.note("Unpacking \(file.name)")
            // A name no downloaded file can have: manifests reject names that start with a dot.
            let extracted = staging + "/.unpacked"
            try createFolder(extracted)
            try TarArchive.extract(GzipByteSource(compressed: FileByteSource(path: archive)), into: extracted)
            try? FileManager.default.removeItem(atPath: archive)
            unpacked = extracted + "/" + folder
        }
        try checkComplete(unpacked, source)
        let target = root + "/" + source.packaging.folder
        try install(unpacked, at: target, dataset: source.dataset, replacing: replacing, staging: staging)
        return target
    }

    private func download(_ file: DatasetSource.File, to path: String) throws {
        progress.begin(file.url, total: file.bytes)
        var received: Int64 = 0
        do {
            try downloader.download(file, to: path) { done, total in
                received = done
                progress.update(received: done, total: total)
            }
        } catch {
            progress.abandon()
            throw error
        }
        progress.end(received: received)
    }

    /// Throws unless `folder` holds every file the dataset's loader reads.
    private func checkComplete(_ folder: String, _ source: DatasetSource) throws {
        let origin = source.files.first?.url.absoluteString ?? source.dataset.rawValue
        for name in source.requiredFiles {
            let candidates = [name, name + ".gz"].map { folder + "/" + $0 }
            guard candidates.contains(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw DatasetError(path: origin, "the download holds no \(source.packaging.folder)/\(name)")
            }
        }
    }

    /// Renames the finished folder to `target` in one step. A folder already there is kept when it
    /// holds the dataset (another process fetched it meanwhile) and otherwise never overwritten
    /// unless `replacing`: it may be the user's.
    private func install(_ folder: String, at target: String, dataset: DatasetKind, replacing: Bool,
                         staging: String) throws {
        if FileManager.default.fileExists(atPath: target) {
            if replacing {
                // Moved into the staging folder, which is removed on the way out.
                guard rename(target, staging + "/.replaced") == 0 else {
                    throw DatasetError(path: target, "cannot move the old folder aside: \(Self.lastError())")
                }
            } else if DataLocator.holds(dataset, folder: target) {
                return
            } else {
                throw DatasetError(path: target, "this folder is in the way of the downloaded \(dataset.rawValue) "
                                   + "data but does not hold it; move it away, or replace it with "
                                   + "labbook fetch \(dataset.rawValue) --force")
            }
        }
        guard rename(folder, target) == 0 else {
            let reason = Self.lastError()
            if replacing {
                _ = rename(staging + "/.replaced", target)
            } else if DataLocator.holds(dataset, folder: target) {
                return  // another process moved its copy into place first
            }
            throw DatasetError(path: target, "cannot move the downloaded data into place: \(reason)")
        }
    }

    /// Removes staging folders whose process no longer runs (killed mid-download).
    func removeAbandonedStaging(in root: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for entry in entries where entry.hasPrefix(Self.stagingPrefix) {
            let owner = entry.dropFirst(Self.stagingPrefix.count).prefix { $0 != "-" }
            guard let pid = pid_t(owner), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: root + "/" + entry)
        }
    }

    private func createFolder(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw DatasetError(path: path, "cannot create the folder: \(error.localizedDescription)")
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
