import Foundation
import XCTest
@testable import Datasets

final class DownloadProgressTests: XCTestCase {
    func testLinesAtStartEachQuarterAndEnd() throws {
        var output = ""
        let progress = DownloadProgress(style: .lines) { output += $0 }
        progress.begin(URL(string: "https://example.org/data/file.tar.gz")!, total: 4_000_000)
        for received in stride(from: Int64(0), through: 4_000_000, by: 250_000) {
            progress.update(received: received, total: 4_000_000)
        }
        progress.end(received: 4_000_000)
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5, output)
        XCTAssertEqual(lines.first, "Downloading https://example.org/data/file.tar.gz (4.0 MB)")
        XCTAssert(lines[1].hasPrefix("file.tar.gz: 25% (1.0 MB of 4.0 MB, "), lines[1])
        XCTAssert(lines[3].hasPrefix("file.tar.gz: 75% (3.0 MB of 4.0 MB, "), lines[3])
        XCTAssert(lines[4].hasPrefix("file.tar.gz: done, 4.0 MB in "), lines[4])
    }

    func testBarShowsMegabytesRateAndTimeLeft() {
        let progress = DownloadProgress(style: .bar) { _ in }
        let start = Date()
        progress.begin(URL(string: "https://example.org/f.gz")!, total: 10_000_000, now: start)
        let text = progress.barText(received: 5_000_000, total: 10_000_000, now: start.addingTimeInterval(2))
        XCTAssert(text.hasPrefix("f.gz " + String(repeating: "█", count: 12) + String(repeating: "░", count: 12)
                                 + " 5.0/10.0 MB  2.5 MB/s  2s left"), text)
        XCTAssertEqual(progress.barText(received: 1_500_000, total: nil, now: start.addingTimeInterval(1)).prefix(12),
                       "f.gz 1.5 MB ")
        XCTAssert(progress.barText(received: 2_500, total: 29_515, now: start).contains(" 2.5/29.5 kB "))
    }

    func testSilentWritesNothing() {
        var output = ""
        let progress = DownloadProgress(style: .silent) { output += $0 }
        progress.note("hello")
        progress.begin(URL(string: "https://example.org/f.gz")!, total: 10)
        progress.update(received: 10, total: 10)
        progress.end(received: 10)
        XCTAssertEqual(output, "")
    }
}
