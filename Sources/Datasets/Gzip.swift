import CZlib
import Foundation

/// Bytes read front to back from a file, plain or decompressed on the way.
///
/// Readers take a header first and then only as much data as the source actually delivers, so a file
/// that claims a huge size cannot make them allocate by its claim.
public protocol ByteSource: AnyObject {
    /// The file being read, as errors name it.
    var path: String { get }
    /// How many (decompressed) bytes have been delivered so far: the offset errors report.
    var offset: Int { get }
    /// Appends up to `count` bytes to `buffer` and returns how many; fewer only at the end of the data.
    func read(upTo count: Int, appendingTo buffer: inout [UInt8]) throws -> Int
    /// Whether every byte has been delivered; reading ahead to find out costs no delivered bytes.
    func isAtEnd() throws -> Bool
}

extension ByteSource {
    /// Up to `count` bytes; fewer only at the end of the data.
    public func read(upTo count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        _ = try read(upTo: count, appendingTo: &bytes)
        return bytes
    }

    /// Exactly `count` bytes, or an error saying the file ends inside `what`.
    public func readExactly(_ count: Int, of what: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let start = offset
        let delivered = try read(upTo: count, appendingTo: &bytes)
        guard delivered == count else {
            throw DatasetError(path: path, "the file ends after \(delivered) of the \(count) bytes of \(what)",
                               offset: start + delivered)
        }
        return bytes
    }
}

/// How many bytes one read asks of the file or of zlib, so buffers grow only with delivered data.
let byteSourceChunkSize = 1 << 20

/// Opens `path` as plain or gzip-compressed data, judged by its first two bytes rather than its name
/// (browsers often unpack a downloaded `.gz` but keep the name).
public func openDataFile(_ path: String) throws -> any ByteSource {
    let start = try FileByteSource(path: path).read(upTo: 2)
    let plain = try FileByteSource(path: path)
    return start == GzipByteSource.magic ? try GzipByteSource(compressed: plain) : plain
}

/// A plain file, read in chunks with `read(2)` on a descriptor `openRegularFile` opened, so a
/// failure says the system's reason (`strerror`) rather than Foundation's error codes.
public final class FileByteSource: ByteSource {
    public let path: String
    public private(set) var offset = 0
    private let descriptor: Int32
    /// A byte read ahead by `isAtEnd`, handed out by the next read.
    private var peeked: UInt8?

    public init(path: String) throws {
        self.path = path
        descriptor = try openRegularFile(path).descriptor
    }

    deinit { close(descriptor) }

    public func read(upTo count: Int, appendingTo buffer: inout [UInt8]) throws -> Int {
        guard count > 0 else { return 0 }
        var delivered = 0
        if let byte = peeked {
            buffer.append(byte)
            peeked = nil
            delivered = 1
        }
        // In chunks, as the bytes arrive: a header may claim far more than the file holds.
        while delivered < count {
            let wanted = min(count - delivered, byteSourceChunkSize)
            // Read into uninitialized memory, so only the bytes that arrive are ever written.
            let chunk = try [UInt8](unsafeUninitializedCapacity: wanted) { bytes, filled in
                filled = try readFully(descriptor, into: UnsafeMutableRawBufferPointer(bytes), path: path)
            }
            buffer.append(contentsOf: chunk)
            let filled = chunk.count
            delivered += filled
            if filled < wanted { break }
        }
        offset += delivered
        return delivered
    }

    public func isAtEnd() throws -> Bool {
        if peeked != nil { return false }
        var byte: [UInt8] = [0]
        let count = try byte.withUnsafeMutableBytes { try readFully(descriptor, into: $0, path: path) }
        guard count == 1 else { return true }
        peeked = byte[0]
        return false
    }
}

/// Gzip data decompressed by zlib as it is read. Concatenated gzip members read as one stream, as
/// `gunzip` reads them; anything else after the last member, a truncated stream or corrupt data is an error.
public final class GzipByteSource: ByteSource {
    static let magic: [UInt8] = [0x1f, 0x8b]
    private static let inputCapacity = 1 << 18

    public var path: String { compressed.path }
    public private(set) var offset = 0
    private let compressed: any ByteSource
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableBufferPointer<UInt8>
    /// Where zlib writes before bytes are appended to the caller's buffer, so that grows only by what
    /// zlib produced.
    private let output: UnsafeMutableBufferPointer<UInt8>
    private var compressedEnded = false
    private var betweenMembers = true
    private var membersStarted = 0
    private var finished = false
    /// Bytes decompressed ahead by `isAtEnd`, delivered before any others.
    private var lookahead: [UInt8] = []

