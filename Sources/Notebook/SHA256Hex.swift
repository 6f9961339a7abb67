import Crypto
import Datasets
import Foundation

/// SHA-256 digests as lowercase hex, through swift-crypto.
public enum SHA256Hex {
    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        hex(SHA256.hash(data: Array(bytes)))
    }

    /// The digest of a regular file (a link is followed to it) read in 1 MiB pieces, or nil if it
    /// can not be read or is not a regular file: a FIFO or a device is never opened to block.
    public static func ofFile(_ path: String) -> String? {
        guard let (descriptor, status) = try? openRegularFile(path) else { return nil }
        defer { close(descriptor) }
        var hasher = SHA256()
        // No bigger than the file (plus the byte that finds its end): an image folder is tens of
        // thousands of small files, and a zeroed mebibyte for each was most of hashing them.
        var chunk = [UInt8](repeating: 0, count: Int(min(Int64(1 << 20), max(Int64(status.st_size), 0) + 1)))
        while true {
            guard let count = try? chunk.withUnsafeMutableBytes({ try readFully(descriptor, into: $0, path: path) }) else {
                return nil
            }
            if count == 0 { break }
            hasher.update(data: chunk[..<count])
        }
        return hex(hasher.finalize())
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
