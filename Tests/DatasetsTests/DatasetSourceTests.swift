import Foundation
import XCTest
@testable import Datasets

final class DatasetSourceTests: XCTestCase {
    func testChecksumsMatchKnownDigests() {
        var md5 = Checksum.md5("").makeHasher()
        md5.update(Data("ab".utf8))
        md5.update(Data("c".utf8))
        XCTAssertEqual(md5.finalize(), "900150983cd24fb0d6963f7d28e17f72")
        var sha256 = Checksum.sha256("").makeHasher()
        sha256.update(Data("abc".utf8))
        XCTAssertEqual(sha256.finalize(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testOfficialSourcesNameTheFilesTheLoadersRead() throws {
        for kind in DatasetKind.allCases where kind != .spiral {
            let source = try XCTUnwrap(DatasetSource.official(kind), kind.rawValue)
            XCTAssert(source.files.allSatisfy { $0.checksum.isWellFormed && ($0.bytes ?? 0) > 0 }, kind.rawValue)
            XCTAssertEqual(source.packaging.folder, kind == .cifar10 ? "cifar-10-batches-bin"
                           : kind == .cifar10Python ? "cifar-10-batches-py" : kind.rawValue)
            let home = "/nonexistent-home"
            XCTAssertEqual(DataLocator(environment: [:], home: home).candidates(for: kind).first,
                           home + "/.cache/labbook/datasets/" + source.packaging.folder, "fetched data is found first")
        }
        XCTAssertNil(DatasetSource.official(.spiral))
        let mnist = try XCTUnwrap(DatasetSource.official(.mnist))
        XCTAssertEqual(mnist.files.map(\.name), [MNIST.trainImagesFile, MNIST.trainLabelsFile, MNIST.testImagesFile,
                                                 MNIST.testLabelsFile].map { $0 + ".gz" })
        XCTAssertEqual(DatasetSource.official(.cifar10)?.files.first?.url.absoluteString,
                       "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")
        XCTAssertEqual(DatasetSource.official(.fashionMNIST)?.files.last?.checksum, .md5("bb300cfdad3c16e7a12a480ee83cd310"))
    }

    func testMirrorReplacesTheBaseOfEveryURL() throws {
        let settings = DownloadSettings(environment: ["LABBOOK_DATA_MIRROR": "http://mirror.example/data/"])
        XCTAssertEqual(try settings.source(for: .cifar10)?.files.map(\.url.absoluteString),
                       ["http://mirror.example/data/cifar10/cifar-10-binary.tar.gz"])
        XCTAssertEqual(try settings.source(for: .fashionMNIST)?.files.first?.url.absoluteString,
                       "http://mirror.example/data/fashion-mnist/train-images-idx3-ubyte.gz")
        XCTAssertEqual(try settings.source(for: .cifar10)?.files.first?.checksum,
                       DatasetSource.official(.cifar10)?.files.first?.checksum, "a mirror keeps the official checksums")
        XCTAssertThrowsError(try DownloadSettings(environment: ["LABBOOK_DATA_MIRROR": "ftp://x/"]).source(for: .mnist)) {
            XCTAssert("\($0)".contains("LABBOOK_DATA_MIRROR 'ftp://x/' is not an http:// or https:// URL"), "\($0)")
        }
    }

    func testOfflineIsAnyValueButZero() {
        XCTAssertTrue(DownloadSettings(environment: ["LABBOOK_OFFLINE": "1"]).offline)
        XCTAssertTrue(DownloadSettings(environment: ["LABBOOK_OFFLINE": "yes"]).offline)
        XCTAssertFalse(DownloadSettings(environment: ["LABBOOK_OFFLINE": "0"]).offline)
        XCTAssertFalse(DownloadSettings(environment: [:]).offline)
    }

    private func manifestSource(_ json: String, for kind: DatasetKind = .cifar10) throws -> DatasetSource? {
        let path = try TestFiles.makeFolder(for: self) + "/manifest.json"
        try TestFiles.write(Array(json.utf8), to: path)
        return try DownloadSettings(environment: ["LABBOOK_DATA_MANIFEST": path]).source(for: kind)
    }

    func testManifestReplacesTheListedDatasetsOnly() throws {
        let sha = String(repeating: "ab", count: 32)
        let json = """
            {"cifar10": [{"url": "https://mirror.example/c10.tgz", "sha256": "\(sha)", "bytes": 12}]}
            """
        let source = try XCTUnwrap(try manifestSource(json))
        XCTAssertEqual(source.files, [DatasetSource.File(name: "c10.tgz", url: URL(string: "https://mirror.example/c10.tgz")!,
                                                         checksum: .sha256(sha), bytes: 12)])
        XCTAssertEqual(source.packaging, .tarGzip(folder: "cifar-10-batches-bin"))
        XCTAssertEqual(try manifestSource(json, for: .mnist), DatasetSource.official(.mnist))
    }

    func testBadManifestsAreNamedErrors() throws {
        let md5 = String(repeating: "0", count: 32)
        let cases = [
            ("not json", "expected a JSON object"),
            (#"{"cifar10": [{"url": "file:///etc/passwd", "md5": "\#(md5)"}]}"#, "is not an http:// or https:// URL"),
            (#"{"cifar10": [{"url": "http://x/a.tgz"}]}"#, "needs one checksum"),
            (#"{"cifar10": [{"url": "http://x/a.tgz", "md5": "abc"}]}"#, "'abc' is not a md5 digest"),
            (#"{"cifar10": [{"url": "http://x/..", "md5": "\#(md5)"}]}"#, "is not a plain file name"),
            (#"{"cifar10": [{"url": "http://x/a", "md5": "\#(md5)"}, {"url": "http://x/b", "md5": "\#(md5)"}]}"#,
             "needs exactly one .tar.gz file"),
            (#"{"spiral": []}"#, "'spiral' is not a dataset that can be downloaded"),
            (#"{"mnist": [{"url": "http://x/train-images-idx3-ubyte.gz", "md5": "\#(md5)"}]}"#,
             "mnist lists no train-labels-idx1-ubyte.gz"),
        ]
        for (json, message) in cases {
            XCTAssertThrowsError(try manifestSource(json, for: json.contains("mnist") ? .mnist : .cifar10), json) { error in
                XCTAssert("\(error)".hasPrefix("LABBOOK_DATA_MANIFEST /"), "\(error)")
                XCTAssert("\(error)".contains(message), "\(error) lacks \(message)")
            }
        }
    }
}
