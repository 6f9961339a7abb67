import CZlib
import Foundation
import XCTest
@testable import Datasets

/// Files for loader tests, which write their own small datasets rather than depend on downloads.
enum TestFiles {
    /// A fresh folder for `test`'s files, removed when the test ends.
    static func makeFolder(for test: XCTestCase) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// `bytes` as one gzip member, compressed by zlib as `gzip` would.
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { deflateEnd(stream); stream.deallocate() }
        let started = deflateInit2_(stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                    ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(started == Z_OK, "deflateInit2_ failed: \(started)")
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, UInt(bytes.count))) + 64)
        let produced = input.withUnsafeMutableBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                stream.pointee.next_in = input.baseAddress
                stream.pointee.avail_in = UInt32(input.count)
                stream.pointee.next_out = output.baseAddress
                stream.pointee.avail_out = UInt32(output.count)
                let finished = deflate(stream, Z_FINISH)
                precondition(finished == Z_STREAM_END, "deflate did not finish: \(finished)")
                return output.count - Int(stream.pointee.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }

    /// Bytes that vary enough to compress imperfectly and to show misplaced data.
    static func pattern(count: Int, seed: UInt32 = 1) -> [UInt8] {
        var state = seed
        return (0..<count).map { index in
            state = state &* 1_664_525 &+ 1_013_904_223
            return index % 3 == 0 ? UInt8(truncatingIfNeeded: state >> 24) : UInt8(truncatingIfNeeded: index)
        }
    }
}

extension XCTestCase {
    /// Asserts that `body` throws a `DatasetError` naming `path` whose message contains each of `fragments`,
    /// at byte `offset` when one is given.
    func assertDatasetError<T>(
        _ body: @autoclosure () throws -> T, path: String, contains fragments: [String], offset: Int? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? DatasetError else {
                return XCTFail("expected a DatasetError, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.path, path, file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"",
                              file: file, line: line)
            }
            if let offset { XCTAssertEqual(error.offset, offset, "\(error)", file: file, line: line) }
        }
    }
}
