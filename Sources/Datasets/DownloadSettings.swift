import Foundation

/// What the environment says about downloading datasets:
/// - `LABBOOK_OFFLINE=1` never downloads (the error then only says where the data was looked for);
/// - `LABBOOK_DATA_MIRROR=URL` fetches every file from `URL/<dataset>/<file name>` instead of its
///   official source, with the official checksums (for machines behind a mirror or proxy cache);
/// - `LABBOOK_DATA_MANIFEST=FILE` names a JSON manifest of URLs and checksums that replaces the
///   built-in ones for the datasets it lists (for mirrors that hold files of their own).
public struct DownloadSettings: Sendable {
    public var offline: Bool
    public var mirror: String?
    public var manifestPath: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let offlineValue = environment["LABBOOK_OFFLINE"] ?? ""
        offline = !offlineValue.isEmpty && offlineValue != "0"
        mirror = environment["LABBOOK_DATA_MIRROR"].flatMap { $0.isEmpty ? nil : $0 }
        manifestPath = environment["LABBOOK_DATA_MANIFEST"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Where `kind` is downloaded from: the manifest's entry, else the official source (from the
    /// mirror when one is set); nil for the generated spiral.
    public func source(for kind: DatasetKind) throws -> DatasetSource? {
        if let manifestPath, let source = try SourceManifest.read(manifestPath).source(for: kind) {
            return source
        }
        guard let official = DatasetSource.official(kind) else { return nil }
        guard let mirror else { return official }
        guard let base = URL(string: mirror), ["http", "https"].contains(base.scheme?.lowercased() ?? ""),
              base.host != nil else {
            throw SourceManifestError("LABBOOK_DATA_MIRROR '\(mirror)' is not an http:// or https:// URL")
        }
        return official.mirrored(at: base)
    }
}
