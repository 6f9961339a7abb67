import Foundation
import XCTest
@testable import Datasets

final class CIFAR10PythonTests: XCTestCase {
    private var parent = ""
    private var folder = ""
    private let classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    override func setUpWithError() throws {
        parent = try TestFiles.makeFolder(for: self)
        folder = parent + "/cifar-10-batches-py"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// Two images per batch whose pixels encode (batch, image) so the test can check where each landed.
    private func pixels(batch: Int) -> [UInt8] {
        (0..<2).flatMap { image in [UInt8](repeating: UInt8(batch * 10 + image), count: 3072) }
    }

    private func labels(batch: Int) -> [Int] { [batch, 9 - batch] }

    private func writeDataset(python3: Bool = false) throws {
        let names = CIFAR10Python.trainFiles + [CIFAR10Python.testFile]
        for (batch, name) in names.enumerated() {
            let bytes = python3
                ? Python3Pickle.batch(labels: labels(batch: batch), pixels: pixels(batch: batch))
                : Python2Pickle.batch(name: name, labels: labels(batch: batch), pixels: pixels(batch: batch))
            try TestFiles.write(bytes, to: folder + "/" + name)
        }
        try TestFiles.write(Python2Pickle.meta(classes), to: folder + "/batches.meta")
    }

    private func path(_ name: String) -> String { folder + "/" + name }

    func testLoadsPython2BatchesInOrderFromTheFolderOrItsParent() throws {
        try writeDataset()
        for directory in [parent, folder] {
            let data = try CIFAR10Python.load(directory: directory)
            XCTAssertEqual(data.name, "cifar10")
            XCTAssertEqual(data.classNames, classes)
            XCTAssertEqual(data.imageShape, ImageShape(channels: 3, height: 32, width: 32))
            XCTAssertEqual(data.train.labels, (0..<5).flatMap { labels(batch: $0) }.map(UInt8.init))
            XCTAssertEqual(data.test.labels, [5, 4])
            XCTAssertEqual(data.train.features, .bytes((0..<5).flatMap { pixels(batch: $0) }))
            XCTAssertEqual(data.test.features, .bytes(pixels(batch: 5)))
            XCTAssertEqual(data.files, ["batches.meta", "data_batch_1", "data_batch_2", "data_batch_3",
                                        "data_batch_4", "data_batch_5", "test_batch"].map(path))
        }
    }

    func testLoadsProtocol3BatchesWithTextKeys() throws {
        try writeDataset(python3: true)
        let data = try CIFAR10Python.load(directory: folder)
        XCTAssertEqual(data.train.count, 10)
        XCTAssertEqual(data.train.features, .bytes((0..<5).flatMap { pixels(batch: $0) }))
        XCTAssertEqual(data.test.labels, [5, 4])
    }

    func testMissingFileIsNamed() throws {
        try writeDataset()
        try FileManager.default.removeItem(atPath: path("test_batch"))
        XCTAssertThrowsError(try CIFAR10Python.load(directory: parent)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(path: self.path("test_batch"), "no such file"))
        }
    }

    func testTruncatedBatchIsAnErrorAtItsByte() throws {
        try writeDataset()
        let whole = Python2Pickle.batch(name: "data_batch_3", labels: labels(batch: 2), pixels: pixels(batch: 2))
        let dataOpcode = try XCTUnwrap(whole.firstIndex(of: 0x54))
        try TestFiles.write(Array(whole.prefix(dataOpcode + 1000)), to: path("data_batch_3"))
        assertDatasetError(try CIFAR10Python.load(directory: folder), path: path("data_batch_3"),
                           contains: ["BINSTRING claims 6144 bytes, but only 995 remain"], offset: dataOpcode)
    }

