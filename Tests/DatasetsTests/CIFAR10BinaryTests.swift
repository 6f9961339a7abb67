import Foundation
import XCTest
@testable import Datasets

final class CIFAR10BinaryTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cifar-bin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A record whose pixels encode (file, record, channel) so the test can check where each landed.
    private func record(label: UInt8, file: Int, index: Int) -> [UInt8] {
        [label] + (0..<3).flatMap { channel in
            [UInt8](repeating: UInt8(file * 40 + index * 4 + channel), count: 1024)
        }
    }

    private func writeDataset(recordsPerFile: Int = 2, meta: String? = "a\nb\nc\n") throws {
        let names = CIFAR10Binary.trainFiles + [CIFAR10Binary.testFile]
        for (file, name) in names.enumerated() {
            let bytes = (0..<recordsPerFile).flatMap { record(label: UInt8(($0 + file) % 3), file: file, index: $0) }
            try Data(bytes).write(to: folder.appendingPathComponent(name))
        }
        if let meta { try Data(meta.utf8).write(to: folder.appendingPathComponent(CIFAR10Binary.metaFile)) }
    }

    func testLoadsRecordsInFileOrderWithPlanarPixels() throws {
        try writeDataset()
        let data = try CIFAR10Binary.load(directory: folder.path)
        XCTAssertEqual(data.classNames, ["a", "b", "c"])
        XCTAssertEqual(data.train.count, 10)
        XCTAssertEqual(data.test.count, 2)
        XCTAssertEqual(data.train.labels, [0, 1, 1, 2, 2, 0, 0, 1, 1, 2])
        XCTAssertEqual(data.imageShape, ImageShape(channels: 3, height: 32, width: 32))
        // Example 3 is file 1, record 1: red plane value 44, green 45, blue 46.
        XCTAssertEqual(data.train.features[3 * 3072], 44)
        XCTAssertEqual(data.train.features[3 * 3072 + 1024], 45)
        XCTAssertEqual(data.train.features[3 * 3072 + 3071], 46)
        XCTAssertEqual(data.test.features[0], 200)
        XCTAssertEqual(data.files.count, 6)
    }

    func testAcceptsTheParentFolderAndDefaultsTheClassNames() throws {
        let parent = folder!
        folder = parent.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try writeDataset(meta: nil)
        let data = try CIFAR10Binary.load(directory: parent.path)
        XCTAssertEqual(data.classNames.first, "airplane")
        XCTAssertEqual(data.classNames.count, 10)
    }

    func testMissingFileIsNamed() throws {
        try writeDataset()
        let missing = folder.appendingPathComponent("data_batch_3.bin")
        try FileManager.default.removeItem(at: missing)
        XCTAssertThrowsError(try CIFAR10Binary.load(directory: folder.path)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(path: missing.path, "no such file"))
        }
    }

    func testTruncatedFileIsRejectedWithItsSize() throws {
        try writeDataset()
        let truncated = folder.appendingPathComponent("test_batch.bin")
        try Data(record(label: 0, file: 0, index: 0).dropLast(5)).write(to: truncated)
        XCTAssertThrowsError(try CIFAR10Binary.load(directory: folder.path)) { error in
            let message = "\(error)"
            XCTAssert(message.hasPrefix(truncated.path + ": size 3068 bytes is not a whole number"), message)
        }
        try Data().write(to: truncated)
        XCTAssertThrowsError(try CIFAR10Binary.load(directory: folder.path))
    }

    func testLabelOutOfRangeGivesRecordAndOffset() throws {
        try writeDataset()
        let file = folder.appendingPathComponent("data_batch_2.bin")
        try Data(record(label: 0, file: 0, index: 0) + record(label: 7, file: 0, index: 1)).write(to: file)
        XCTAssertThrowsError(try CIFAR10Binary.load(directory: folder.path)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(
                path: file.path, "record 1 has label 7, but there are only 3 classes", offset: 3073))
        }
    }

    func testBadClassNameFilesAreRejected() throws {
        try writeDataset(meta: "only-one\n")
        XCTAssertThrowsError(try CIFAR10Binary.load(directory: folder.path)) { error in
            XCTAssert("\(error)".contains("expected 2 to 256 class names"), "\(error)")
        }
        try Data([0x61, 0x0a, 0xff, 0xfe]).write(to: folder.appendingPathComponent(CIFAR10Binary.metaFile))
        XCTAssertThrowsError(try CIFAR10Binary.load(directory: folder.path)) { error in
            XCTAssert("\(error)".contains("not UTF-8"), "\(error)")
        }
    }
}
