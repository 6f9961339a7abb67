import Foundation
import XCTest
@testable import Datasets

final class DownloaderTests: XCTestCase {
    private var folder = ""
    private var server: FixtureServer!
    private let payload = TestFiles.pattern(count: 300_000)

    override func setUpWithError() throws {
        folder = try TestFiles.makeFolder(for: self)
        server = try FixtureServer(root: try TestFiles.makeFolder(for: self), for: self)
        try server.serve(payload, as: "files/payload.bin")
    }

    private func file(mode: String = "ok", path: String = "files/payload.bin", md5: String? = nil,
                      bytes: Int64? = nil) -> DatasetSource.File {
        DatasetSource.File(name: "payload.bin", url: server.url(path, mode: mode),
                           checksum: .md5(md5 ?? DownloadFixtures.md5(payload)), bytes: bytes)
    }

    /// Downloads `file` to the test folder and returns the error it failed with, asserting that the
    /// folder is left empty.
    private func failure(_ file: DatasetSource.File, downloader: Downloader = Downloader(idleTimeout: 5),
                         line: UInt = #line) -> String {
        var message = ""
        XCTAssertThrowsError(try downloader.download(file, to: folder + "/payload.bin") { _, _ in }, line: line) {
            message = "\($0)"
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [], "nothing is left", line: line)
        return message
    }

    func testDownloadsTheFileReportingProgressAgainstTheKnownSize() throws {
        var reports: [(Int64, Int64?)] = []
        let destination = folder + "/payload.bin"
        try Downloader().download(file(bytes: Int64(payload.count)), to: destination) { reports.append(($0, $1)) }
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: destination))), payload)
        XCTAssertEqual(reports.last?.0, Int64(payload.count))
        XCTAssert(reports.allSatisfy { $0.1 == Int64(payload.count) })
    }

    func testProgressFallsBackToTheServersContentLength() throws {
        var total: Int64?
        try Downloader().download(file(), to: folder + "/payload.bin") { total = $1 }
        XCTAssertEqual(total, Int64(payload.count))
    }

    func testCorruptDownloadIsRejectedAndDeleted() {
        let expected = String(repeating: "0", count: 32)
        let message = failure(file(md5: expected))
        XCTAssert(message.contains("downloading \(server.url("files/payload.bin")) failed: checksum mismatch"), message)
        XCTAssert(message.contains("expected md5 \(expected), got \(DownloadFixtures.md5(payload))"), message)
    }

    func testMissingFileIsAnHTTPError() {
        let message = failure(file(path: "files/missing.bin"))
        XCTAssert(message.contains("the server answered HTTP 404"), message)
    }

    func testServerThatClosesEarlyIsRejected() {
        let message = failure(file(mode: "truncate"))
        XCTAssert(message.contains("closed"), message)
    }

    func testServerThatSendsTooMuchIsStopped() {
        let message = failure(file(bytes: Int64(payload.count - 1)))
        XCTAssert(message.contains("the server sent more than the \(payload.count - 1) bytes"), message)
    }

    func testStalledServerTimesOut() {
        let started = Date()
        let message = failure(file(mode: "stall"), downloader: Downloader(idleTimeout: 1))
        XCTAssert(message.contains("did not answer in time") || message.contains("sent nothing for 1 seconds"), message)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15)
    }

    func testRefusedConnectionIsAClearError() throws {
        // A port nothing listens on: bound and closed again by python's server is not guaranteed, so use
        // the discard port, which no test machine serves HTTP on.
        let refused = DatasetSource.File(name: "x", url: URL(string: "http://127.0.0.1:9/x")!, checksum: .md5(""))
        let message = failure(refused)
        XCTAssert(message.contains("cannot connect to the server"), message)
    }

    func testCancellationStopsADownloadInFlight() {
        let started = Date()
        let message = failure(file(mode: "stall"), downloader: Downloader(idleTimeout: 30, isCancelled: {
            Date().timeIntervalSince(started) > 0.5
        }))
        XCTAssert(message.hasSuffix("failed: interrupted"), message)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }
}
