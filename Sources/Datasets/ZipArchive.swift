import CZlib
import Foundation

/// A zip archive read for its members, as .npz files are written (`np.savez`, `np.savez_compressed`):
/// members stored or deflated, ZIP64 records where Python's zipfile writes them.
///
/// Written by hand over the zlib LabBook already links rather than with ZIPFoundation: ZIPFoundation
/// 0.9.20 brings its own clang module named `CZlib`, and every target that sees it beside LabBook's
/// `CZlib` (Datasets, and the `labbook` executable above it) fails to build with "redefinition of
/// module 'CZlib'". Reading is all .npz needs, which keeps this to the central directory and inflate.
///
/// Nothing is allocated by a claim the file can't back: the central directory must fit between the
/// members and its end record, each member's data must lie before the central directory, a deflated
/// member may declare at most `maximumDeflateRatio` times its compressed size and never more than
/// `maximumMemberSize`, and inflating stops at the declared size. CRC-32s are checked.
final class ZipArchive {
    struct Member {
        var name: String
        /// The name's bytes as stored, to compare with the local header's copy.
        var rawName: [UInt8]
        var flags: UInt16
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    /// More members than any .npz of a dataset has (it holds a handful of arrays); a directory that
    /// claims more is damaged or hostile.
    static let maximumMemberCount = 10_000
    /// The largest member LabBook inflates or copies out: 2 GiB, as `IDX.maximumValueCount`; more
    /// than a dataset LabBook trains on in memory would hold in one array.
    static let maximumMemberSize = 1 << 31
    /// Deflate's best compression: a 258-byte match costs at least two bits, so N compressed bytes
    /// inflate to at most 1032 N. A member declaring more can not be telling the truth.
    static let maximumDeflateRatio = 1032

    static let localHeaderSignature: [UInt8] = [0x50, 0x4b, 0x03, 0x04]
    static let centralHeaderSignature: [UInt8] = [0x50, 0x4b, 0x01, 0x02]
    static let endSignature: [UInt8] = [0x50, 0x4b, 0x05, 0x06]
    static let zip64EndSignature: [UInt8] = [0x50, 0x4b, 0x06, 0x06]
    static let zip64LocatorSignature: [UInt8] = [0x50, 0x4b, 0x06, 0x07]
    static let localHeaderSize = 30
    static let centralHeaderSize = 46
    static let endRecordSize = 22
    static let zip64LocatorSize = 20
    static let zip64EndRecordSize = 56

    let path: String
    /// In the central directory's order.
    let members: [Member]
    private let file: OpenFile
    /// Where the central directory starts: every member's data lies before it.
    private let centralDirectoryOffset: Int

    init(path: String) throws {
        self.path = path
        let file = try OpenFile(path: path)
        self.file = file
        let directory = try Self.locateCentralDirectory(file)
        centralDirectoryOffset = directory.offset
        members = try Self.readCentralDirectory(file, offset: directory.offset, size: directory.size,
                                                count: directory.count)
    }

    /// The member named exactly `name`.
    func member(named name: String) -> Member? {
        members.first { $0.name == name }
    }

