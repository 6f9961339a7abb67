import Foundation

/// Holds back what this process writes to standard error, in an unlinked temporary file (a pipe
/// would block a writer once full), until `finish` restores standard error and returns the text.
final class StandardErrorCapture {
    private let saved: Int32
    private let file: Int32

    init() {
        var template = Array((NSTemporaryDirectory() + "/labbook-stderr-XXXXXX").utf8CString)
        file = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if file >= 0 { template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) } }
        saved = file >= 0 ? dup(STDERR_FILENO) : -1
        if saved >= 0 { dup2(file, STDERR_FILENO) }
    }

    /// Restores standard error and returns what was written meanwhile.
    func finish() -> String {
        guard saved >= 0 else { return "" }
        dup2(saved, STDERR_FILENO)
        close(saved)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        lseek(file, 0, SEEK_SET)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(file, $0.baseAddress!, $0.count) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        close(file)
        return String(decoding: bytes, as: UTF8.self)
    }
}
