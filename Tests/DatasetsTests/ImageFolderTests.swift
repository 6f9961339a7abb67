import Foundation
import XCTest
@testable import Datasets

final class ImageFolderTests: XCTestCase {
    /// Distinct 4x3 RGB images, each from its own seed.
    func image(_ seed: Int, width: Int = 4, height: Int = 3, channels: Int = 3) -> DecodedImage {
        ImagePattern.image(width: width, height: height, channels: channels, seed: seed)
    }

    func write(_ image: DecodedImage, at relativePath: String, in folder: String) throws {
        try TestFiles.write(ImagePattern.png(image), at: relativePath, in: folder)
    }

    func example(_ split: LabeledExamples, _ index: Int) -> [UInt8] {
        guard case .bytes(let bytes) = split.features else { XCTFail("features are not bytes"); return [] }
        return Array(bytes[(index * split.featureCount)..<((index + 1) * split.featureCount)])
    }

    func testTrainAndTestFoldersGiveSortedClassesFilesAndPlanarPixels() throws {
        let folder = try TestFiles.makeFolder(for: self)
        // Created out of order; names sort by their bytes: "10" before "9", capitals before small letters.
        try write(image(1), at: "train/dog/b.png", in: folder)
        try write(image(2), at: "train/dog/a.png", in: folder)
        try write(image(3), at: "train/cat/9.png", in: folder)
        try write(image(4), at: "train/cat/10.png", in: folder)
        try write(image(5), at: "train/Zebra/z.png", in: folder)
        try TestFiles.write(JPEGFixture.encode(ImagePattern.gradient(width: 4, height: 3, channels: 3)),
                            at: "test/dog/x.jpg", in: folder)
        try write(image(6), at: "test/cat/y.png", in: folder)
        try TestFiles.write(Array("notes".utf8), at: "README.md", in: folder)

        let dataset = try ImageFolder.load(path: folder, size: nil, channels: 3)
        XCTAssertEqual(dataset.classNames, ["Zebra", "cat", "dog"])
        XCTAssertEqual(dataset.imageShape, ImageShape(channels: 3, height: 3, width: 4))
        XCTAssertEqual(dataset.featureCount, 36)
        XCTAssertEqual(dataset.train.labels, [0, 1, 1, 2, 2])
        XCTAssertEqual(dataset.test.labels, [1, 2])
        let expectedFiles = ["train/Zebra/z.png", "train/cat/10.png", "train/cat/9.png", "train/dog/a.png",
                             "train/dog/b.png", "test/cat/y.png", "test/dog/x.jpg"].map { folder + "/" + $0 }
        XCTAssertEqual(dataset.files, expectedFiles)
        XCTAssertEqual(try ImageFolder.files(path: folder), expectedFiles)
        XCTAssertEqual(dataset.name, (folder as NSString).lastPathComponent)
        for (index, seed) in [5, 4, 3, 2, 1].enumerated() {
            XCTAssertEqual(example(dataset.train, index), image(seed).planarPixels, "training example \(index)")
        }
        XCTAssertEqual(example(dataset.test, 0), image(6).planarPixels)
        let jpeg = try ImageDecoder.decode(contentsOf: folder + "/test/dog/x.jpg", channels: 3)
        XCTAssertEqual(example(dataset.test, 1), jpeg.planarPixels)
    }