    /// The member's uncompressed bytes, checked against its declared size and CRC-32.
    func contents(of member: Member) throws -> [UInt8] {
        func fail(_ message: String, offset: Int? = nil) -> DatasetError {
            DatasetError(path: path, "member \(member.name): \(message)", offset: offset ?? member.localHeaderOffset)
        }
        guard member.flags & 0x41 == 0 else { throw fail("is encrypted, which LabBook does not read") }
        guard member.uncompressedSize <= Self.maximumMemberSize else {
            throw fail("declares \(member.uncompressedSize) bytes, more than the \(Self.maximumMemberSize) "
                       + "LabBook reads from one member")
        }
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw fail("is stored uncompressed but declares \(member.compressedSize) bytes in the archive and "
                           + "\(member.uncompressedSize) bytes of contents")
            }
        case 8:
            let (bound, overflow) = member.compressedSize.multipliedReportingOverflow(by: Self.maximumDeflateRatio)
            guard overflow || member.uncompressedSize <= bound else {
                throw fail("declares \(member.uncompressedSize) bytes from \(member.compressedSize) compressed bytes, "
                           + "more than deflate can produce (\(Self.maximumDeflateRatio) to 1)")
            }
            guard member.compressedSize <= Self.maximumMemberSize else {
                throw fail("has \(member.compressedSize) compressed bytes, more than the \(Self.maximumMemberSize) "
                           + "LabBook reads from one member")
            }
        default:
            throw fail("is compressed with method \(member.method)\(Self.methodNames[member.method].map { " (\($0))" } ?? ""); "
                       + "LabBook reads stored (0) and deflated (8) members, which NumPy writes")
        }
        let dataOffset = try localDataOffset(member)
        let stored = try file.read(member.compressedSize, at: dataOffset, what: "member \(member.name)")
        let contents = member.method == 0
            ? stored : try inflate(stored, declaredSize: member.uncompressedSize, fail: { fail($0, offset: dataOffset) })
        let checksum = contents.withUnsafeBufferPointer { buffer in
            UInt32(crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
        guard checksum == member.crc32 else {
            throw fail("its CRC-32 is \(hex(checksum)), not the \(hex(member.crc32)) the archive records: the "
                       + "member is corrupt", offset: dataOffset)
        }
        return contents
    }

    /// Where the member's data start: after its local header, whose name must match the directory's.
    private func localDataOffset(_ member: Member) throws -> Int {
        let offset = member.localHeaderOffset
        func fail(_ message: String) -> DatasetError {
            DatasetError(path: path, "member \(member.name): \(message)", offset: offset)
        }
        let header = try file.read(Self.localHeaderSize, at: offset, what: "a local file header")
        guard header.starts(with: Self.localHeaderSignature) else {
            throw fail("no local file header where the central directory puts it")
        }
        let nameLength = Int(header.uint16(at: 26))
        let extraLength = Int(header.uint16(at: 28))
        let dataOffset = offset + Self.localHeaderSize + nameLength + extraLength
        guard dataOffset + member.compressedSize <= centralDirectoryOffset else {
            throw fail("its data run past the start of the central directory")
        }
        let name = try file.read(nameLength, at: offset + Self.localHeaderSize, what: "a local file name")
        guard name == member.rawName else {
            throw fail("the local header names it '\(String(decoding: name, as: UTF8.self))'")
        }
        return dataOffset
    }

    /// Inflates raw deflate data into exactly `declaredSize` bytes: one byte of room beyond it tells a
    /// member that inflates to more, which is refused rather than read on.
    private func inflate(
        _ compressed: [UInt8], declaredSize: Int, fail: (String) -> DatasetError
    ) throws -> [UInt8] {
        // zlib keeps a pointer to the stream in its state, so the stream must not move between calls.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard inflateInit2_(stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start inflating")
        }
        defer { inflateEnd(stream) }
        var compressed = compressed
        let room = declaredSize + 1
        var result: (status: Int32, remainingInput: Int, produced: Int) = (Z_OK, 0, 0)
        // Uninitialized capacity: the pages of a size the data do not fill are never touched.
        let output = [UInt8](unsafeUninitializedCapacity: room) { buffer, initialized in
            compressed.withUnsafeMutableBufferPointer { input in
                stream.pointee.next_in = input.baseAddress
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = uInt(room)
                var status = Z_OK
                repeat { status = CZlib.inflate(stream, Z_NO_FLUSH) } while status == Z_OK && stream.pointee.avail_out > 0
                result = (status, Int(stream.pointee.avail_in), room - Int(stream.pointee.avail_out))
            }
            initialized = result.produced
        }
        switch result.status {
        case _ where result.produced > declaredSize:
            throw fail("inflates to more than the \(declaredSize) bytes it declares")
        case Z_STREAM_END where result.produced < declaredSize:
            throw fail("inflates to only \(result.produced) of the \(declaredSize) bytes it declares")
        case Z_STREAM_END where result.remainingInput > 0:
            throw fail("\(result.remainingInput) bytes follow the end of its deflate stream")
        case Z_STREAM_END:
            return output
        case Z_DATA_ERROR, Z_NEED_DICT:
            let reason = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
            throw fail("corrupt deflate data: \(reason)")
        case Z_MEM_ERROR:
            throw fail("zlib ran out of memory")
        case Z_BUF_ERROR, Z_OK:
            throw fail("its deflate stream ends early, after \(result.produced) of \(declaredSize) bytes: it is truncated")
        default:
            throw fail("zlib failed with status \(result.status)")
        }
    }

