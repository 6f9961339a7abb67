import Foundation

/// A regular file as an `InputStream`, for CSV.swift's reader, which reads a stream to its end and
/// builds each row whole: opened with `openRegularFile` (a FIFO or device is refused rather than
/// read forever), it stops at `maximumBytes`, and at `deliveryLimit`, which its owner moves before
/// each record so that one endless record (a file of commas, an unclosed quote) cannot grow a row
/// without bound. Reading stops as at the end of the file, which the owner then reports.
///
/// Written by hand because Foundation's file stream has neither bound and opens FIFOs blocking.
final class BoundedFileInputStream: InputStream {
    let path: String
    private let descriptor: Int32
    private let maximumBytes: Int
    private var chunk: [UInt8]
    private var chunkStart = 0
    private var chunkEnd = 0
    private var fileEnded = false
    private var status = Stream.Status.notOpen
    /// Bytes handed to the reader so far.
    private(set) var bytesDelivered = 0
    /// No bytes are handed over past this count; `stoppedAtDeliveryLimit` tells when it cut reading short.
    var deliveryLimit = Int.max
    private(set) var stoppedAtDeliveryLimit = false
    private(set) var stoppedAtMaximumBytes = false
    /// The failure of the last read, if one failed.
    private(set) var readError: DatasetError?

    /// Opens `path`, refusing anything but a regular file of at most `maximumBytes`.
    init(path: String, maximumBytes: Int, chunkSize: Int = 1 << 16) throws {
        let (descriptor, status) = try openRegularFile(path)
        guard Int(status.st_size) <= maximumBytes else {
            Glibc.close(descriptor)
            throw DatasetError(path: path, "is \(status.st_size) bytes, over the \(maximumBytes)-byte limit for a table")
        }
        self.path = path
        self.descriptor = descriptor
        self.maximumBytes = maximumBytes
        chunk = [UInt8](repeating: 0, count: chunkSize)
        super.init(data: Data())
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Whether the file starts with `prefix`; reads its first chunk if need be.
    func begins(with prefix: [UInt8]) -> Bool {
        guard bytesDelivered == 0, fillChunk() else { return false }
        return chunkEnd - chunkStart >= prefix.count && chunk[chunkStart..<(chunkStart + prefix.count)].elementsEqual(prefix)
    }

    override func open() { status = .open }
    override func close() { status = .closed }
    override var streamStatus: Stream.Status { status }
    override var streamError: Error? { readError }

    override var hasBytesAvailable: Bool {
        guard fillChunk() else { return false }
        guard bytesDelivered < deliveryLimit else {
            stoppedAtDeliveryLimit = true
            return false
        }
        return true
    }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength: Int) -> Int {
        guard hasBytesAvailable else { return readError == nil ? 0 : -1 }
        let count = min(maxLength, chunkEnd - chunkStart, deliveryLimit - bytesDelivered)
        chunk.withUnsafeBufferPointer { chunk in
            buffer.update(from: chunk.baseAddress! + chunkStart, count: count)
        }
        chunkStart += count
        bytesDelivered += count
        return count
    }

    /// Makes sure the chunk holds unread bytes, reading the next chunk when it is used up; false at the
    /// end of the file, past `maximumBytes`, or after a failed read.
    private func fillChunk() -> Bool {
        if chunkStart < chunkEnd { return true }
        guard !fileEnded, !stoppedAtMaximumBytes, readError == nil else { return false }
        // A file that grows while it is read (another program appending) is cut off at the limit.
        guard bytesDelivered < maximumBytes else {
            stoppedAtMaximumBytes = true
            return false
        }
        let wanted = min(chunk.count, maximumBytes - bytesDelivered)
        while true {
            let result = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, wanted) }
            if result < 0 {
                if errno == EINTR { continue }
                readError = DatasetError(path: path, "read failed: \(String(cString: strerror(errno)))")
                return false
            }
            if result == 0 {
                fileEnded = true
                return false
            }
            chunkStart = 0
            chunkEnd = result
            return true
        }
    }
}
