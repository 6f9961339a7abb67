import Foundation
import XCTest
@testable import Datasets

/// The IDX reader, and the MNIST loader built on it.
final class IDXTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try TestFiles.makeFolder(for: self)
    }

    /// An IDX file as MNIST writes one.
    private func idx(_ dimensions: [Int], _ values: [UInt8], type: UInt8 = 0x08) -> [UInt8] {
        [0, 0, type, UInt8(dimensions.count)]
            + dimensions.flatMap { size in (0..<4).reversed().map { UInt8(truncatingIfNeeded: size >> ($0 * 8)) } }
            + values
    }

    private func writeFile(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = folder + "/" + name
        try TestFiles.write(bytes, to: path)
        return path
    }

    func testReadsPlainAndGzipImagesAndLabels() throws {
        let pixels = TestFiles.pattern(count: 4 * 3 * 2)
        let plain = try writeFile("images", idx([4, 3, 2], pixels))
        let compressed = try writeFile("images.gz", TestFiles.gzip(idx([4, 3, 2], pixels)))
        for path in [plain, compressed] {
            XCTAssertEqual(try IDX.read(path, dimensionCount: 3), IDXArray(dimensions: [4, 3, 2], values: pixels))
        }
        let labels = try writeFile("labels", idx([5], [9, 0, 3, 3, 1]))
        XCTAssertEqual(try IDX.read(labels, dimensionCount: 1), IDXArray(dimensions: [5], values: [9, 0, 3, 3, 1]))
    }

    func testBigEndianDimensionsOverOneByte() throws {
        let path = try writeFile("wide", idx([1, 300, 2], TestFiles.pattern(count: 600)))
        XCTAssertEqual(try IDX.read(path, dimensionCount: 3).dimensions, [1, 300, 2])
    }

    func testWrongMagicTypeAndDimensionCountAreErrorsAtTheirByte() throws {
        var badMagic = idx([2], [1, 2])
        badMagic[1] = 8
        let magicPath = try writeFile("magic", badMagic)
        assertDatasetError(try IDX.read(magicPath, dimensionCount: 1), path: magicPath,
                           contains: ["not an IDX file: it starts with 0x00 0x08"], offset: 0)
        let floatPath = try writeFile("floats", idx([1], [0, 0, 0, 0], type: 0x0D))
        assertDatasetError(try IDX.read(floatPath, dimensionCount: 1), path: floatPath,
                           contains: ["IDX value type 0x0d (32-bit float) is not supported"], offset: 2)
        let labelsPath = try writeFile("labels", idx([2], [1, 2]))
        assertDatasetError(try IDX.read(labelsPath, dimensionCount: 3), path: labelsPath,
                           contains: ["expected 3 dimensions, the header says 1"], offset: 3)
    }

    func testOverflowingOrImplausibleDimensionsAreRejectedBeforeReading() throws {
        let overflow = try writeFile("overflow", idx([0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], []))
        assertDatasetError(try IDX.read(overflow, dimensionCount: 3), path: overflow,
                           contains: ["4294967295 x 4294967295 x 4294967295", "implausibly many"], offset: 4)
        let huge = try writeFile("huge", idx([65536, 65536, 2], [1, 2, 3]))
        assertDatasetError(try IDX.read(huge, dimensionCount: 3), path: huge,
                           contains: ["65536 x 65536 x 2 describe implausibly many values"], offset: 4)
    }

    func testShortDataIsAnErrorAtTheByteWhereItEnds() throws {
        let values = TestFiles.pattern(count: 7)
        let plain = try writeFile("short", idx([2, 2, 2], values))
        let compressed = try writeFile("short.gz", TestFiles.gzip(idx([2, 2, 2], values)))
        for path in [plain, compressed] {
            assertDatasetError(try IDX.read(path, dimensionCount: 3), path: path,
                               contains: ["the data end after 7 of the 8 bytes that dimensions 2 x 2 x 2 describe"],
                               offset: 16 + 7)
        }
    }

    func testHugeClaimWithLittleDataFailsWithoutAllocatingTheClaim() throws {
        let path = try writeFile("claim.gz", TestFiles.gzip(idx([60000, 1000, 30], [1, 2, 3])))
        assertDatasetError(try IDX.read(path, dimensionCount: 3), path: path,
                           contains: ["the data end after 3 of the 1800000000 bytes"], offset: 16 + 3)
    }

    func testLongDataIsAnErrorAtTheFirstExtraByte() throws {
        let path = try writeFile("long", idx([2, 2], TestFiles.pattern(count: 5)))
        assertDatasetError(try IDX.read(path, dimensionCount: 2), path: path,
                           contains: ["more data follow the 4 bytes that dimensions 2 x 2 describe"], offset: 12 + 4)
    }

    func testTruncatedHeaderEmptyAndMissingFiles() throws {
        let header = try writeFile("header", [0, 0, 8])
        assertDatasetError(try IDX.read(header, dimensionCount: 1), path: header,
                           contains: ["the file ends after 3 of the 4 bytes of the IDX header"], offset: 3)
        let dimensions = try writeFile("dimensions", [0, 0, 8, 3, 0, 0, 0, 1, 0, 0])
        assertDatasetError(try IDX.read(dimensions, dimensionCount: 3), path: dimensions,
                           contains: ["the file ends after 6 of the 12 bytes of the IDX dimensions"], offset: 10)
        let empty = try writeFile("empty", [])
        assertDatasetError(try IDX.read(empty, dimensionCount: 1), path: empty,
                           contains: ["the file ends after 0 of the 4 bytes"], offset: 0)
        let missing = folder + "/missing"
        XCTAssertThrowsError(try IDX.read(missing, dimensionCount: 1)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(path: missing, "no such file"))
        }
    }

    // MARK: MNIST

    /// Writes a split of `count` 3x2 images whose pixels encode (split, image, pixel), and their labels.
    private func writeSplit(_ prefix: String, count: Int, labels: [UInt8], compressed: Bool, split: Int) throws {
        let pixels = (0..<(count * 6)).map { UInt8(split * 100 + $0) }
        let images = idx([count, 3, 2], pixels), labelFile = idx([labels.count], labels)
        let suffix = compressed ? ".gz" : ""
        _ = try writeFile("\(prefix)-images-idx3-ubyte" + suffix, compressed ? TestFiles.gzip(images) : images)
        _ = try writeFile("\(prefix)-labels-idx1-ubyte" + suffix, compressed ? TestFiles.gzip(labelFile) : labelFile)
    }

    func testMNISTLoadsPlainOrGzipFilesPreferringPlain() throws {
        try writeSplit("train", count: 3, labels: [5, 0, 9], compressed: true, split: 0)
        try writeSplit("t10k", count: 2, labels: [7, 1], compressed: false, split: 1)
        _ = try writeFile("t10k-labels-idx1-ubyte.gz", TestFiles.gzip(idx([2], [3, 3])))  // ignored: plain exists
        let data = try MNIST.load(directory: folder, variant: .digits)
        XCTAssertEqual(data.name, "mnist")
        XCTAssertEqual(data.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
        XCTAssertEqual(data.imageShape, ImageShape(channels: 1, height: 3, width: 2))
        XCTAssertEqual(data.train.labels, [5, 0, 9])
        XCTAssertEqual(data.test.labels, [7, 1])
        XCTAssertEqual(data.train.featureCount, 6)
        XCTAssertEqual(data.train.features, .bytes((0..<18).map(UInt8.init)))
        XCTAssertEqual(data.test.features, .bytes((100..<112).map(UInt8.init)))
        XCTAssertEqual(data.files, ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"].map { folder + "/" + $0 })
    }

    func testFashionMNISTNamesItsClasses() throws {
        try writeSplit("train", count: 1, labels: [9], compressed: false, split: 0)
        try writeSplit("t10k", count: 1, labels: [0], compressed: false, split: 1)
        let data = try MNIST.load(directory: folder, variant: .fashion)
        XCTAssertEqual(data.name, "fashion-mnist")
        XCTAssertEqual(data.classNames.count, 10)
        XCTAssertEqual(data.classNames[0], "T-shirt/top")
        XCTAssertEqual(data.classNames[Int(data.train.labels[0])], "Ankle boot")
    }

    func testMNISTMissingFileOrFolderSaysWhatWasLookedFor() throws {
        try writeSplit("train", count: 1, labels: [1], compressed: false, split: 0)
        _ = try writeFile("t10k-images-idx3-ubyte", idx([1, 3, 2], TestFiles.pattern(count: 6)))
        XCTAssertThrowsError(try MNIST.load(directory: folder, variant: .digits)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(
                path: folder, "neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz is in this folder"))
        }
        XCTAssertThrowsError(try MNIST.load(directory: folder + "/nowhere", variant: .digits)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(path: folder + "/nowhere", "no such folder"))
        }
    }

    func testMNISTRejectsMismatchedCountsLabelsAndShapes() throws {
        try writeSplit("train", count: 3, labels: [1, 2], compressed: false, split: 0)
        try writeSplit("t10k", count: 1, labels: [1], compressed: false, split: 1)
        assertDatasetError(try MNIST.load(directory: folder, variant: .digits),
                           path: folder + "/train-labels-idx1-ubyte",
                           contains: ["holds 2 labels but", "holds 3 images"])

        try writeSplit("train", count: 3, labels: [1, 10, 2], compressed: true, split: 0)
        try FileManager.default.removeItem(atPath: folder + "/train-labels-idx1-ubyte")
        try FileManager.default.removeItem(atPath: folder + "/train-images-idx3-ubyte")
        assertDatasetError(try MNIST.load(directory: folder, variant: .digits),
                           path: folder + "/train-labels-idx1-ubyte.gz",
                           contains: ["label 10 of example 1 is not below the 10 classes"], offset: 9)

        try writeSplit("train", count: 3, labels: [1, 1, 2], compressed: true, split: 0)
        _ = try writeFile("t10k-images-idx3-ubyte", idx([1, 2, 3], TestFiles.pattern(count: 6)))
        assertDatasetError(try MNIST.load(directory: folder, variant: .digits),
                           path: folder + "/t10k-images-idx3-ubyte",
                           contains: ["test images are 2x3 but training images are 3x2"])
    }

    /// The real Fashion-MNIST download, where the machine has it.
    func testRealFashionMNISTWhenPresent() throws {
        let directory = "/usr/share/datasets/fashion-mnist"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: directory), "no Fashion-MNIST at \(directory)")
        let data = try MNIST.load(directory: directory, variant: .fashion)
        XCTAssertEqual(data.train.count, 60_000)
        XCTAssertEqual(data.test.count, 10_000)
        XCTAssertEqual(data.imageShape, ImageShape(channels: 1, height: 28, width: 28))
        XCTAssertEqual(data.train.classCounts(classCount: 10), Array(repeating: 6_000, count: 10))
        XCTAssertEqual(data.test.classCounts(classCount: 10), Array(repeating: 1_000, count: 10))
    }
}