    /// The central directory's offset, size and entry count, from the end record (and the ZIP64 end
    /// record when a locator precedes it, as Python writes one whenever a field overflows).
    private static func locateCentralDirectory(_ file: OpenFile) throws -> (offset: Int, size: Int, count: Int) {
        let path = file.path
        guard file.size >= endRecordSize else {
            throw DatasetError(path: path, notZipMessage(file, detail: "only \(file.size) bytes"))
        }
        // The end record is the last thing in the file, followed only by a comment of up to 65535 bytes.
        let tailLength = min(file.size, endRecordSize + 0xffff)
        let tailStart = file.size - tailLength
        let tail = try file.read(tailLength, at: tailStart, what: "the end of the archive")
        guard let endIndex = stride(from: tailLength - endRecordSize, through: 0, by: -1).first(where: { index in
            tail[index..<(index + 4)].elementsEqual(endSignature)
                && index + endRecordSize + Int(tail.uint16(at: index + 20)) == tailLength
        }) else {
            throw DatasetError(path: path, notZipMessage(file, detail: "no end-of-central-directory record"))
        }
        let end = Array(tail[endIndex..<(endIndex + endRecordSize)])
        let endOffset = tailStart + endIndex
        guard end.uint16(at: 4) == 0, end.uint16(at: 6) == 0, end.uint16(at: 8) == end.uint16(at: 10) else {
            throw DatasetError(path: path, "the archive spans several disks, which LabBook does not read",
                               offset: endOffset)
        }
        var count = UInt64(end.uint16(at: 10))
        var size = UInt64(end.uint32(at: 12))
        var offset = UInt64(end.uint32(at: 16))
        var directoryEnd = endOffset
        if endOffset >= zip64LocatorSize,
           try file.read(4, at: endOffset - zip64LocatorSize, what: "a ZIP64 locator") == zip64LocatorSignature {
            let locatorOffset = endOffset - zip64LocatorSize
            let locator = try file.read(zip64LocatorSize, at: locatorOffset, what: "the ZIP64 locator")
            let recordOffset = locator.uint64(at: 8)
            guard locator.uint32(at: 4) == 0, locator.uint32(at: 16) == 1 else {
                throw DatasetError(path: path, "the archive spans several disks, which LabBook does not read",
                                   offset: locatorOffset)
            }
            guard locatorOffset >= zip64EndRecordSize, recordOffset <= UInt64(locatorOffset - zip64EndRecordSize) else {
                throw DatasetError(path: path, "the ZIP64 locator points at \(recordOffset), where no ZIP64 end "
                                   + "record fits", offset: locatorOffset)
            }
            let record = try file.read(zip64EndRecordSize, at: Int(recordOffset), what: "the ZIP64 end record")
            guard record.starts(with: zip64EndSignature),
                  record.uint64(at: 4) == UInt64(locatorOffset) - recordOffset - 12 else {
                throw DatasetError(path: path, "no valid ZIP64 end record where the locator points",
                                   offset: Int(recordOffset))
            }
            guard record.uint32(at: 16) == 0, record.uint32(at: 20) == 0,
                  record.uint64(at: 24) == record.uint64(at: 32) else {
                throw DatasetError(path: path, "the archive spans several disks, which LabBook does not read",
                                   offset: Int(recordOffset))
            }
            count = record.uint64(at: 32)
            size = record.uint64(at: 40)
            offset = record.uint64(at: 48)
            directoryEnd = Int(recordOffset)
        }
        guard count <= UInt64(maximumMemberCount) else {
            throw DatasetError(path: path, "the archive claims \(count) members, more than the "
                               + "\(maximumMemberCount) an .npz file may hold", offset: endOffset)
        }
        guard size <= UInt64(directoryEnd), offset == UInt64(directoryEnd) - size,
              size >= count * UInt64(centralHeaderSize) else {
            throw DatasetError(path: path, "the central directory (\(size) bytes at \(offset) for \(count) members) "
                               + "does not end where the end record starts, at \(directoryEnd): the archive is "
                               + "damaged or truncated", offset: endOffset)
        }
        return (Int(offset), Int(size), Int(count))
    }

