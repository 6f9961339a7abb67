import FileFormats
import Foundation
import NeuralNet

/// The cache of executed blocks that makes reruns cheap and is never stale.
///
/// Each block's key hashes the LabBook version, the key of the block before it (the first block's
/// predecessor is the notebook's seed), the block's directive after parameter substitution (so
/// comments and formatting do not matter, but every value does), and the SHA-256 of every file the
/// block reads: a {data} block's data files, a {restore} block's checkpoint. Change a parameter, a
/// data file, a restored checkpoint or any directive and every key from there on changes, so exactly
/// the blocks after the change run again; edit only prose and no key changes at all.
///
/// Files are keyed by their contents. A file's SHA-256 is remembered in `file-hashes.json` with
/// what `stat` says of it (after following links): size, modification and status-change times,
/// inode and device, and is reused only while all of them match. `touch` can restore a modification
/// time, but no user can set the status-change time back, and editing a file always moves it.
/// Each remembered hash carries a checksum, so a damaged index entry is hashed again, never trusted.
///
/// An entry holds the block's record, the files it wrote (kept by content, so they can be put back),
/// change the model (network, train, restore), a checkpoint of the state after it. Entries carry
/// a checksum; an entry that does not verify, or whose files have changed, is recomputed, never
/// trusted.
final class BlockCache {
    let folder: URL
    private var fileHashes: [String: FileFingerprint]
    private var fileHashesChanged = false

    struct FileFingerprint: Codable, Hashable {
        var size: Int64
        var modifiedNanoseconds: Int64
        var changedNanoseconds: Int64
        var inode: UInt64
        var device: UInt64
        var sha256: String
        var checksum: String

        /// What `stat` says of `path` now (following links), if it is a regular file.
        init?(path: String) {
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
            size = Int64(status.st_size)
            modifiedNanoseconds = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
            changedNanoseconds = Int64(status.st_ctim.tv_sec) * 1_000_000_000 + Int64(status.st_ctim.tv_nsec)
            inode = UInt64(status.st_ino)
            device = UInt64(status.st_dev)
            sha256 = ""
            checksum = ""
        }

        func sameFile(as other: FileFingerprint) -> Bool {
            size == other.size && modifiedNanoseconds == other.modifiedNanoseconds
                && changedNanoseconds == other.changedNanoseconds && inode == other.inode && device == other.device
        }

        func expectedChecksum(path: String) -> String {
            SHA256Hex.of("\(path)\n\(size) \(modifiedNanoseconds) \(changedNanoseconds) \(inode) \(device) \(sha256)".utf8)
        }
    }

    /// What the model looked like after a block, when the block changed it.
    enum ModelState: String, Codable {
        /// A freshly built network, not trained yet.
        case network
        /// A network in training: optimizer state and batch order continue in the next {train}.
        case training
        /// A restored checkpoint, whose optimizer state a following {train} with the same settings continues.
        case restored
    }

    struct Entry: Codable {
        var record: BlockRecord
        /// Files the block wrote into the run folder.
        var outputs: [FileHash]
        /// Data files the block read.
        var dataFiles: [FileHash]
        /// The TensorBoard events the block wrote, as framed records.
        var events: Data?
        var modelState: ModelState?
        /// SHA-256 of the stored state checkpoint, when there is one.
        var stateSha256: String?
        var checksum: String
    }

    init(folder: URL) {
        self.folder = folder
        let index = folder.appendingPathComponent("file-hashes.json")
        fileHashes = (try? JSONDecoder().decode([String: FileFingerprint].self, from: Data(contentsOf: index))) ?? [:]
    }

    // MARK: - Keys

    static func firstKey(seed: UInt64) -> String {
        SHA256Hex.of("labbook \(LabBookVersion.current)\nseed \(seed)".utf8)
    }

    /// - inputs: every file the block reads, by the path it reads it at.
    /// - hash: a file's SHA-256 (the cache's remembered hashes, or hashing it), nil when unreadable.
    static func key(previous: String, block: PlannedBlock, inputs: [String], hash: (String) -> String?) -> String {
        var text = "labbook \(LabBookVersion.current)\nafter \(previous)\n{\(block.directive.kind.rawValue)}\n"
        text += block.resolvedBody.map(Self.canonical) ?? "-"
        for file in inputs { text += "\n\(file) \(hash(file) ?? "unreadable")" }
        return SHA256Hex.of(text.utf8)
    }

    /// The node as text that depends only on its values: mapping keys sorted, scalars typed.
    static func canonical(_ node: YAMLNode) -> String {
        switch node {
        case .scalar(let value, _):
            return "\(value.typeName):\(value)".debugDescription
        case .sequence(let items, _):
            return "[" + items.map(canonical).joined(separator: ",") + "]"
        case .mapping(let pairs, _):
            return "{" + pairs.sorted { $0.key < $1.key }.map { "\($0.key.debugDescription):\(canonical($0.value))" }
                .joined(separator: ",") + "}"
        }
    }

