import Crypto
import Foundation

/// The checksum a downloaded file must have. The dataset pages publish MD5, which guards against
/// corrupt and truncated downloads; a manifest for a mirror may give SHA-256 instead.
public enum Checksum: Sendable, Equatable, CustomStringConvertible {
    case md5(String)
    case sha256(String)

    public var algorithm: String {
        switch self {
        case .md5: "md5"
        case .sha256: "sha256"
        }
    }

    /// The expected digest as lowercase hex.
    public var hex: String {
        switch self {
        case .md5(let hex), .sha256(let hex): hex.lowercased()
        }
    }

    public var description: String { "\(algorithm) \(hex)" }

    /// Whether `hex` has the length and digits of this algorithm's digest.
    var isWellFormed: Bool {
        let length = switch self {
        case .md5: 32
        case .sha256: 64
        }
        return hex.count == length && hex.allSatisfy(\.isHexDigit)
    }

    func makeHasher() -> ChecksumHasher { ChecksumHasher(self) }
}

/// Hashes a file's bytes as they arrive, so a download is checked without reading it twice.
struct ChecksumHasher {
    private enum State {
        case md5(Insecure.MD5)
        case sha256(SHA256)
    }

    private var state: State

    init(_ checksum: Checksum) {
        state = switch checksum {
        case .md5: .md5(Insecure.MD5())
        case .sha256: .sha256(SHA256())
        }
    }

    mutating func update(_ data: Data) {
        switch state {
        case .md5(var hasher):
            hasher.update(data: data)
            state = .md5(hasher)
        case .sha256(var hasher):
            hasher.update(data: data)
            state = .sha256(hasher)
        }
    }

    /// The digest as lowercase hex.
    func finalize() -> String {
        let digest: [UInt8] = switch state {
        case .md5(let hasher): Array(hasher.finalize())
        case .sha256(let hasher): Array(hasher.finalize())
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
