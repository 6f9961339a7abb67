import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A download that failed: the URL and why, in words.
public struct DownloadError: Error, Sendable, CustomStringConvertible {
    public var url: URL
    public var reason: String

    public init(url: URL, reason: String) {
        self.url = url
        self.reason = reason
    }

    public var description: String { "downloading \(url.absoluteString) failed: \(reason)" }
}

/// Downloads one file over HTTP(S) to a path, hashing it on the way, and keeps it only when it is
/// complete and has the expected checksum.
public struct Downloader: Sendable {
    /// How long the server may send nothing, while connecting or mid-file, before the download is
    /// given up: a stalled server or a dead network ends in an error, not a hang.
    public var idleTimeout: TimeInterval
    /// Polled a few times a second; true abandons the download (Ctrl-C during a run).
    public var isCancelled: @Sendable () -> Bool

    public init(idleTimeout: TimeInterval = 30, isCancelled: @escaping @Sendable () -> Bool = { false }) {
        self.idleTimeout = idleTimeout
        self.isCancelled = isCancelled
    }

    /// Downloads `file` to `destination` (which must not exist), calling `progress` with the bytes
    /// received and the total (the known size, else the server's Content-Length) as they arrive.
    /// On any failure, a wrong checksum included, `destination` is removed before the error is thrown.
    public func download(_ file: DatasetSource.File, to destination: String,
                         progress: (_ received: Int64, _ total: Int64?) -> Void) throws {
        let transfer = try Transfer(file: file, destination: destination)
        do {
            try run(transfer, progress: progress)
            try transfer.verify()
        } catch {
            transfer.abandon()
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
    }

    private func run(_ transfer: Transfer, progress: (Int64, Int64?) -> Void) throws {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: queue)
        // The session keeps its delegate alive until it is invalidated.
        defer { session.invalidateAndCancel() }
        var request = URLRequest(url: transfer.file.url)
        // The checksum is of the file as published: ask for it without transfer compression, which
        // Foundation on Linux would undo, handing over other bytes than the ones checksummed.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        let task = session.dataTask(with: request)
        task.resume()

        var lastActivity = Date(), lastEvents = -1, lastReported: Int64 = -1
        while true {
            let finished = transfer.completed.wait(timeout: .now() + 0.1) == .success
            let state = transfer.state
            if state.received != lastReported {
                lastReported = state.received
                progress(state.received, transfer.file.bytes ?? state.contentLength)
            }
            if finished { return }
            if state.events != lastEvents {
                lastEvents = state.events
                lastActivity = Date()
            }
            if isCancelled() {
                task.cancel()
                throw DownloadError(url: transfer.file.url, reason: "interrupted")
            }
            // URLSession's own timeout covers this too; the watchdog makes sure no platform's
            // URLSession can turn a silent server into a hang.
            if Date().timeIntervalSince(lastActivity) > idleTimeout + 1 {
                task.cancel()
                throw DownloadError(url: transfer.file.url,
                                    reason: "the server sent nothing for \(Int(idleTimeout)) seconds")
            }
        }
    }
}

/// One file in flight: the URLSession delegate writes and hashes each chunk as it arrives.
private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct State {
        var received: Int64 = 0
        var contentLength: Int64?
        /// Counts delegate callbacks, so the watchdog sees a server that is answering.
        var events = 0
        var failure: String?
    }

    let file: DatasetSource.File
    let completed = DispatchSemaphore(value: 0)
    private let destination: String
    private let lock = NSLock()
    private var current = State()
    private var handle: FileHandle?
    private var hasher: ChecksumHasher

    init(file: DatasetSource.File, destination: String) throws {
        self.file = file
        self.destination = destination
        hasher = file.checksum.makeHasher()
        guard FileManager.default.createFile(atPath: destination, contents: nil),
              let handle = FileHandle(forWritingAtPath: destination) else {
            throw DownloadError(url: file.url, reason: "cannot create \(destination)")
        }
        self.handle = handle
    }

    var state: State { lock.withLock { current } }

    /// Stops writing: later chunks (a cancelled task may still deliver some) are dropped.
    func abandon() {
        lock.withLock {
            try? handle?.close()
            handle = nil
        }
    }

    /// Throws unless the transfer ended without error, complete, and with the expected checksum.
    func verify() throws {
        let (state, digest): (State, String) = lock.withLock {
            do {
                try handle?.synchronize()
                try handle?.close()
            } catch {
                current.failure = current.failure ?? "cannot write \(destination): \(error.localizedDescription)"
            }
            handle = nil
            return (current, hasher.finalize())
        }
        if let failure = state.failure { throw DownloadError(url: file.url, reason: failure) }
        if let length = state.contentLength, state.received < length {
            throw DownloadError(url: file.url, reason: Self.closedEarly(state.received, of: length))
        }
        if let length = state.contentLength, state.received > length {
            throw DownloadError(url: file.url, reason: "the server announced \(length) bytes but sent "
                                + "\(state.received)")
        }
        guard digest == file.checksum.hex else {
            throw DownloadError(url: file.url, reason: "checksum mismatch: expected \(file.checksum.algorithm) "
                                + "\(file.checksum.hex), got \(digest) (\(state.received) bytes); the download "
                                + "is corrupt or the file has changed, and nothing was kept")
        }
    }

    private func fail(_ reason: String) {
        if current.failure == nil { current.failure = reason }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let accept: Bool = lock.withLock {
            current.events += 1
            guard let http = response as? HTTPURLResponse else {
                fail("the answer is not HTTP")
                return false
            }
            guard http.statusCode == 200 else {
                fail("the server answered HTTP \(http.statusCode) "
                     + "(\(HTTPURLResponse.localizedString(forStatusCode: http.statusCode)))")
                return false
            }
            current.contentLength = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
            return true
        }
        completionHandler(accept ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let keepGoing: Bool = lock.withLock {
            current.events += 1
            guard current.failure == nil, let handle else { return false }
            if let limit = file.bytes, current.received + Int64(data.count) > limit {
                fail("the server sent more than the \(limit) bytes the file has")
                return false
            }
            do { try handle.write(contentsOf: data) } catch {
                fail("cannot write \(destination): \(error.localizedDescription)")
                return false
            }
            hasher.update(data)
            current.received += Int64(data.count)
            return true
        }
        if !keepGoing { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.withLock {
            current.events += 1
            guard let error else { return }
            // libcurl reports a body shorter than its Content-Length as an unknown error.
            let code = (error as? URLError)?.code
            if let length = current.contentLength, current.received < length,
               code == .unknown || code == .networkConnectionLost {
                fail(Self.closedEarly(current.received, of: length))
            } else {
                fail(Self.describe(error))
            }
        }
        completed.signal()
    }

    static func closedEarly(_ received: Int64, of length: Int64) -> String {
        "the connection closed after \(received) of the \(length) bytes"
    }

    /// URLError in words: Linux's Foundation describes it only by its number.
    static func describe(_ error: Error) -> String {
        guard let error = error as? URLError else { return error.localizedDescription }
        return switch error.code {
        case .notConnectedToInternet: "no network connection"
        case .cannotFindHost, .dnsLookupFailed: "cannot resolve the host name (is this machine offline?)"
        case .cannotConnectToHost: "cannot connect to the server (connection refused)"
        case .timedOut: "the server did not answer in time"
        case .networkConnectionLost: "the connection closed before the file was complete"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            "the secure connection failed (URLError \(error.code.rawValue))"
        case .cancelled: "the transfer was cancelled"
        default: "network error (URLError \(error.code.rawValue))"
        }
    }
}
