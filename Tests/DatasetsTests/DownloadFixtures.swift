import Foundation
@testable import Datasets

/// Small datasets shaped like the downloads (a CIFAR-10 `.tar.gz`, four gzip IDX files) and tar
/// archives written entry by entry, good or malicious.
enum DownloadFixtures {
    /// One ustar entry: header and data padded to whole blocks.
    static func tarEntry(_ name: String, _ contents: [UInt8] = [], type: Character = "0",
                         linkName: String = "", prefix: String = "") -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
        }
        put(name, at: 0, width: 100)
        put("0000644", at: 100, width: 8)
        put("0000000", at: 108, width: 8)
        put("0000000", at: 116, width: 8)
        put(String(format: "%011o", contents.count), at: 124, width: 12)
        put("14000000000", at: 136, width: 12)
        put("        ", at: 148, width: 8)
        header[156] = type.asciiValue!
        put(linkName, at: 157, width: 100)
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        put(prefix, at: 345, width: 155)
        let sum = header.reduce(0) { $0 + Int($1) }
        put(String(format: "%06o", sum) + "\0 ", at: 148, width: 8)
        return header + contents + [UInt8](repeating: 0, count: TarArchive.padding(after: contents.count))
    }

    /// A pax extended header giving the next entry's path.
    static func paxPath(_ path: String) -> [UInt8] {
        var record = " path=\(path)\n"
        var length = record.utf8.count
        while "\(length)\(record)".utf8.count != length { length = "\(length)\(record)".utf8.count }
        record = "\(length)\(record)"
        return tarEntry("PaxHeaders/entry", Array(record.utf8), type: "x")
    }

    /// `entries` followed by the end-of-archive marker.
    static func tar(_ entries: [[UInt8]]) -> [UInt8] {
        entries.flatMap { $0 } + [UInt8](repeating: 0, count: 1024)
    }

    /// `recordsPerFile` CIFAR-10 records in each batch file, in a folder `folder`.
    static func cifarArchive(folder: String = "cifar-10-batches-bin", recordsPerFile: Int = 2) -> [UInt8] {
        var entries = [tarEntry(folder + "/", type: "5")]
        for (file, name) in (CIFAR10Binary.trainFiles + [CIFAR10Binary.testFile]).enumerated() {
            var records: [UInt8] = []
            for index in 0..<recordsPerFile {
                records.append(UInt8(index % 10))
                records += [UInt8](repeating: UInt8(file * 10 + index), count: 3072)
            }
            entries.append(tarEntry(folder + "/" + name, records))
        }
        entries.append(tarEntry(folder + "/readme.html", Array("<p>fixture</p>".utf8)))
        return TestFiles.gzip(tar(entries))
    }

    /// An IDX file: big-endian dimensions after the magic, then bytes.
    static func idx(_ dimensions: [Int], _ values: [UInt8]) -> [UInt8] {
        [0, 0, 0x08, UInt8(dimensions.count)]
            + dimensions.flatMap { size in (0..<4).reversed().map { UInt8(truncatingIfNeeded: size >> ($0 * 8)) } }
            + values
    }

    /// The four gzip IDX files of a tiny MNIST: 3 training and 2 test images of 4x4 pixels.
    static func mnistFiles() -> [(name: String, bytes: [UInt8])] {
        [
            (MNIST.trainImagesFile + ".gz", TestFiles.gzip(idx([3, 4, 4], TestFiles.pattern(count: 48)))),
            (MNIST.trainLabelsFile + ".gz", TestFiles.gzip(idx([3], [1, 7, 3]))),
            (MNIST.testImagesFile + ".gz", TestFiles.gzip(idx([2, 4, 4], TestFiles.pattern(count: 32, seed: 2)))),
            (MNIST.testLabelsFile + ".gz", TestFiles.gzip(idx([2], [9, 0]))),
        ]
    }

    /// The MD5 of `bytes`, by the hasher downloads use (ChecksumTests pins it to known digests).
    static func md5(_ bytes: [UInt8]) -> String {
        var hasher = Checksum.md5("").makeHasher()
        hasher.update(Data(bytes))
        return hasher.finalize()
    }

    /// A source for `files` as `server` serves them from the folder `dataset`, with their own checksums.
    static func source(_ dataset: DatasetKind, files: [(name: String, bytes: [UInt8])], server: FixtureServer,
                       mode: String = "ok") throws -> DatasetSource {
        for file in files { try server.serve(file.bytes, as: dataset.rawValue + "/" + file.name) }
        guard let official = DatasetSource.official(dataset) else { throw FixtureServerError() }
        return DatasetSource(dataset: dataset, files: files.map {
            DatasetSource.File(name: $0.name, url: server.url(dataset.rawValue + "/" + $0.name, mode: mode),
                               checksum: .md5(md5($0.bytes)), bytes: Int64($0.bytes.count))
        }, packaging: official.packaging)
    }
}