    /// Decompresses the bytes of `compressed` (usually a `FileByteSource`).
    public init(compressed: any ByteSource) throws {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw DatasetError(path: compressed.path, "zlib could not start decompressing (status \(status))")
        }
        self.compressed = compressed
        self.stream = stream
        self.input = .allocate(capacity: Self.inputCapacity)
        self.output = .allocate(capacity: byteSourceChunkSize)
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
        output.deallocate()
    }

    public func read(upTo count: Int, appendingTo buffer: inout [UInt8]) throws -> Int {
        let fromLookahead = min(count, lookahead.count)
        buffer.append(contentsOf: lookahead.prefix(fromLookahead))
        lookahead.removeFirst(fromLookahead)
        var delivered = fromLookahead
        while delivered < count, !finished {
            delivered += try inflateChunk(upTo: min(count - delivered, byteSourceChunkSize), into: &buffer)
        }
        offset += delivered
        return delivered
    }

    public func isAtEnd() throws -> Bool {
        while lookahead.isEmpty, !finished { _ = try inflateChunk(upTo: 1, into: &lookahead) }
        return lookahead.isEmpty
    }

    /// Where zlib stands in the compressed file.
    private var compressedOffset: Int { compressed.offset - Int(stream.pointee.avail_in) }

    /// Decompresses up to `limit` bytes (at most a chunk) onto `buffer`, returning how many.
    private func inflateChunk(upTo limit: Int, into buffer: inout [UInt8]) throws -> Int {
        if betweenMembers {
            try startNextMember()
            if finished { return 0 }
        }
        if stream.pointee.avail_in == 0 { try refillInput() }
        let room = min(limit, output.count)
        stream.pointee.next_out = output.baseAddress
        stream.pointee.avail_out = UInt32(room)
        let status = inflate(stream, Z_NO_FLUSH)
        let produced = room - Int(stream.pointee.avail_out)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: output.prefix(produced)))
        switch status {
        case Z_OK:
            break
        case Z_STREAM_END:
            betweenMembers = true
        case Z_BUF_ERROR where stream.pointee.avail_in == 0 && compressedEnded:
            throw DatasetError(path: path, "the compressed data end too early: the gzip file is truncated",
                               offset: offset + produced)
        case Z_DATA_ERROR, Z_NEED_DICT:
            let reason = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
            throw DatasetError(path: path, "corrupt gzip data near compressed byte \(compressedOffset): \(reason)")
        case Z_MEM_ERROR:
            throw DatasetError(path: path, "zlib ran out of memory")
        default:
            throw DatasetError(path: path, "zlib failed with status \(status)", offset: offset + produced)
        }
        return produced
    }

    /// At the start, or after a member's end: finishes at the end of the file, begins the next member if
    /// one follows, and rejects anything else.
    private func startNextMember() throws {
        if stream.pointee.avail_in < 2 { try refillInput() }
        let available = Int(stream.pointee.avail_in)
        if available == 0 {
            guard membersStarted > 0 else { throw DatasetError(path: path, "the file is empty, not gzip data") }
            finished = true
            return
        }
        let next = stream.pointee.next_in.map { [$0[0], available > 1 ? $0[1] : 0] } ?? []
        guard available >= 2, next == Self.magic else {
            if membersStarted == 0 {
                throw DatasetError(path: path, "not gzip data: it starts with "
                                   + next.prefix(available).map { String(format: "0x%02x", $0) }.joined(separator: " "))
            }
            throw DatasetError(path: path, "unexpected bytes after the gzip data, at compressed byte "
                               + "\(compressedOffset)")
        }
        if membersStarted > 0 { inflateReset(stream) }
        membersStarted += 1
        betweenMembers = false
    }

    /// Moves the unread input to the front of the buffer and fills the rest from the compressed file.
    private func refillInput() throws {
        guard !compressedEnded, let base = input.baseAddress else { return }
        let remaining = Int(stream.pointee.avail_in)
        if remaining > 0, let next = stream.pointee.next_in, next != base {
            base.update(from: next, count: remaining)
        }
        var chunk: [UInt8] = []
        let count = try compressed.read(upTo: input.count - remaining, appendingTo: &chunk)
        if count == 0 { compressedEnded = true }
        chunk.withUnsafeBufferPointer { chunk in
            if let source = chunk.baseAddress { (base + remaining).update(from: source, count: count) }
        }
        stream.pointee.next_in = base
        stream.pointee.avail_in = UInt32(remaining + count)
    }
}
