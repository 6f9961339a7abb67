import Foundation

/// Extracts tar archives as the dataset archives are written (ustar and GNU tar headers), accepting
/// only what a dataset needs: regular files and folders. Everything that could write outside the
/// target folder or smuggle in something else is an error: absolute paths, `..` components, links
/// of either kind, devices. Every header's checksum is checked and an archive that ends early is an
/// error, so a damaged archive can not pass for a smaller dataset.
public enum TarArchive {
    static let blockSize = 512
    /// Bounds on metadata records (GNU long names, pax headers), which are read into memory.
    static let metadataLimit = 1 << 20

    /// Extracts the archive read from `source` into `folder` (which must exist) and returns the
    /// relative paths of the files written.
    @discardableResult
    public static func extract(_ source: any ByteSource, into folder: String) throws -> [String] {
        var written: [String] = []
        var longName: String?
        var paxPath: String?
        var paxSize: Int?
        while true {
            let headerOffset = source.offset
            let block = try source.read(upTo: blockSize)
            if block.isEmpty {
                throw DatasetError(path: source.path, "the archive ends without its end-of-archive marker: "
                                   + "it is truncated", offset: headerOffset)
            }
            guard block.count == blockSize else {
                throw DatasetError(path: source.path, "the archive ends inside an entry header: it is truncated",
                                   offset: headerOffset)
            }
            if block.allSatisfy({ $0 == 0 }) { return written }
            let header = try TarHeader(block, archive: source.path, offset: headerOffset)
            switch header.type {
            case UInt8(ascii: "L"):
                longName = nullTerminated(try readMetadata(source, size: header.size, what: "a long file name"))
                continue
            case UInt8(ascii: "x"):
                let records = try parsePax(try readMetadata(source, size: header.size, what: "a pax header"),
                                           archive: source.path, offset: headerOffset)
                paxPath = records["path"]
                paxSize = try records["size"].map { value in
                    guard let size = Int(value), size >= 0 else {
                        throw DatasetError(path: source.path, "a pax header gives the size '\(value)'",
                                           offset: headerOffset)
                    }
                    return size
                }
                continue
            case UInt8(ascii: "g"):
                _ = try readMetadata(source, size: header.size, what: "a global pax header")
                continue
            default:
                break
            }
            let name = paxPath ?? longName ?? header.name
            let size = paxSize ?? header.size
            longName = nil
            paxPath = nil
            paxSize = nil
            let relative = try safeRelativePath(name, archive: source.path, offset: headerOffset)
            let target = folder + "/" + relative
            switch header.type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                try createFolder((target as NSString).deletingLastPathComponent, archive: source.path)
                try copyEntry(source, size: size, to: target)
                written.append(relative)
            case UInt8(ascii: "5"):
                try createFolder(target, archive: source.path)
                try skip(source, bytes: size)
            case UInt8(ascii: "1"), UInt8(ascii: "2"):
                throw DatasetError(path: source.path, "'\(name)' is a link; dataset archives hold only files "
                                   + "and folders", offset: headerOffset)
            default:
                throw DatasetError(path: source.path, "'\(name)' has the unsupported entry type "
                                   + "'\(Character(Unicode.Scalar(header.type)))'; dataset archives hold only files "
                                   + "and folders", offset: headerOffset)
            }
        }
    }

    /// `name` as a path inside the target folder, or an error when it would leave it.
    static func safeRelativePath(_ name: String, archive: String, offset: Int) throws -> String {
        guard !name.isEmpty else { throw DatasetError(path: archive, "an entry has no name", offset: offset) }
        guard !name.hasPrefix("/") else {
            throw DatasetError(path: archive, "'\(name)' is an absolute path", offset: offset)
        }
        let components = name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !components.contains("..") else {
            throw DatasetError(path: archive, "'\(name)' leads out of the folder it is extracted into (..)",
                               offset: offset)
        }
        guard !components.isEmpty else {
            throw DatasetError(path: archive, "'\(name)' names no file", offset: offset)
        }
        return components.joined(separator: "/")
    }

    private static func createFolder(_ path: String, archive: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw DatasetError(path: archive, "cannot create the folder \(path): \(error.localizedDescription)")
        }
    }

    /// Copies the entry's `size` bytes to `target`, then skips the padding to the next block.
    private static func copyEntry(_ source: any ByteSource, size: Int, to target: String) throws {
        guard FileManager.default.createFile(atPath: target, contents: nil),
              let handle = FileHandle(forWritingAtPath: target) else {
            throw DatasetError(path: source.path, "cannot create \(target)")
        }
        defer { try? handle.close() }
        try consume(source, bytes: size, inside: target) { chunk in
            do { try handle.write(contentsOf: chunk) } catch {
                throw DatasetError(path: source.path, "cannot write \(target): \(error.localizedDescription)")
            }
        }
        try skip(source, bytes: padding(after: size))
    }

    private static func readMetadata(_ source: any ByteSource, size: Int, what: String) throws -> [UInt8] {
        guard size <= metadataLimit else {
            throw DatasetError(path: source.path, "\(what) of \(size) bytes is larger than any dataset needs",
                               offset: source.offset)
        }
        let bytes = try source.readExactly(size, of: what)
        try skip(source, bytes: padding(after: size))
        return bytes
    }

    private static func skip(_ source: any ByteSource, bytes: Int) throws {
        try consume(source, bytes: bytes, inside: "an entry") { _ in }
    }

    /// Reads `bytes` bytes in chunks, handing each to `body`; a source that ends first is a truncated
    /// archive, reported as ending inside `what`.
    private static func consume(_ source: any ByteSource, bytes: Int, inside what: String,
                                _ body: ([UInt8]) throws -> Void) throws {
        var remaining = bytes
        while remaining > 0 {
            let start = source.offset
            let chunk = try source.read(upTo: min(remaining, byteSourceChunkSize))
            guard !chunk.isEmpty else {
                throw DatasetError(path: source.path, "the archive ends inside \(what): it is truncated", offset: start)
            }
            try body(chunk)
            remaining -= chunk.count
        }
    }

    static func padding(after size: Int) -> Int { (blockSize - size % blockSize) % blockSize }

    /// Pax records: "LENGTH KEY=VALUE\n", LENGTH counting the whole record.
    private static func parsePax(_ bytes: [UInt8], archive: String, offset: Int) throws -> [String: String] {
        var records: [String: String] = [:]
        var index = 0
        while index < bytes.count {
            guard let space = bytes[index...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: bytes[index..<space], as: UTF8.self)),
                  length > space - index, index + length <= bytes.count, bytes[index + length - 1] == 0x0a,
                  let equals = bytes[(space + 1)..<(index + length)].firstIndex(of: UInt8(ascii: "=")) else {
                throw DatasetError(path: archive, "a pax header is malformed", offset: offset)
            }
            let key = String(decoding: bytes[(space + 1)..<equals], as: UTF8.self)
            records[key] = String(decoding: bytes[(equals + 1)..<(index + length - 1)], as: UTF8.self)
            index += length
        }
        return records
    }

    static func nullTerminated(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// One 512-byte tar header, checked.
struct TarHeader {
    var name: String
    var size: Int
    var type: UInt8
}

extension TarHeader {
    init(_ block: [UInt8], archive: String, offset: Int) throws {
        let magic = Array(block[257..<263])
        let isUstar = magic == Array("ustar\0".utf8)
        let isGNU = magic == Array("ustar ".utf8)
        guard isUstar || isGNU else {
            throw DatasetError(path: archive, "not a tar archive: a header lacks the ustar magic", offset: offset)
        }
        guard let stored = Self.number(block[148..<156]) else {
            throw DatasetError(path: archive, "a header's checksum field is not a number", offset: offset)
        }
        // The checksum is the byte sum with its own field counted as spaces; old tars summed signed bytes.
        var unsigned = 0, signed = 0
        for (index, byte) in block.enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        guard stored == unsigned || stored == signed else {
            throw DatasetError(path: archive, "a header's checksum is wrong (stored \(stored), computed \(unsigned)): "
                               + "the archive is damaged", offset: offset)
        }
        guard let size = Self.number(block[124..<136]) else {
            throw DatasetError(path: archive, "a header's size field is not a number", offset: offset)
        }
        var name = TarArchive.nullTerminated(block[0..<100])
        // Only POSIX ustar has the prefix field; GNU tar uses those bytes for other things.
        let prefix = isUstar ? TarArchive.nullTerminated(block[345..<500]) : ""
        if !prefix.isEmpty { name = prefix + "/" + name }
        self.init(name: name, size: size, type: block[156])
    }

    /// An octal field (NUL- or space-terminated), or GNU's base-256 form for large values.
    static func number(_ field: ArraySlice<UInt8>) -> Int? {
        if let first = field.first, first & 0x80 != 0 {
            guard first == 0x80 else { return nil }  // negative, or too large for any dataset
            var value = 0
            for byte in field.dropFirst() {
                guard value <= Int.max >> 8 else { return nil }
                value = value << 8 | Int(byte)
            }
            return value
        }
        let digits = field.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x37).contains($0) }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self), radix: 8)
    }
}