    func testWrongShapesAndOddSizedDataAreErrors() throws {
        try writeDataset()
        let narrow = [0x80, 0x02] + ascii("}(") + Python2Pickle.string("data")
            + Python2Pickle.array([UInt8](repeating: 0, count: 6000), shape: [2, 3000])
            + Python2Pickle.string("labels") + Python2Pickle.list([Python2Pickle.int(1), Python2Pickle.int(2)])
            + ascii("u.")
        try TestFiles.write(narrow, to: path("data_batch_2"))
        assertDatasetError(try CIFAR10Python.load(directory: folder), path: path("data_batch_2"),
                           contains: ["'data' must be a uint8 array of shape [N, 3072], found shape [2, 3000]"])

        let odd = [0x80, 0x02] + ascii("}(") + Python2Pickle.string("data")
            + Python2Pickle.array([UInt8](repeating: 0, count: 6143), shape: [2, 3072]) + ascii("u.")
        try TestFiles.write(odd, to: path("data_batch_2"))
        assertDatasetError(try CIFAR10Python.load(directory: folder), path: path("data_batch_2"),
                           contains: ["shape [2, 3072] needs 6144 bytes of data, finds 6143"])

        let noData = [0x80, 0x02] + ascii("}(") + Python2Pickle.string("labels") + Python2Pickle.list([]) + ascii("u.")
        try TestFiles.write(noData, to: path("data_batch_2"))
        assertDatasetError(try CIFAR10Python.load(directory: folder), path: path("data_batch_2"),
                           contains: ["the batch has no 'data'"])
    }

    func testLabelsMustBeInRangeAndMatchTheRows() throws {
        try writeDataset()
        try TestFiles.write(Python2Pickle.batch(name: "t", labels: [3, 10], pixels: pixels(batch: 5)),
                            to: path("test_batch"))
        assertDatasetError(try CIFAR10Python.load(directory: folder), path: path("test_batch"),
                           contains: ["label 1 is 10, not a class from 0 to 9"])

        var short = Python2Pickle.batch(name: "t", labels: [3, 4], pixels: pixels(batch: 5))
        let twoLabels = Python2Pickle.list([Python2Pickle.int(3), Python2Pickle.int(4)])
        let labelList = try XCTUnwrap(short.firstRange(of: twoLabels))
        short.replaceSubrange(labelList, with: Python2Pickle.list([Python2Pickle.int(3)]))
        try TestFiles.write(short, to: path("test_batch"))
        assertDatasetError(try CIFAR10Python.load(directory: folder), path: path("test_batch"),
                           contains: ["1 labels for 2 images"])
    }

    func testMetaMustNameTenClasses() throws {
        try writeDataset()
        try TestFiles.write(Python2Pickle.meta(["cat", "dog"]), to: path("batches.meta"))
        assertDatasetError(try CIFAR10Python.load(directory: folder), path: path("batches.meta"),
                           contains: ["expected 10 label names as text, found 2 entries"])
    }

    func testAHostileOpcodeInABatchIsRefusedWithFileAndByte() throws {
        try writeDataset()
        let hostile = ascii("\u{80}\u{02}}(U\u{04}datacposix\nsystem\nU\u{02}ls\u{85}Ru.")
        try TestFiles.write(hostile, to: path("data_batch_4"))
        assertDatasetError(try CIFAR10Python.load(directory: folder), path: path("data_batch_4"),
                           contains: ["refusing to load global posix.system"], offset: 10)
        try TestFiles.write(ascii("\u{80}\u{02}(cposix\nsystem\nS'ls'\no."), to: path("data_batch_4"))
        assertDatasetError(try CIFAR10Python.load(directory: folder), path: path("data_batch_4"),
                           contains: ["refusing to load global posix.system"], offset: 3)
    }

    /// The files `cifar10-from-jpeg --python` writes, where the machine has them.
    func testRealPythonBatchesWhenPresent() throws {
        let directory = "/work/cifar/cifar-10-batches-py"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: directory), "no CIFAR-10 at \(directory)")
        let data = try CIFAR10Python.load(directory: directory)
        XCTAssertEqual(data.train.count, 50_000)
        XCTAssertEqual(data.test.count, 10_000)
        XCTAssertEqual(data.classNames, classes)
        XCTAssertEqual(data.train.classCounts(classCount: 10), Array(repeating: 5_000, count: 10))
        XCTAssertEqual(data.test.classCounts(classCount: 10), Array(repeating: 1_000, count: 10))
    }
}
