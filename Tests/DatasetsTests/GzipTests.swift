import Foundation
import XCTest
@testable import Datasets

final class GzipTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try TestFiles.makeFolder(for: self)
    }

    private func writeFile(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = folder + "/" + name
        try TestFiles.write(bytes, to: path)
        return path
    }

    func testDecompressesAcrossManyChunksInPiecesOfAnySize() throws {
        let original = TestFiles.pattern(count: byteSourceChunkSize + 12_345)
        let path = try writeFile("data.gz", TestFiles.gzip(original))
        let source = try GzipByteSource(compressed: FileByteSource(path: path))
        var read = try source.readExactly(7, of: "the start")
        XCTAssertEqual(source.offset, 7)
        XCTAssertFalse(try source.isAtEnd())
        XCTAssertEqual(source.offset, 7, "looking ahead delivers nothing")
        XCTAssertEqual(try source.read(upTo: original.count, appendingTo: &read), original.count - 7)
        XCTAssertEqual(read, original)
        XCTAssertTrue(try source.isAtEnd())
        XCTAssertEqual(try source.read(upTo: 10, appendingTo: &read), 0)
        XCTAssertEqual(source.offset, original.count)
    }

    func testConcatenatedMembersReadAsOneStream() throws {
        let first = TestFiles.pattern(count: 1000, seed: 1), second = TestFiles.pattern(count: 70_000, seed: 2)
        let path = try writeFile("two.gz", TestFiles.gzip(first) + TestFiles.gzip(second))
        let source = try GzipByteSource(compressed: FileByteSource(path: path))
        XCTAssertEqual(try source.readExactly(first.count + second.count, of: "both members"), first + second)
        XCTAssertTrue(try source.isAtEnd())
    }

    func testOpenDataFileJudgesByContentNotName() throws {
        let original = TestFiles.pattern(count: 500)
        let plainNamedGz = try writeFile("plain.gz", original)
        let gzipNamedPlain = try writeFile("compressed", TestFiles.gzip(original))
        for path in [plainNamedGz, gzipNamedPlain] {
            let source = try openDataFile(path)
            XCTAssertEqual(try source.readExactly(original.count, of: "the data"), original, path)
            XCTAssertTrue(try source.isAtEnd(), path)
        }
        XCTAssertTrue(try openDataFile(gzipNamedPlain) is GzipByteSource)
        XCTAssertTrue(try openDataFile(plainNamedGz) is FileByteSource)
    }

    func testTruncatedStreamIsAnErrorAtTheDecompressedOffset() throws {
        let original = TestFiles.pattern(count: 200_000)
        let compressed = TestFiles.gzip(original)
        for cut in [compressed.count / 2, compressed.count - 4] {
            let path = try writeFile("cut\(cut).gz", Array(compressed.prefix(cut)))
            let source = try openDataFile(path)
            assertDatasetError(try source.read(upTo: original.count + 1), path: path, contains: ["truncated"])
        }
        let path = try writeFile("header.gz", Array(compressed.prefix(5)))
        assertDatasetError(try openDataFile(path).read(upTo: 10), path: path, contains: ["truncated"], offset: 0)
    }

    func testCorruptDataIsAnErrorWithZlibsReason() throws {
        let original = TestFiles.pattern(count: 10_000)
        var badChecksum = TestFiles.gzip(original)
        badChecksum[badChecksum.count - 6] ^= 0xFF
        let checksumPath = try writeFile("checksum.gz", badChecksum)
        assertDatasetError(try openDataFile(checksumPath).read(upTo: 20_000), path: checksumPath,
                           contains: ["corrupt gzip data", "incorrect data check"])
        var badMethod = TestFiles.gzip(original)
        badMethod[2] = 7
        let methodPath = try writeFile("method.gz", badMethod)
        assertDatasetError(try openDataFile(methodPath).read(upTo: 10), path: methodPath,
                           contains: ["corrupt gzip data near compressed byte", "unknown compression method"])
    }

    func testTrailingGarbageIsAnErrorNamingItsPosition() throws {
        let compressed = TestFiles.gzip(TestFiles.pattern(count: 100))
        let path = try writeFile("trailing.gz", compressed + [0, 1, 2])
        let source = try openDataFile(path)
        XCTAssertEqual(try source.readExactly(100, of: "the data"), TestFiles.pattern(count: 100))
        assertDatasetError(try source.isAtEnd(), path: path,
                           contains: ["unexpected bytes after the gzip data, at compressed byte \(compressed.count)"])
        let single = try writeFile("one.gz", compressed + [0x1f])
        assertDatasetError(try openDataFile(single).read(upTo: 200), path: single,
                           contains: ["unexpected bytes after the gzip data"])
    }

    func testNotGzipEmptyMissingAndFolderAreErrors() throws {
        let plain = try writeFile("plain", [0, 0, 8, 1])
        assertDatasetError(try GzipByteSource(compressed: FileByteSource(path: plain)).read(upTo: 4), path: plain,
                           contains: ["not gzip data: it starts with 0x00 0x00"])
        let empty = try writeFile("empty.gz", [])
        assertDatasetError(try GzipByteSource(compressed: FileByteSource(path: empty)).read(upTo: 4), path: empty,
                           contains: ["the file is empty, not gzip data"])
        let missing = folder + "/missing.gz"
        XCTAssertThrowsError(try openDataFile(missing)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(path: missing, "no such file"))
        }
        XCTAssertThrowsError(try FileByteSource(path: folder)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(path: folder, "is a folder, not a file"))
        }
    }

    func testReadExactlySaysWhereEachKindOfFileEnds() throws {
        let bytes = TestFiles.pattern(count: 10)
        let plain = try writeFile("ten", bytes)
        let compressed = try writeFile("ten.gz", TestFiles.gzip(bytes))
        for path in [plain, compressed] {
            let source = try openDataFile(path)
            XCTAssertEqual(try source.readExactly(4, of: "the header"), Array(bytes.prefix(4)))
            assertDatasetError(try source.readExactly(10, of: "the record"), path: path,
                               contains: ["the file ends after 6 of the 10 bytes of the record"], offset: 10)
        }
    }

    func testPlainFileLookaheadDeliversNothing() throws {
        let path = try writeFile("three", [1, 2, 3])
        let source = try FileByteSource(path: path)
        XCTAssertFalse(try source.isAtEnd())
        XCTAssertEqual(try source.readExactly(2, of: "two"), [1, 2])
        XCTAssertFalse(try source.isAtEnd())
        XCTAssertEqual(try source.read(upTo: 5), [3])
        XCTAssertTrue(try source.isAtEnd())
        XCTAssertEqual(source.offset, 3)
    }
}
