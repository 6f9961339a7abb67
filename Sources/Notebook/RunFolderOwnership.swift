import CFileSystem
import Foundation

/// Why a run folder can not be used or published. A `usage` problem is the command line's (exit 2):
/// `-o` names something that is not LabBook's to write; an `io` problem is the disk's (exit 1).
public struct RunFolderError: Error, CustomStringConvertible {
    public enum Kind: Sendable { case usage, io }
    public var kind: Kind
    public var description: String

    static func usage(_ text: String) -> RunFolderError { RunFolderError(kind: .usage, description: text) }
    static func io(_ text: String) -> RunFolderError { RunFolderError(kind: .io, description: text) }
}

/// A run folder LabBook owns for the length of one run, and the guarantees it keeps there.
///
/// - Ownership: LabBook writes only into a folder that is new, empty, or already a LabBook run
///   folder (it holds a `run.json` or `run.failed.json` that LabBook wrote, or only LabBook's cache).
///   Anything else in a run folder that LabBook did not write (the user's notes, a `.cache`) is kept
///   as it is when a new run is published.
/// - Atomic publishing: a run is written whole into a hidden staging folder beside the run folder
///   (`.<name>.labbook-staging-<id>`), which is then swapped with the run folder in one
///   `renameat2(RENAME_EXCHANGE)`. Whenever the process is killed, the run folder holds either the
///   complete previous run or the complete new one. Where the file system can not exchange, two
///   renames through `.<name>.labbook-previous-<id>` are used, and the next run puts a folder left
///   mid-way back in place.
/// - No writes through links: the staging folder is LabBook's own and fresh, files are replaced by
///   renames (which replace a link, never write through it), and a run folder that is itself a link
///   is resolved to its target before anything happens.
/// - Leftovers: the run holds a lock on the run folder (`flock`), and under it removes every staging
///   folder a killed run left.
public final class OwnedRunFolder {
    public static let recordFile = "run.json"
    public static let reportFile = "report.html"
    public static let notebookCopy = "notebook.md"
    public static let failedRecordFile = "run.failed.json"
    public static let failedReportFile = "report.failed.html"
    /// The default cache folder inside a run folder.
    public static let cacheFolder = ".cache"
    /// TensorBoard's log folder: one subfolder per network.
    public static let logsFolder = "logs"
    /// The last failed run's logs, kept beside the last good run's.
    public static let failedLogsFolder = "logs.failed"

    /// The run folder: absolute, with any link in its path resolved.
    public let url: URL
    private var lock: Int32 = -1