    /// A regular file's SHA-256 (following links), remembered while its `stat` fingerprint stays
    /// the same so unchanged data is hashed once; nil when it is missing or not a regular file.
    func hash(of path: String) -> String? {
        guard var now = FileFingerprint(path: path) else { return nil }
        if let known = fileHashes[path], known.sameFile(as: now), known.checksum == known.expectedChecksum(path: path),
           known.sha256.count == 64 {
            return known.sha256
        }
        guard let sha256 = SHA256Hex.ofFile(path) else { return nil }
        now.sha256 = sha256
        now.checksum = now.expectedChecksum(path: path)
        // A file that changed while it was hashed is hashed again next time.
        if let after = FileFingerprint(path: path), after.sameFile(as: now) {
            fileHashes[path] = now
            fileHashesChanged = true
        }
        return sha256
    }

    // MARK: - Entries

    private func entryURL(_ key: String) -> URL { folder.appendingPathComponent("\(key).json") }
    func stateURL(_ key: String) -> URL { folder.appendingPathComponent("\(key).state.safetensors") }

    private func blobURL(_ sha256: String) -> URL { folder.appendingPathComponent("\(sha256).blob") }

    /// The entry for `key` if it is present and intact, with every file it wrote put back into
    /// `runFolder` as it wrote it (a later block may have overwritten one, or a user removed it).
    func entry(_ key: String, runFolder: URL) -> Entry? {
        guard let data = try? Data(contentsOf: entryURL(key)),
              let entry = try? JSONDecoder().decode(Entry.self, from: data),
              entry.checksum == Self.checksum(entry, key: key) else { return nil }
        for output in entry.outputs {
            let target = runFolder.appendingPathComponent(output.path)
            if SHA256Hex.ofFile(target.path) == output.sha256 { continue }
            guard let blob = try? Data(contentsOf: blobURL(output.sha256)), SHA256Hex.of(blob) == output.sha256,
                  (try? blob.write(to: target, options: .atomic)) != nil else { return nil }
        }
        if let stateSha256 = entry.stateSha256, SHA256Hex.ofFile(stateURL(key).path) != stateSha256 {
            return nil
        }
        return entry
    }

    /// Stores a block's outcome; `state`, when the block changed the model, is a checkpoint of it.
    func store(_ key: String, record: BlockRecord, outputs: [FileHash], runFolder: URL, dataFiles: [FileHash],
               events: [UInt8], modelState: ModelState?, state: [UInt8]?) {
        do {
            try prepareFolder()
            if let state { try Data(state).write(to: stateURL(key), options: .atomic) }
            for output in outputs where !FileManager.default.fileExists(atPath: blobURL(output.sha256).path) {
                try Data(contentsOf: runFolder.appendingPathComponent(output.path))
                    .write(to: blobURL(output.sha256), options: .atomic)
            }
            var entry = Entry(record: record, outputs: outputs, dataFiles: dataFiles,
                              events: events.isEmpty ? nil : Data(events), modelState: modelState,
                              stateSha256: state.map { SHA256Hex.of($0) }, checksum: "")
            entry.checksum = Self.checksum(entry, key: key)
            try JSONEncoder().encode(entry).write(to: entryURL(key), options: .atomic)
        } catch {
            // A cache that can not be written only costs time on the next run.
        }
    }

    /// The state checkpoint stored for `key`.
    func state(_ key: String) -> Checkpoint? {
        guard let data = try? Data(contentsOf: stateURL(key)) else { return nil }
        return try? Checkpoint.decode([UInt8](data))
    }

    func saveFileHashes() {
        guard fileHashesChanged else { return }
        try? prepareFolder()
        if let data = try? JSONEncoder().encode(fileHashes) {
            try? data.write(to: folder.appendingPathComponent("file-hashes.json"), options: .atomic)
        }
    }

    /// Creates the cache folder, tagged as LabBook's cache (so a later run knows it may write there).
    /// A new one is made and tagged under a temporary name, then renamed into place: a run killed
    /// between making the folder and tagging it would leave an untagged folder the next run must
    /// refuse, as it refuses any folder it does not know to be LabBook's.
    private func prepareFolder() throws {
        if !FileManager.default.fileExists(atPath: folder.path) {
            let parent = folder.deletingLastPathComponent()
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            let partial = parent.appendingPathComponent(".partial-cache-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: false)
            CacheDirectoryTag.write(into: partial)
            // Fails when another run made the folder meanwhile; that one is used.
            if rename(partial.path, folder.path) != 0 { try? FileManager.default.removeItem(at: partial) }
        }
        CacheDirectoryTag.write(into: folder)
    }

    static func checksum(_ entry: Entry, key: String) -> String {
        var unsigned = entry
        unsigned.checksum = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = (try? encoder.encode(unsigned)) ?? Data()
        return SHA256Hex.of(Array(key.utf8) + Array(body))
    }
}
