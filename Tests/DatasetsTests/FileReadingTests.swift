import Foundation
import XCTest
@testable import Datasets

final class FileReadingTests: XCTestCase {
    func testReadsWholeFilesOfAnySize() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for size in [0, 1, 65_536, 200_003] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let path = folder.appendingPathComponent("\(size).bin").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(try readFile(path), bytes, "\(size) bytes")
        }
        XCTAssertThrowsError(try readFile(folder.path)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(path: folder.path, "is a folder, not a file"))
        }
    }

    /// The size a file reports is only a hint: files under /proc report 0 and still have contents.
    func testReadsPastTheReportedSize() throws {
        #if os(Linux)
        let text = String(decoding: try readFile("/proc/self/status"), as: UTF8.self)
        XCTAssert(text.hasPrefix("Name:"), text)
        XCTAssert(text.contains("\nPid:"), text)
        #else
        throw XCTSkip("/proc is Linux's")
        #endif
    }
}