    func testOneLevelOfClassFoldersIsAllTrainingData() throws {
        let folder = try TestFiles.makeFolder(for: self)
        for index in 0..<6 {
            try write(image(index), at: "\(index % 2 == 0 ? "even" : "odd")/\(index).png", in: folder)
        }
        let dataset = try ImageFolder.load(path: folder + "/", size: nil, channels: 3)
        XCTAssertEqual(dataset.classNames, ["even", "odd"])
        XCTAssertEqual(dataset.train.labels, [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(dataset.test.count, 0)
        XCTAssertEqual(dataset.files, ["even/0.png", "even/2.png", "even/4.png", "odd/1.png", "odd/3.png", "odd/5.png"]
            .map { folder + "/" + $0 })
        XCTAssertEqual(example(dataset.train, 3), image(1).planarPixels)
        let split = try dataset.holdingOutTest(fraction: 1.0 / 3, seed: 7)
        XCTAssertEqual([split.train.count, split.test.count], [4, 2])
    }

    func testChannelsConvertGreyAndColour() throws {
        let folder = try TestFiles.makeFolder(for: self)
        try write(image(1, channels: 1), at: "a/grey.png", in: folder)
        try write(image(2, channels: 3), at: "b/colour.png", in: folder)
        let grey = try ImageFolder.load(path: folder, size: nil, channels: 1)
        XCTAssertEqual(grey.imageShape, ImageShape(channels: 1, height: 3, width: 4))
        XCTAssertEqual(example(grey.train, 0), image(1, channels: 1).pixels)
        XCTAssertEqual(example(grey.train, 1), image(2).converted(toChannels: 1).pixels)
        let colour = try ImageFolder.load(path: folder, size: nil, channels: 3)
        XCTAssertEqual(example(colour.train, 0), image(1, channels: 1).converted(toChannels: 3).planarPixels)
        let greyPlane = image(1, channels: 1).pixels
        XCTAssertEqual(example(colour.train, 0), greyPlane + greyPlane + greyPlane)
    }

    func testASizeResizesEveryImage() throws {
        let folder = try TestFiles.makeFolder(for: self)
        try write(image(1, width: 9, height: 6), at: "a/big.png", in: folder)
        try write(image(2, width: 3, height: 2), at: "a/small.png", in: folder)
        try write(image(3, width: 5, height: 4), at: "b/same.png", in: folder)
        let dataset = try ImageFolder.load(path: folder, size: (height: 4, width: 5), channels: 3)
        XCTAssertEqual(dataset.imageShape, ImageShape(channels: 3, height: 4, width: 5))
        XCTAssertEqual(example(dataset.train, 0), image(1, width: 9, height: 6).resized(height: 4, width: 5).planarPixels)
        XCTAssertEqual(example(dataset.train, 1), image(2, width: 3, height: 2).resized(height: 4, width: 5).planarPixels)
        XCTAssertEqual(example(dataset.train, 2), image(3, width: 5, height: 4).planarPixels)
    }

    func testTheResultDoesNotDependOnTheThreadCount() throws {
        let folder = try TestFiles.makeFolder(for: self)
        for index in 0..<150 {
            try write(image(index, width: 6, height: 5), at: "train/c\(index % 3)/\(index).png", in: folder)
        }
        for index in 0..<40 {
            try write(image(index + 500, width: 6, height: 5), at: "test/c\(index % 2)/\(index).png", in: folder)
        }
        let reference = try ImageFolder.load(path: folder, size: (height: 4, width: 3), channels: 1, threads: 1)
        for threads in [2, 3, 8] {
            XCTAssertEqual(try ImageFolder.load(path: folder, size: (height: 4, width: 3), channels: 1, threads: threads),
                           reference, "\(threads) threads")
        }
        // With several bad files, the first in reading order is the one named, whatever the threads.
        try TestFiles.write(Array("bad".utf8), at: "train/c2/77.png", in: folder)
        try TestFiles.write(Array("worse".utf8), at: "train/c0/3.png", in: folder)
        try TestFiles.write(Array("worst".utf8), at: "test/c1/9.png", in: folder)
        for threads in [1, 2, 8] {
            assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3, threads: threads),
                               path: folder + "/train/c0/3.png", contains: ["neither a PNG nor a JPEG"])
        }
    }

    func testHiddenFilesAreSkippedAndLinksFollowed() throws {
        let folder = try TestFiles.makeFolder(for: self)
        try write(image(1), at: "data/cat/a.png", in: folder)
        try TestFiles.write(Array("Finder's notes".utf8), at: "data/cat/.DS_Store", in: folder)
        try write(image(2), at: "elsewhere/dog/b.png", in: folder)
        try write(image(3), at: "elsewhere/photo.png", in: folder)
        try FileManager.default.createSymbolicLink(atPath: folder + "/data/dog",
                                                   withDestinationPath: folder + "/elsewhere/dog")
        try FileManager.default.createSymbolicLink(atPath: folder + "/data/cat/linked.png",
                                                   withDestinationPath: folder + "/elsewhere/photo.png")
        try FileManager.default.createDirectory(atPath: folder + "/data/.cache/x", withIntermediateDirectories: true)
        let dataset = try ImageFolder.load(path: folder + "/data", size: nil, channels: 3)
        XCTAssertEqual(dataset.classNames, ["cat", "dog"])
        XCTAssertEqual(dataset.files, ["cat/a.png", "cat/linked.png", "dog/b.png"].map { folder + "/data/" + $0 })
        XCTAssertEqual(example(dataset.train, 1), image(3).planarPixels)
    }

    // MARK: Errors

