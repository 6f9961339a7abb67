import Foundation

/// A manifest that is missing, not JSON, or lists something LabBook can not fetch.
public struct SourceManifestError: Error, Sendable, CustomStringConvertible {
    public var description: String

    init(_ description: String) { self.description = description }
}

/// The JSON file `LABBOOK_DATA_MANIFEST` names: for each dataset it lists, the files to download in
/// place of the official ones, each with its URL and checksum, for example
///
///     {"fashion-mnist": [{"url": "https://mirror.example/fm/train-images-idx3-ubyte.gz",
///                         "md5": "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "bytes": 26421880}, ...]}
///
/// A file's name is the last component of its URL unless `name` gives it; `sha256` may replace `md5`.
/// The files are unpacked as the official ones are: CIFAR-10 as one `.tar.gz`, (Fashion-)MNIST as
/// the four IDX files.
struct SourceManifest {
    private struct Entry: Decodable {
        var url: String
        var name: String?
        var md5: String?
        var sha256: String?
        var bytes: Int64?
    }

    let path: String
    private let entries: [String: [Entry]]

    static func read(_ path: String) throws -> SourceManifest {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw SourceManifestError("LABBOOK_DATA_MANIFEST \(path): cannot read the file")
        }
        do {
            return SourceManifest(path: path, entries: try JSONDecoder().decode([String: [Entry]].self, from: data))
        } catch {
            throw SourceManifestError("LABBOOK_DATA_MANIFEST \(path): expected a JSON object mapping dataset names "
                                      + "to lists of {\"url\", \"md5\" or \"sha256\", \"bytes\"}")
        }
    }

    /// The manifest's source for `kind`, or nil when it does not list it.
    func source(for kind: DatasetKind) throws -> DatasetSource? {
        for name in entries.keys where DatasetKind(rawValue: name) == nil || name == DatasetKind.spiral.rawValue {
            throw failure("'\(name)' is not a dataset that can be downloaded (choose from "
                          + DatasetKind.allCases.filter { $0 != .spiral }.map(\.rawValue).joined(separator: ", ") + ")")
        }
        guard let listed = entries[kind.rawValue], let official = DatasetSource.official(kind) else { return nil }
        let files = try listed.map(file)
        let source = DatasetSource(dataset: kind, files: files, packaging: official.packaging)
        switch official.packaging {
        case .tarGzip:
            guard files.count == 1 else { throw failure("\(kind.rawValue) needs exactly one .tar.gz file") }
        case .files:
            let names = Set(files.map(\.name))
            for required in source.requiredFiles where !names.contains(required) && !names.contains(required + ".gz") {
                throw failure("\(kind.rawValue) lists no \(required).gz")
            }
        }
        return source
    }

    private func file(_ entry: Entry) throws -> DatasetSource.File {
        guard let url = URL(string: entry.url), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
              url.host != nil else {
            throw failure("'\(entry.url)' is not an http:// or https:// URL")
        }
        let name = entry.name ?? url.lastPathComponent
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw failure("'\(name)' is not a plain file name")
        }
        let checksum: Checksum
        switch (entry.md5, entry.sha256) {
        case (let md5?, nil): checksum = .md5(md5)
        case (nil, let sha256?): checksum = .sha256(sha256)
        default: throw failure("\(entry.url) needs one checksum, \"md5\" or \"sha256\"")
        }
        guard checksum.isWellFormed else {
            throw failure("\(entry.url): '\(checksum.hex)' is not a \(checksum.algorithm) digest")
        }
        if let bytes = entry.bytes, bytes < 0 { throw failure("\(entry.url): \"bytes\" is negative") }
        return DatasetSource.File(name: name, url: url, checksum: checksum, bytes: entry.bytes)
    }

    private func failure(_ message: String) -> SourceManifestError {
        SourceManifestError("LABBOOK_DATA_MANIFEST \(path): \(message)")
    }
}