    /// The members the central directory lists, each checked to lie in the file.
    private static func readCentralDirectory(_ file: OpenFile, offset: Int, size: Int, count: Int) throws -> [Member] {
        let path = file.path
        let directory = try file.read(size, at: offset, what: "the central directory")
        var members: [Member] = []
        var names: Set<String> = []
        var position = 0
        for _ in 0..<count {
            let entryOffset = offset + position
            func fail(_ message: String) -> DatasetError {
                DatasetError(path: path, "central directory entry \(members.count): \(message)", offset: entryOffset)
            }
            guard position + centralHeaderSize <= size,
                  directory[position..<(position + 4)].elementsEqual(centralHeaderSignature) else {
                throw fail("no central directory header where one should be")
            }
            let nameLength = Int(directory.uint16(at: position + 28))
            let extraLength = Int(directory.uint16(at: position + 30))
            let commentLength = Int(directory.uint16(at: position + 32))
            let nameStart = position + centralHeaderSize
            let extraStart = nameStart + nameLength
            let entryEnd = extraStart + extraLength + commentLength
            guard entryEnd <= size else { throw fail("its name and extra fields run past the directory's end") }
            let rawName = Array(directory[nameStart..<extraStart])
            // Python writes UTF-8 names (flag bit 11) or ASCII ones; a legacy code-page name shows with
            // replacement characters, which only affects messages.
            let name = String(decoding: rawName, as: UTF8.self)
            var sizes = Zip64Fields(
                uncompressedSize: UInt64(directory.uint32(at: position + 24)),
                compressedSize: UInt64(directory.uint32(at: position + 20)),
                localHeaderOffset: UInt64(directory.uint32(at: position + 42)),
                diskNumber: UInt32(directory.uint16(at: position + 34)))
            try sizes.resolve(extra: directory[extraStart..<(extraStart + extraLength)], fail: fail)
            guard sizes.diskNumber == 0 else { throw fail("its data are on another disk") }
            guard sizes.localHeaderOffset <= UInt64(offset),
                  sizes.compressedSize <= UInt64(offset) - sizes.localHeaderOffset else {
                throw fail("its data (\(sizes.compressedSize) bytes at \(sizes.localHeaderOffset)) do not lie "
                           + "before the central directory")
            }
            guard names.insert(name).inserted else { throw fail("the name \(name) appears twice") }
            members.append(Member(
                name: name, rawName: rawName, flags: directory.uint16(at: position + 8),
                method: directory.uint16(at: position + 10), crc32: directory.uint32(at: position + 16),
                compressedSize: Int(sizes.compressedSize),
                uncompressedSize: Int(clamping: sizes.uncompressedSize),
                localHeaderOffset: Int(sizes.localHeaderOffset)))
            position = entryEnd
        }
        guard position == size else {
            throw DatasetError(path: path, "\(size - position) bytes follow the \(count) entries of the central "
                               + "directory", offset: offset + position)
        }
        return members
    }