    func testImagesOfDifferentSizesNeedASize() throws {
        let folder = try TestFiles.makeFolder(for: self)
        try write(image(1), at: "a/1.png", in: folder)
        try write(image(2, width: 5, height: 3), at: "b/2.png", in: folder)
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder + "/b/2.png",
                           contains: ["is 3x5 pixels", folder + "/a/1.png", "is 3x4", "size"])
    }

    func testATestClassMustBeATrainingClass() throws {
        let folder = try TestFiles.makeFolder(for: self)
        try write(image(1), at: "train/cat/1.png", in: folder)
        try write(image(2), at: "test/cat/2.png", in: folder)
        try write(image(3), at: "test/cow/3.png", in: folder)
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder + "/test/cow",
                           contains: ["no training folder", "cat"])
        assertDatasetError(try ImageFolder.files(path: folder), path: folder + "/test/cow",
                           contains: ["no training folder"])
    }

    func testAnEmptyClassFolderIsAnError() throws {
        let folder = try TestFiles.makeFolder(for: self)
        try write(image(1), at: "cat/1.png", in: folder)
        try TestFiles.write(Array("hidden".utf8), at: "dog/.keep", in: folder)
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder + "/dog",
                           contains: ["no images"])
    }

    func testAStrayFileOrFolderInAClassFolderIsAnError() throws {
        let folder = try TestFiles.makeFolder(for: self)
        try write(image(1), at: "cat/1.png", in: folder)
        try TestFiles.write(Array("label,file\n".utf8), at: "cat/labels.csv", in: folder)
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder + "/cat/labels.csv",
                           contains: ["neither a PNG nor a JPEG"])
        try FileManager.default.removeItem(atPath: folder + "/cat/labels.csv")
        try write(image(2), at: "cat/more/2.png", in: folder)
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder + "/cat/more",
                           contains: ["is a folder inside the class folder"])
    }

    func testABrokenLinkAndAPipeAreErrors() throws {
        let folder = try TestFiles.makeFolder(for: self)
        try write(image(1), at: "cat/1.png", in: folder)
        try FileManager.default.createSymbolicLink(atPath: folder + "/cat/2.png", withDestinationPath: folder + "/gone.png")
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder + "/cat/2.png",
                           contains: ["link to something missing"])
        try FileManager.default.removeItem(atPath: folder + "/cat/2.png")
        XCTAssertEqual(mkfifo(folder + "/cat/3.png", 0o600), 0)
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder + "/cat/3.png",
                           contains: ["named pipe"])
    }

    func testLayoutMistakesAreNamed() throws {
        let folder = try TestFiles.makeFolder(for: self)
        assertDatasetError(try ImageFolder.load(path: folder + "/missing", size: nil, channels: 3),
                           path: folder + "/missing", contains: ["no such file or folder"])
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder,
                           contains: ["holds no class folders"])
        try write(image(1), at: "train/cat/1.png", in: folder)
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder,
                           contains: ["has a train/ folder but no test/ folder"])
        try write(image(2), at: "test/cat/2.png", in: folder)
        try write(image(3), at: "val/cat/3.png", in: folder)
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder + "/val",
                           contains: ["beside train/ and test/"])
    }

    func testMoreThan256ClassesAreAnError() throws {
        let folder = try TestFiles.makeFolder(for: self)
        for index in 0..<257 {
            try FileManager.default.createDirectory(atPath: folder + "/class\(index)", withIntermediateDirectories: true)
        }
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 3), path: folder,
                           contains: ["257 class folders", "at most 256"])
    }

    func testBadSizesAndChannelsAreRefused() throws {
        let folder = try TestFiles.makeFolder(for: self)
        try write(image(1), at: "cat/1.png", in: folder)
        assertDatasetError(try ImageFolder.load(path: folder, size: nil, channels: 2), path: folder,
                           contains: ["2 channels"])
        assertDatasetError(try ImageFolder.load(path: folder, size: (height: 0, width: 5), channels: 3), path: folder,
                           contains: ["cannot resize images to 0x5"])
        assertDatasetError(try ImageFolder.load(path: folder, size: (height: 10_000, width: 10_000), channels: 3),
                           path: folder, contains: ["cannot resize images to 10000x10000"])
    }

    func testAFolderTooLargeToLoadIsRefusedBeforeAllocating() throws {
        let folder = try TestFiles.makeFolder(for: self)
        let png = ImagePattern.png(image(1))
        // 200 images that claim 8192x8192 pixels: 40 GB of RGB, refused before anything is decoded.
        for index in 0..<200 {
            try TestFiles.write(PNGFixture.claimingSize(png, width: 8192, height: 8192), at: "cat/\(index).png", in: folder)
        }
        assertDatasetError(try ImageFolder.load(path: folder, size: (height: 8192, width: 8192), channels: 3),
                           path: folder, contains: ["200 images of 8192x8192", "8 GiB"])
    }
}
