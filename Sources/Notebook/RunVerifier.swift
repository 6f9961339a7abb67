import FileFormats
import Foundation
import NeuralNet

/// Re-executes a recorded run and compares it with the record: every checkpoint's SHA-256 and every
/// block's metrics (timings aside). The proof that a run is reproducible.
public struct RunVerifier {
    /// One thing that came out differently.
    public struct Difference: Sendable, Equatable {
        /// A checkpoint file or `line N {directive}`.
        public var what: String
        public var detail: String
    }

    public struct Outcome: Sendable {
        public var differences: [Difference]
        /// Ways this machine differs from the one that made the record, which can explain differences.
        public var environmentNotes: [String]
        public var checkpointsCompared: Int
        public var blocksCompared: Int
        public var seconds: Double
        public var isBitIdentical: Bool { differences.isEmpty }
    }

    public let runFolder: URL
    public let record: RunRecord

    public init(runFolder: URL) throws {
        self.runFolder = runFolder
        record = try RunRecordFile.read(from: runFolder.appendingPathComponent("run.json"))
    }

    /// Re-runs the notebook copy with the recorded parameters into `scratch` and compares.
    public func verify(scratch: URL, notebookText: String) throws -> Outcome {
        let started = Date()
        let overrides = record.params.keys.sorted().map { "\($0)=\(record.params[$0]!.text)" }
        let plan = try NotebookPlan.make(bytes: Array(notebookText.utf8), path: record.notebook, overrides: overrides)
        // A data-parallel run's bits depend on its slices alone, so one process re-runs it.
        let rerun = NotebookRunner(plan: plan, runFolder: scratch,
                                   notebookFolder: record.notebookDirectory.map { URL(fileURLWithPath: $0) },
                                   dataParallel: record.dataParallel.map {
                                       DataParallelism(group: SingleRank(), slices: $0.slices, threads: 2)
                                   }).run()

        var differences = filesOnDisk()
        if let error = rerun.error { differences.append(Difference(what: "run", detail: "the re-run failed: \(error)")) }
        let newCheckpoints = Dictionary((rerun.checkpoints ?? []).map { ($0.path, $0.sha256) }, uniquingKeysWith: { _, b in b })
        for checkpoint in record.checkpoints ?? [] {
            guard let newHash = newCheckpoints[checkpoint.path] else {
                differences.append(Difference(what: checkpoint.path, detail: "not written by the re-run"))
                continue
            }
            if newHash != checkpoint.sha256 {
                differences.append(Difference(what: checkpoint.path, detail: Self.tensorDifferences(
                    runFolder.appendingPathComponent(checkpoint.path), scratch.appendingPathComponent(checkpoint.path))))
            }
        }
        for (old, new) in zip(record.blocks, rerun.blocks) {
            let label = "line \(old.line) {\(old.directive.rawValue)}"
            if old.status != new.status && !(old.status == .cached && new.status == .ok) {
                differences.append(Difference(what: label, detail: "status \(old.status.rawValue) became \(new.status.rawValue)"))
            }
            let changed = Self.changedFields(old.metrics, new.metrics)
            if !changed.isEmpty {
                differences.append(Difference(what: label, detail: "metrics differ: " + changed.joined(separator: ", ")))
            }
        }
        differences += eventFiles(rerunIn: scratch)
        if (record.dataFiles ?? []).map(\.sha256) != (rerun.dataFiles ?? []).map(\.sha256) {
            differences.append(Difference(what: "data", detail: "the data files read differ in content from the recorded ones"))
        }
        if record.blocks.count != rerun.blocks.count {
            differences.append(Difference(what: "run", detail: "\(record.blocks.count) blocks recorded, \(rerun.blocks.count) re-run"))
        }
        return Outcome(differences: differences, environmentNotes: environmentNotes(rerun),
                       checkpointsCompared: record.checkpoints?.count ?? 0, blocksCompared: record.blocks.count,
                       seconds: Date().timeIntervalSince(started))
    }

    /// The run folder's files against the SHA-256s run.json lists: a file missing, changed or
    /// swapped for another run's, and a checkpoint or event file the run did not write, each differ.
    func filesOnDisk() -> [Difference] {
        let recorded = record.files ?? record.checkpoints ?? []
        var differences: [Difference] = []
        for file in recorded {
            let url = runFolder.appendingPathComponent(file.path)
            guard FileManager.default.fileExists(atPath: url.path) else {
                differences.append(Difference(what: file.path, detail: "missing from the run folder"))
                continue
            }
            if SHA256Hex.ofFile(url.path) != file.sha256 {
                differences.append(Difference(what: file.path, detail: "is not the file this run wrote "
                                              + "(its SHA-256 differs from the one in run.json)"))
            }
        }
        let listed = Set(recorded.map(\.path))
        for path in RunFiles.paths(in: runFolder) where !listed.contains(path) && Self.isLabBookOutput(path) {
            differences.append(Difference(what: path, detail: "was not written by this run (run.json does not list it)"))
        }
        return differences
    }

    /// Whether a file in a run folder is of a kind a run writes (a checkpoint, an event file), so an
    /// unlisted one is out of place; the user's own files are not.
    static func isLabBookOutput(_ path: String) -> Bool {
        path.hasSuffix(".safetensors") || (path as NSString).lastPathComponent.hasPrefix("events.out.tfevents.")
    }

