import Foundation

/// The files of a run folder as run.json lists them: every file below the folder by its path
/// relative to it, sorted, without hidden entries (the cache, staging folders) or links.
public enum RunFiles {
    public static func paths(in folder: URL, excluding excluded: Set<String> = []) -> [String] {
        var paths: [String] = []
        func walk(_ url: URL, _ prefix: String) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let relative = prefix + name
                var status = stat()
                guard !excluded.contains(relative), lstat(url.appendingPathComponent(name).path, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR: walk(url.appendingPathComponent(name), relative + "/")
                case S_IFREG: paths.append(relative)
                default: break
                }
            }
        }
        walk(folder, "")
        return paths.sorted()
    }

    /// Every file's SHA-256, as `paths(in:excluding:)` lists them.
    public static func hashes(in folder: URL, excluding excluded: Set<String> = []) throws -> [FileHash] {
        try paths(in: folder, excluding: excluded).map { path in
            guard let sha256 = SHA256Hex.ofFile(folder.appendingPathComponent(path).path) else {
                throw RunFolderError.io("cannot read \(folder.appendingPathComponent(path).path) back to hash it")
            }
            return FileHash(path: path, sha256: sha256)
        }
    }
}
