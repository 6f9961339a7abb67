import Foundation

/// The size of a regular file (a link is followed to it), or an error naming the file.
func fileSize(_ path: String) throws -> Int {
    var status = stat()
    guard stat(path, &status) == 0 else {
        throw DatasetError(path: path, errno == ENOENT ? "no such file" : "cannot read the file's size: \(String(cString: strerror(errno)))")
    }
    try requireRegularFile(status, path: path)
    return Int(status.st_size)
}

/// Throws unless `status` is a regular file's: a data file must be one, since a FIFO, a device or
/// a socket can block a reader forever or never end.
func requireRegularFile(_ status: stat, path: String) throws {
    switch status.st_mode & S_IFMT {
    case S_IFREG: return
    case S_IFDIR: throw DatasetError(path: path, "is a folder, not a file")
    case S_IFIFO: throw DatasetError(path: path, "is a named pipe (FIFO), not a regular file")
    case S_IFCHR, S_IFBLK: throw DatasetError(path: path, "is a device, not a regular file")
    case S_IFSOCK: throw DatasetError(path: path, "is a socket, not a regular file")
    default: throw DatasetError(path: path, "is not a regular file")
    }
}

/// Opens a regular file for reading, following links, and refuses anything else. The open never
/// blocks: `O_NONBLOCK` keeps a FIFO from waiting for a writer before `fstat` can refuse it, and a
/// special file under /proc that would block answers with an error instead.
public func openRegularFile(_ path: String) throws -> (descriptor: Int32, status: stat) {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else {
        let reason = errno
        _ = try fileSize(path)  // says why: missing, a folder, not a regular file
        throw DatasetError(path: path, "cannot open the file for reading: \(String(cString: strerror(reason)))")
    }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
        let reason = String(cString: strerror(errno))
        close(descriptor)
        throw DatasetError(path: path, "cannot read the file's size: \(reason)")
    }
    do {
        try requireRegularFile(status, path: path)
    } catch {
        close(descriptor)
        throw error
    }
    return (descriptor, status)
}

/// A whole file's bytes, or an error naming it.
///
/// Read with plain `read` calls straight into the array: going through `FileHandle` and `Data`
/// copied CIFAR-10's 180 MB twice more and took a third of its loading time.
public func readFile(_ path: String) throws -> [UInt8] {
    let (descriptor, status) = try openRegularFile(path)
    defer { close(descriptor) }
    // The size is a hint: a file that grows or shrinks while it is read is read to its end.
    var bytes = try [UInt8](unsafeUninitializedCapacity: max(Int(status.st_size), 0)) { buffer, count in
        count = try readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer), path: path)
    }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let extra = try chunk.withUnsafeMutableBytes { try readFully(descriptor, into: $0, path: path) }
        if extra == 0 { break }
        bytes += chunk[..<extra]
    }
    return bytes
}

/// Reads until `buffer` is full or the file ends; returns how many bytes were read.
public func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
    var filled = 0
    while filled < buffer.count {
        let result = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
        if result < 0 {
            if errno == EINTR { continue }
            throw DatasetError(path: path, "read failed: \(String(cString: strerror(errno)))")
        }
        if result == 0 { break }
        filled += result
    }
    return filled
}
