import Foundation
import XCTest
@testable import Datasets

final class TarArchiveTests: XCTestCase {
    private var folder = ""
    private var target = ""

    override func setUpWithError() throws {
        folder = try TestFiles.makeFolder(for: self)
        target = folder + "/target"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    }

    /// Extracts `archive` (plain tar bytes) into the target folder.
    @discardableResult
    private func extract(_ archive: [UInt8]) throws -> [String] {
        let path = folder + "/archive.tar"
        try TestFiles.write(archive, to: path)
        return try TarArchive.extract(FileByteSource(path: path), into: target)
    }

    private func contents(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: target + "/" + relative)))
    }

    func testExtractsFilesAndFoldersWithTheirBytes() throws {
        let large = TestFiles.pattern(count: 1300)
        let written = try extract(DownloadFixtures.tar([
            DownloadFixtures.tarEntry("data/", type: "5"),
            DownloadFixtures.tarEntry("data/large.bin", large),
            DownloadFixtures.tarEntry("./data/empty.txt"),
            DownloadFixtures.tarEntry("deeper/folder/small.txt", Array("hi".utf8)),
        ]))
        XCTAssertEqual(written, ["data/large.bin", "data/empty.txt", "deeper/folder/small.txt"])
        XCTAssertEqual(try contents("data/large.bin"), large)
        XCTAssertEqual(try contents("data/empty.txt"), [])
        XCTAssertEqual(try contents("deeper/folder/small.txt"), Array("hi".utf8))
    }

    func testLongNamesFromUstarPrefixGNUAndPaxHeaders() throws {
        let long = String(repeating: "n", count: 120)
        let written = try extract(DownloadFixtures.tar([
            DownloadFixtures.tarEntry("file.txt", [1], prefix: "from-prefix"),
            DownloadFixtures.tarEntry("././@LongLink", Array(("gnu/" + long + "\0").utf8), type: "L"),
            DownloadFixtures.tarEntry("truncated-name", [2]),
            DownloadFixtures.paxPath("pax/" + long),
            DownloadFixtures.tarEntry("ignored-name", [3]),
        ]))
        XCTAssertEqual(written, ["from-prefix/file.txt", "gnu/" + long, "pax/" + long])
        XCTAssertEqual(try contents("pax/" + long), [3])
    }

    func testRejectsEntriesThatWouldLeaveTheFolder() throws {
        for name in ["../evil", "data/../../evil", "/tmp/evil-\(UUID().uuidString)"] {
            XCTAssertThrowsError(try extract(DownloadFixtures.tar([DownloadFixtures.tarEntry(name, [1])])), name) { error in
                let message = "\(error)"
                XCTAssert(message.contains("leads out of the folder") || message.contains("is an absolute path"), message)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/evil"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target), [])
    }

    func testRejectsLinksAndSpecialFiles() throws {
        let cases: [(entry: [UInt8], message: String)] = [
            (DownloadFixtures.tarEntry("link", type: "2", linkName: "/etc/passwd"), "'link' is a link"),
            (DownloadFixtures.tarEntry("hard", type: "1", linkName: "other"), "'hard' is a link"),
            (DownloadFixtures.tarEntry("fifo", type: "6"), "unsupported entry type '6'"),
        ]
        for (entry, message) in cases {
            XCTAssertThrowsError(try extract(DownloadFixtures.tar([entry]))) { error in
                XCTAssert("\(error)".contains(message), "\(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target), [])
    }

    func testRejectsTruncatedArchives() throws {
        let archive = DownloadFixtures.tar([DownloadFixtures.tarEntry("a.bin", TestFiles.pattern(count: 2000))])
        let cuts = [(100, "inside an entry header"), (512 + 700, "ends inside"), (512 + 2048, "end-of-archive marker")]
        for (length, message) in cuts {
            XCTAssertThrowsError(try extract(Array(archive.prefix(length))), "cut at \(length)") { error in
                XCTAssert("\(error)".contains(message) && "\(error)".contains("truncated"), "\(error)")
            }
        }
    }

    func testRejectsADamagedHeader() throws {
        var archive = DownloadFixtures.tar([DownloadFixtures.tarEntry("a.txt", [1, 2, 3])])
        archive[0] = UInt8(ascii: "b")
        XCTAssertThrowsError(try extract(archive)) { error in
            XCTAssert("\(error)".contains("checksum is wrong"), "\(error)")
        }
        XCTAssertThrowsError(try extract(TestFiles.pattern(count: 2048))) { error in
            XCTAssert("\(error)".contains("not a tar archive"), "\(error)")
        }
    }

    func testReadsOctalAndBase256Numbers() {
        XCTAssertEqual(TarHeader.number(ArraySlice(Array("00000001750\0".utf8))), 1000)
        XCTAssertEqual(TarHeader.number(ArraySlice(Array("   17 \0".utf8))), 15)
        XCTAssertEqual(TarHeader.number(ArraySlice([0x80] + [UInt8](repeating: 0, count: 9) + [0x01, 0x00])), 256)
        XCTAssertNil(TarHeader.number(ArraySlice(Array("12x4\0".utf8))))
        XCTAssertNil(TarHeader.number(ArraySlice([0xff] + [UInt8](repeating: 0xff, count: 11))), "negative")
    }
}