    /// Checks that `argument` (the `-o` value) names a folder LabBook may write a run into, and
    /// returns it resolved. Touches nothing.
    public static func resolve(_ argument: String) throws(RunFolderError) -> URL {
        guard !argument.isEmpty else {
            throw .usage("-o '' names no folder; give the run folder's path")
        }
        let url = resolvingLinks(URL(fileURLWithPath: argument).standardizedFileURL)
        guard url.path != "/" else {
            throw .usage("-o \(argument): the root folder can not be a run folder")
        }
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return url }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw .usage("-o \(argument): \(url.path) exists and is not a folder")
        }
        guard isLabBooks(url) else {
            throw .usage("-o \(argument): \(url.path) is not empty and is not a LabBook run folder (it has no run.json); "
                         + "LabBook writes only into a new or empty folder or one of its own runs, so that it never "
                         + "replaces or deletes a file it did not make. Choose another folder")
        }
        return url
    }

    /// True for an empty folder, one holding a record LabBook wrote, or one holding only LabBook's
    /// hidden working files (its cache, a staging folder of an older version).
    public static func isLabBooks(_ folder: URL) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return false }
        if names.isEmpty { return true }
        for name in [recordFile, failedRecordFile] where isLabBookRecord(folder.appendingPathComponent(name)) {
            return true
        }
        return names.allSatisfy { name in
            name.hasPrefix(".partial-") || (name == cacheFolder && isLabBookCache(folder.appendingPathComponent(name)))
        }
    }

    /// A regular file that is a JSON object carrying `labbook_version`, as every run.json does.
    static func isLabBookRecord(_ url: URL) -> Bool {
        var status = stat()
        guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size < 1 << 30,
              let data = FileManager.default.contents(atPath: url.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["labbook_version"] is String
    }

    /// A real folder (not a link) that LabBook's cache tagged as its own, or an empty one, which holds
    /// nothing to lose (a run killed as it made its cache, before caches were tagged before being
    /// put in place, could leave one).
    public static func isLabBookCache(_ url: URL) -> Bool {
        var status = stat()
        guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { return false }
        if (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.isEmpty == true { return true }
        let tag = url.appendingPathComponent(CacheDirectoryTag.fileName)
        return (try? String(contentsOf: tag, encoding: .utf8))?.hasPrefix(CacheDirectoryTag.signature) == true
    }

    /// The path with the links in it resolved; for a path that does not exist yet, its nearest
    /// existing ancestor's.
    static func resolvingLinks(_ url: URL) -> URL {
        if let resolved = realpath(url.path, nil) {
            defer { free(resolved) }
            return URL(fileURLWithPath: String(cString: resolved))
        }
        let parent = url.deletingLastPathComponent()
        guard parent.path != url.path else { return url }
        return resolvingLinks(parent).appendingPathComponent(url.lastPathComponent)
    }

    /// Takes the run folder for this process: creates it if missing, locks it against other runs,
    /// puts back a folder an interrupted publish left aside and removes what killed runs left.
    public init(claiming url: URL) throws(RunFolderError) {
        self.url = url
        let manager = FileManager.default
        let leftovers = siblings(withPrefix: "labbook-previous-")
        if !manager.fileExists(atPath: url.path), let previous = leftovers.last {
            rename(previous.path, url.path)
        }
        do {
            try manager.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create the run folder \(url.path): \(Self.reason(error))")
        }
        lock = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0 else { throw .io("cannot open the run folder \(url.path): \(Self.lastError())") }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            close(lock)
            lock = -1
            throw .io("another labbook run is writing \(url.path); wait for it to end, or choose another folder with -o")
        }
        for leftover in siblings(withPrefix: "labbook-staging-") + siblings(withPrefix: "labbook-previous-") {
            Self.removeTree(leftover)
        }
        for name in (try? manager.contentsOfDirectory(atPath: url.path)) ?? [] where name.hasPrefix(".partial-") {
            Self.removeTree(url.appendingPathComponent(name))
        }
    }

    deinit {
        if lock >= 0 { close(lock) }
    }

    /// `.<name>.<marker>*` beside the run folder, oldest name first.
    private func siblings(withPrefix marker: String) -> [URL] {
        let parent = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent).\(marker)"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted().map { parent.appendingPathComponent($0) }
    }

    private func sibling(_ marker: String) -> URL {
        let id = UUID().uuidString.prefix(8).lowercased()
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(marker)\(id)")
    }

    /// A new, empty staging folder beside the run folder, on the same file system.
    public func makeStaging() throws(RunFolderError) -> URL {
        let staging = sibling("labbook-staging-")
        guard mkdir(staging.path, 0o777) == 0 else {
            throw .io("cannot create a staging folder beside \(url.path): \(Self.lastError())")
        }
        return staging
    }

    /// Removes a staging folder that will not be published.
    public func discard(_ staging: URL) {
        Self.removeTree(staging)
    }

    /// Makes the complete run in `staging` the run folder, in one step, keeping what the user put
    /// in the folder; the previous run's files go with the staging folder.
    public func publish(_ staging: URL) throws(RunFolderError) {
        // The user's files are kept by hard links into the new folder, so until the swap they stay
        // where they are, and a kill at any moment loses none of them.
        try Self.carryOver("", from: url, to: staging, made: Self.filesLabBookMade(in: url))
        var folderStatus = stat()
        if lstat(url.path, &folderStatus) == 0 { chmod(staging.path, folderStatus.st_mode & 0o7777) }
        if labbook_exchange_paths(staging.path, url.path) == 0 {
            Self.removeTree(staging)
            return
        }
        guard errno == EINVAL || errno == ENOSYS else {
            throw .io("cannot move the new run into \(url.path): \(Self.lastError())")
        }
        let previous = sibling("labbook-previous-")
        guard rename(url.path, previous.path) == 0 else {
            throw .io("cannot move the previous run aside in \(url.deletingLastPathComponent().path): \(Self.lastError())")
        }
        guard rename(staging.path, url.path) == 0 else {
            let reason = Self.lastError()
            rename(previous.path, url.path)
            throw .io("cannot move the new run into \(url.path): \(reason)")
        }
        Self.removeTree(previous)
    }

    /// Keeps a failed run's record, partial report and TensorBoard logs beside the last good run, as
    /// `run.failed.json`, `report.failed.html` and `logs.failed/` (TensorBoard shows its curves up to
    /// the failure, and its HParams session as failed), and removes the staging folder. The next
    /// run that succeeds removes all three.
    public func setAsideFailure(_ staging: URL) throws(RunFolderError) {
        defer { Self.removeTree(staging) }
        for (from, to) in [(Self.recordFile, Self.failedRecordFile), (Self.reportFile, Self.failedReportFile)] {
            guard rename(staging.appendingPathComponent(from).path, url.appendingPathComponent(to).path) == 0 else {
                throw .io("cannot write \(url.appendingPathComponent(to).path): \(Self.lastError())")
            }
        }
        let logs = staging.appendingPathComponent(Self.logsFolder), failedLogs = url.appendingPathComponent(Self.failedLogsFolder)
        Self.removeTree(failedLogs)
        if FileManager.default.fileExists(atPath: logs.path), rename(logs.path, failedLogs.path) != 0 {
            throw .io("cannot write \(failedLogs.path): \(Self.lastError())")
        }
    }

    /// The paths in a run folder that LabBook wrote, relative to it, as its record tells: the fixed
    /// files and each file the run listed (checkpoints and event files included), plus the event
    /// files and staging folders of versions before run folders had `logs/`. Anything else is the
    /// user's.
    static func filesLabBookMade(in folder: URL) -> Set<String> {
        var paths: Set<String> = [recordFile, reportFile, notebookCopy, failedRecordFile, failedReportFile, failedLogsFolder]
        // Read loosely: a record of any LabBook version lists its files under these keys.
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(recordFile).path),
           let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for key in ["checkpoints", "files"] {
                for file in record[key] as? [[String: Any]] ?? [] {
                    if let path = file["path"] as? String { paths.insert(path) }
                }
            }
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        paths.formUnion(present.filter { $0.hasPrefix("events.out.tfevents.") || $0.hasPrefix(".partial-") })
        return paths
    }

    /// Links everything below `source` that LabBook did not make into the same place below
    /// `target`, making folders as needed. A folder that held only LabBook's files is not made again.
    static func carryOver(_ relative: String, from source: URL, to target: URL, made: Set<String>) throws(RunFolderError) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: source.path)) ?? []
        for name in names.sorted() {
            let path = relative.isEmpty ? name : relative + "/" + name
            guard !made.contains(path) else { continue }
            let from = source.appendingPathComponent(name), to = target.appendingPathComponent(name)
            var status = stat(), existing = stat()
            guard lstat(from.path, &status) == 0 else { continue }
            let targetExists = lstat(to.path, &existing) == 0
            guard status.st_mode & S_IFMT == S_IFDIR else {
                guard !targetExists else {
                    throw .io("\(from.path) was not written by LabBook, and this run writes a file of the same name; "
                              + "move it away and run again")
                }
                try link(from, to: to)
                continue
            }
            if targetExists {
                guard existing.st_mode & S_IFMT == S_IFDIR else {
                    throw .io("\(from.path) was not made by LabBook, and this run writes a file of the same name; "
                              + "move it away and run again")
                }
                try carryOver(path, from: from, to: to, made: made)
            } else {
                guard mkdir(to.path, status.st_mode & 0o7777) == 0 else {
                    throw .io("cannot keep \(from.path) in the new run: \(lastError())")
                }
                try carryOver(path, from: from, to: to, made: made)
                // A folder of LabBook's files only (an old network's logs) goes with the old run; a
                // folder of the user's, empty or not, stays.
                let heldLabBooks = made.contains { $0.hasPrefix(path + "/") }
                if heldLabBooks, ((try? FileManager.default.contentsOfDirectory(atPath: to.path)) ?? []).isEmpty {
                    rmdir(to.path)
                }
            }
        }
    }

    /// Hard-links `source` (a link itself, not what it points to) at `target`.
    static func link(_ source: URL, to target: URL) throws(RunFolderError) {
        guard Glibc.link(source.path, target.path) == 0 else {
            throw .io("cannot keep \(source.path) in the new run: \(lastError())")
        }
    }

    /// Deletes a tree without following any link in it.
    static func removeTree(_ url: URL) {
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return }
        if status.st_mode & S_IFMT == S_IFDIR {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] {
                removeTree(url.appendingPathComponent(name))
            }
            rmdir(url.path)
        } else {
            unlink(url.path)
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }

    static func reason(_ error: Error) -> String {
        ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription
            ?? (error as NSError).localizedFailureReason ?? "\(error)"
    }
}

/// The Cache Directory Tagging convention (bford.info/cachedir): backup tools skip a folder holding
/// this file, and LabBook recognises its own cache by it.
public enum CacheDirectoryTag {
    public static let fileName = "CACHEDIR.TAG"
    public static let signature = "Signature: 8a477f597d28d172789f06886806bc55"
    static let text = signature + "\n# This file is a cache directory tag created by LabBook.\n"

    static func write(into folder: URL) {
        let url = folder.appendingPathComponent(fileName)
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        try? Data(text.utf8).write(to: url, options: .atomic)
    }
}
