import Foundation
import XCTest
@testable import Datasets

final class DatasetFetcherTests: XCTestCase {
    private var home = ""
    private var server: FixtureServer!

    override func setUpWithError() throws {
        home = try TestFiles.makeFolder(for: self)
        server = try FixtureServer(root: try TestFiles.makeFolder(for: self), for: self)
    }

    private var cacheRoot: String { home + "/.cache/labbook/datasets" }

    private func fetcher(_ environment: [String: String] = [:]) -> DatasetFetcher {
        DatasetFetcher(locator: DataLocator(environment: environment, home: home),
                       downloader: Downloader(idleTimeout: 5))
    }

    /// What the cache root holds, hidden entries included.
    private func cacheEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: cacheRoot).sorted()
    }

    func testFetchesTheCIFAR10ArchiveUnpacksItAndItLoads() throws {
        let source = try DownloadFixtures.source(.cifar10, files: [("cifar-10-binary.tar.gz",
                                                                     DownloadFixtures.cifarArchive())], server: server)
        let folder = try fetcher().fetch(source)
        XCTAssertEqual(folder, cacheRoot + "/cifar-10-batches-bin")
        XCTAssertEqual(try cacheEntries(), ["cifar-10-batches-bin"], "the archive and staging folder are gone")
        let data = try DatasetKind.cifar10.load(path: folder)
        XCTAssertEqual(data.train.count, 10)
        XCTAssertEqual(data.test.count, 2)
        XCTAssertEqual(data.train.labels, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
        XCTAssertEqual(try fetcher().locator.find(.cifar10), folder, "the locator finds what was fetched")
    }

    func testFetchesTheFourMNISTFilesAndTheyLoad() throws {
        let source = try DownloadFixtures.source(.mnist, files: DownloadFixtures.mnistFiles(), server: server)
        let folder = try fetcher().fetch(source)
        XCTAssertEqual(folder, cacheRoot + "/mnist")
        XCTAssertEqual(try cacheEntries(), ["mnist"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(),
                       DownloadFixtures.mnistFiles().map(\.name).sorted())
        let data = try DatasetKind.mnist.load(path: folder)
        XCTAssertEqual(data.train.labels, [1, 7, 3])
        XCTAssertEqual(data.test.labels, [9, 0])
    }

    func testCorruptFileLeavesNothingInTheCache() throws {
        var source = try DownloadFixtures.source(.mnist, files: DownloadFixtures.mnistFiles(), server: server)
        // The last file arrives corrupt, after three good ones have been written.
        try server.serve(Array("not the labels".utf8), as: "mnist/" + source.files[3].name)
        XCTAssertThrowsError(try fetcher().fetch(source)) { error in
            XCTAssert("\(error)".contains("checksum mismatch"), "\(error)")
        }
        XCTAssertEqual(try cacheEntries(), [])
        source.files[3].bytes = nil
        XCTAssertThrowsError(try fetcher().fetch(source))
        XCTAssertEqual(try cacheEntries(), [])
    }

    func testMissingFileLeavesNothingInTheCache() throws {
        var source = try DownloadFixtures.source(.mnist, files: DownloadFixtures.mnistFiles(), server: server)
        source.files[2].url = server.url("mnist/nothing-here.gz")
        XCTAssertThrowsError(try fetcher().fetch(source)) { error in
            XCTAssert("\(error)".contains("HTTP 404"), "\(error)")
        }
        XCTAssertEqual(try cacheEntries(), [])
    }

    func testTruncatedArchiveIsRejected() throws {
        let tar = DownloadFixtures.tar([DownloadFixtures.tarEntry("cifar-10-batches-bin/data_batch_1.bin",
                                                                  TestFiles.pattern(count: 5000))])
        let archive = TestFiles.gzip(Array(tar.prefix(3000)))  // a complete gzip of half an archive
        let source = try DownloadFixtures.source(.cifar10, files: [("cifar-10-binary.tar.gz", archive)], server: server)
        XCTAssertThrowsError(try fetcher().fetch(source)) { error in
            XCTAssert("\(error)".contains("truncated"), "\(error)")
        }
        XCTAssertEqual(try cacheEntries(), [])
    }

    func testArchiveEntryLeadingOutOfTheCacheIsRejected() throws {
        let archive = TestFiles.gzip(DownloadFixtures.tar([
            DownloadFixtures.tarEntry("cifar-10-batches-bin/data_batch_1.bin", [1]),
            DownloadFixtures.tarEntry("../../evil", Array("owned".utf8)),
        ]))
        let source = try DownloadFixtures.source(.cifar10, files: [("cifar-10-binary.tar.gz", archive)], server: server)
        XCTAssertThrowsError(try fetcher().fetch(source)) { error in
            XCTAssert("\(error)".contains("'../../evil' leads out of the folder"), "\(error)")
        }
        XCTAssertEqual(try cacheEntries(), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/.cache/labbook/evil"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/.cache/evil"))
    }

    func testArchiveWithoutTheDatasetFolderIsRejected() throws {
        let archive = DownloadFixtures.cifarArchive(folder: "something-else")
        let source = try DownloadFixtures.source(.cifar10, files: [("cifar-10-binary.tar.gz", archive)], server: server)
        XCTAssertThrowsError(try fetcher().fetch(source)) { error in
            XCTAssert("\(error)".contains("the download holds no cifar-10-batches-bin/data_batch_1.bin"), "\(error)")
        }
        XCTAssertEqual(try cacheEntries(), [])
    }

    func testAFolderInTheWayIsKeptUnlessReplacing() throws {
        let source = try DownloadFixtures.source(.mnist, files: DownloadFixtures.mnistFiles(), server: server)
        let notes = cacheRoot + "/mnist/notes.txt"
        try FileManager.default.createDirectory(atPath: cacheRoot + "/mnist", withIntermediateDirectories: true)
        try TestFiles.write(Array("mine".utf8), to: notes)
        XCTAssertThrowsError(try fetcher().fetch(source)) { error in
            XCTAssert("\(error)".contains("is in the way"), "\(error)")
        }
        XCTAssert(FileManager.default.fileExists(atPath: notes))
        XCTAssertEqual(try cacheEntries(), ["mnist"])

        let folder = try fetcher().fetch(source, replacing: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: notes))
        XCTAssertEqual(try DatasetKind.mnist.load(path: folder).train.count, 3)
        XCTAssertEqual(try cacheEntries(), ["mnist"])
    }

    func testStagingFoldersOfDeadProcessesAreRemoved() throws {
        let source = try DownloadFixtures.source(.mnist, files: DownloadFixtures.mnistFiles(), server: server)
        let dead = ".partial-2000000000-\(UUID().uuidString)"  // above any pid_max
        let alive = ".partial-\(getppid())-\(UUID().uuidString)"
        for name in [dead, alive] {
            try FileManager.default.createDirectory(atPath: cacheRoot + "/" + name + "/mnist",
                                                    withIntermediateDirectories: true)
            try TestFiles.write([1, 2], to: cacheRoot + "/" + name + "/mnist/train-images-idx3-ubyte.gz")
        }
        _ = try fetcher().fetch(source)
        XCTAssertEqual(try cacheEntries(), [alive, "mnist"].sorted())
    }

    func testAMissingDatasetIsDownloadedFromTheMirror() throws {
        for file in DownloadFixtures.mnistFiles() { try server.serve(file.bytes, as: "mnist/" + file.name) }
        let manifest = home + "/manifest.json"
        let entries = DownloadFixtures.mnistFiles().map {
            ["url": server.url("mnist/" + $0.name).absoluteString, "md5": DownloadFixtures.md5($0.bytes)]
        }
        try JSONSerialization.data(withJSONObject: ["mnist": entries]).write(to: URL(fileURLWithPath: manifest))
        let folder = try fetcher(["LABBOOK_DATA_MANIFEST": manifest]).locateOrFetch(.mnist)
        XCTAssertEqual(folder, cacheRoot + "/mnist")
        XCTAssertEqual(try DatasetKind.mnist.load(path: folder).test.labels, [9, 0])
    }

    func testFailedDownloadKeepsTheSearchedPathsAndCommandsInTheError() throws {
        // The mirror serves files whose bytes differ from the official ones, as a corrupt copy would.
        for file in DownloadFixtures.mnistFiles() { try server.serve(file.bytes, as: "mnist/" + file.name) }
        XCTAssertThrowsError(try fetcher(["LABBOOK_DATA_MIRROR": server.mirror]).locateOrFetch(.mnist)) { error in
            guard let notFound = error as? DataNotFound else { return XCTFail("\(error)") }
            let message = notFound.description
            XCTAssert(message.hasPrefix("no mnist data: searched \(self.cacheRoot)/mnist; downloading "
                                        + "\(self.server.mirror)mnist/train-images-idx3-ubyte.gz failed: checksum mismatch: "
                                        + "expected md5 f68b3c2dcbeaaa9fbdd348bbdeb94873"), message)
            XCTAssert(message.contains("Get it with: labbook fetch mnist, or by hand: mkdir -p \(self.cacheRoot)/mnist"),
                      message)
            XCTAssert(message.contains("curl -LO \(self.server.mirror)mnist/$f"), message)
        }
        XCTAssertEqual(try cacheEntries(), [])
    }

    func testOfflineNeverDownloads() throws {
        let environment = ["LABBOOK_OFFLINE": "1", "LABBOOK_DATA_MIRROR": server.mirror]
        XCTAssertThrowsError(try fetcher(environment).locateOrFetch(.cifar10)) { error in
            XCTAssert("\(error)".contains("; it was not downloaded because LABBOOK_OFFLINE is set. To get it, unset LABBOOK_OFFLINE and run: labbook fetch cifar10"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cacheRoot))
    }
}