    /// What a file that is not a zip archive is, for the error: a single .npy array is the likely mix-up.
    private static func notZipMessage(_ file: OpenFile, detail: String) -> String {
        let start = (try? file.read(min(file.size, NumPyArray.magic.count), at: 0, what: "the start")) ?? []
        if start == NumPyArray.magic {
            return "not an .npz archive: it is a single .npy array"
        }
        return "not a zip archive (an .npz file): \(detail)"
    }

    static let methodNames: [UInt16: String] = [
        1: "shrink", 6: "implode", 9: "deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "xz",
    ]

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// A central directory entry's sizes and offset, which ZIP64 moves into an extra field when the
/// 32-bit fields hold 0xFFFFFFFF (the disk number, 0xFFFF).
private struct Zip64Fields {
    var uncompressedSize: UInt64
    var compressedSize: UInt64
    var localHeaderOffset: UInt64
    var diskNumber: UInt32

    /// Takes the values the ZIP64 extra field (id 1) holds, in its fixed order, for each field that
    /// says to look there.
    mutating func resolve(extra: ArraySlice<UInt8>, fail: (String) -> DatasetError) throws {
        let extra = Array(extra)
        var zip64: ArraySlice<UInt8>?
        var position = 0
        while position + 4 <= extra.count {
            let id = extra.uint16(at: position)
            let length = Int(extra.uint16(at: position + 2))
            guard position + 4 + length <= extra.count else { throw fail("an extra field runs past its end") }
            if id == 1 { zip64 = extra[(position + 4)..<(position + 4 + length)] }
            position += 4 + length
        }
        let values = Array(zip64 ?? [])
        var next = 0
        func take(_ byteCount: Int) throws -> UInt64 {
            guard next + byteCount <= values.count else {
                throw fail("a size or offset is 0xFFFFFFFF but its ZIP64 extra field lacks the value")
            }
            defer { next += byteCount }
            return byteCount == 8 ? values.uint64(at: next) : UInt64(values.uint32(at: next))
        }
        if uncompressedSize == 0xffff_ffff { uncompressedSize = try take(8) }
        if compressedSize == 0xffff_ffff { compressedSize = try take(8) }
        if localHeaderOffset == 0xffff_ffff { localHeaderOffset = try take(8) }
        if diskNumber == 0xffff { diskNumber = UInt32(try take(4)) }
    }
}

/// An open regular file read at offsets, closed when released.
private final class OpenFile {
    let path: String
    let size: Int
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        let (descriptor, status) = try openRegularFile(path)
        self.descriptor = descriptor
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// Exactly `count` bytes at `offset`; callers check the range against `size` first, so a shorter
    /// read means the file changed while it was read.
    func read(_ count: Int, at offset: Int, what: String) throws -> [UInt8] {
        guard count > 0 else { return [] }
        guard offset >= 0, offset <= size, count <= size - offset else {
            throw DatasetError(path: path, "\(what) (\(count) bytes at \(offset)) lies beyond the end of the "
                               + "\(size)-byte file: the archive is damaged or truncated", offset: offset)
        }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while initialized < count {
                let result = pread(descriptor, buffer.baseAddress! + initialized, count - initialized,
                                   off_t(offset + initialized))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw DatasetError(path: path, "read failed: \(String(cString: strerror(errno)))", offset: offset)
                }
                if result == 0 {
                    throw DatasetError(path: path, "the file ended while \(what) was read: it changed while LabBook "
                                       + "read it", offset: offset + initialized)
                }
                initialized += result
            }
        }
    }
}

/// Little-endian fields of zip records.
extension Array where Element == UInt8 {
    fileprivate func uint16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    fileprivate func uint32(at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * $1) }
    }

    fileprivate func uint64(at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(self[offset + $1]) << (8 * $1) }
    }
}