    /// Each recorded TensorBoard event file against the one the re-run wrote in the same folder,
    /// event by event with wall-clock times left out (they say when a run happened, not what it
    /// computed).
    func eventFiles(rerunIn scratch: URL) -> [Difference] {
        let recorded = (record.files ?? []).filter { $0.path.hasPrefix(OwnedRunFolder.logsFolder + "/") }
        let rerunFiles = RunFiles.paths(in: scratch).filter { $0.hasPrefix(OwnedRunFolder.logsFolder + "/") }
        var differences: [Difference] = []
        for file in recorded {
            let folder = (file.path as NSString).deletingLastPathComponent
            guard let rerunPath = rerunFiles.first(where: { ($0 as NSString).deletingLastPathComponent == folder }) else {
                differences.append(Difference(what: file.path, detail: "the re-run wrote no event file in \(folder)/"))
                continue
            }
            let old = EventFileRecords.read(runFolder.appendingPathComponent(file.path))
            let new = EventFileRecords.read(scratch.appendingPathComponent(rerunPath))
            guard let old, let new else {
                if old == nil && FileManager.default.fileExists(atPath: runFolder.appendingPathComponent(file.path).path) {
                    differences.append(Difference(what: file.path, detail: "is not a whole TensorBoard event file"))
                }
                continue
            }
            if old != new {
                let first = zip(old, new).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(old.count, new.count)
                differences.append(Difference(what: file.path, detail: "\(old.count) events recorded, \(new.count) re-run; "
                                              + "they differ from event \(first + 1) on"))
            }
        }
        let recordedFolders = Set(recorded.map { ($0.path as NSString).deletingLastPathComponent })
        for path in rerunFiles where !recordedFolders.contains((path as NSString).deletingLastPathComponent) {
            differences.append(Difference(what: path, detail: "the re-run wrote this event file; the run folder has none there"))
        }
        return differences
    }

    func environmentNotes(_ rerun: RunRecord) -> [String] {
        var notes: [String] = []
        if let old = record.machine, let new = rerun.machine, old != new {
            notes.append("recorded on \(old.hostname) (\(old.cpu)), re-run on \(new.hostname) (\(new.cpu))")
        }
        if record.blas.core != rerun.blas.core {
            notes.append("OpenBLAS used its \(record.blas.core) kernels then and \(rerun.blas.core) now")
        }
        if record.blas.threads != rerun.blas.threads {
            func threads(_ count: Int) -> String { count == 1 ? "1 thread" : "\(count) threads" }
            notes.append("OpenBLAS had \(threads(record.blas.threads)) then and \(threads(rerun.blas.threads)) now")
        }
        if let parallel = record.dataParallel, parallel.ranks > 1 {
            notes.append("trained on \(parallel.ranks) ranks then, re-run in one process computing all \(parallel.slices) slices")
        }
        if record.labbookVersion != rerun.labbookVersion {
            notes.append("recorded by LabBook \(record.labbookVersion), re-run by \(rerun.labbookVersion)")
        }
        return notes
    }

    /// The top-level metric fields whose values differ, timings aside, each with its recorded and
    /// re-run values (shortened).
    static func changedFields(_ old: BlockMetrics?, _ new: BlockMetrics?) -> [String] {
        let a = fields(old), b = fields(new)
        func short(_ text: String?) -> String {
            guard let text else { return "nothing" }
            return text.count > 60 ? text.prefix(57) + "..." : text
        }
        return Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
            .map { "\($0) (recorded \(short(a[$0])), now \(short(b[$0])))" }
    }

    /// Fields that may rightly differ between runs: timings, how many threads shared each batch (one
    /// core and two give the same bits, so a run made on one verifies on two), and where data files
    /// were found (their contents are compared by hash instead).
    static let ignoredFields: Set<String> = ["seconds", "steps_per_second", "shards", "files"]

    /// A block's metrics as JSON text per field, without the fields that measure time.
    static func fields(_ metrics: BlockMetrics?) -> [String: String] {
        guard let metrics else { return [:] }
        let record = BlockRecord(directive: .data, line: 0, status: .ok, metrics: metrics)
        guard let data = try? RunRecordFile.encoder().encode(record),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let fields = object["metrics"] as? [String: Any] else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in fields where !ignoredFields.contains(key) {
            let text = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                .map { String(decoding: $0, as: UTF8.self) }
            result[key] = text ?? "\(value)"
        }
        return result
    }

    /// Which tensors of two checkpoints differ, with the largest relative difference of each.
    static func tensorDifferences(_ old: URL, _ new: URL) -> String {
        guard let oldData = FileManager.default.contents(atPath: old.path),
              let newData = FileManager.default.contents(atPath: new.path),
              let a = try? Safetensors.decode([UInt8](oldData)), let b = try? Safetensors.decode([UInt8](newData)) else {
            return "SHA-256 differs (the recorded file is missing or unreadable)"
        }
        var parts: [String] = []
        for name in Set(a.names).union(b.names).sorted() {
            guard let x = try? a.float32(name), let y = try? b.float32(name) else {
                if (try? a.data(name)) != (try? b.data(name)) { parts.append("\(name) differs") }
                continue
            }
            guard x.count == y.count else {
                parts.append("\(name) has \(x.count) values, now \(y.count)")
                continue
            }
            var largest: Float = 0
            for (p, q) in zip(x, y) where p != q {
                largest = max(largest, abs(p - q) / max(abs(p), abs(q), Float.leastNormalMagnitude))
            }
            if largest > 0 { parts.append("\(name) max relative difference \(largest)") }
        }
        return parts.isEmpty ? "SHA-256 differs (metadata only)" : parts.joined(separator: "; ")
    }
}
