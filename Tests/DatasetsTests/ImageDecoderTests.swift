import Foundation
import XCTest
@testable import Datasets

final class ImageDecoderTests: XCTestCase {
    let path = "fixture/image"

    func samples(_ image: DecodedImage) -> [Int] { image.pixels.map(Int.init) }

    // MARK: PNG, exact

    func testRGBPNGDecodesExactly() throws {
        let image = ImagePattern.image(width: 5, height: 3, channels: 3)
        let decoded = try ImageDecoder.decode(ImagePattern.png(image), path: path, channels: 3)
        XCTAssertEqual(decoded, image)
    }

    func testGreyPNGDecodesExactlyAndReplicatesToRGB() throws {
        let image = ImagePattern.image(width: 4, height: 6, channels: 1)
        let png = ImagePattern.png(image)
        XCTAssertEqual(try ImageDecoder.decode(png, path: path, channels: 1), image)
        let rgb = try ImageDecoder.decode(png, path: path, channels: 3)
        XCTAssertEqual(rgb.channels, 3)
        XCTAssertEqual(rgb.pixels, image.pixels.flatMap { [$0, $0, $0] })
    }

    func testPalettePNGExpandsToItsColours() throws {
        let palette: [UInt8] = [10, 20, 30, 200, 100, 0, 0, 255, 7, 99, 98, 97]
        let indices = [0, 1, 2, 3, 3, 2, 1, 0, 2]
        let png = PNGFixture.encode(width: 3, height: 3, colorType: .palette, samples: indices, palette: palette)
        let decoded = try ImageDecoder.decode(png, path: path, channels: 3)
        XCTAssertEqual(decoded.pixels, indices.flatMap { palette[(3 * $0)..<(3 * $0 + 3)] })
    }

    func testTransparentPaletteDropsAlphaWithoutCompositing() throws {
        let palette: [UInt8] = [250, 40, 60, 1, 2, 3]
        let png = PNGFixture.encode(width: 2, height: 1, colorType: .palette, samples: [0, 1], palette: palette,
                                    transparency: [0, 128])
        XCTAssertEqual(try ImageDecoder.decode(png, path: path, channels: 3).pixels, palette)
    }

    func testRGBAAndGreyAlphaPNGsDropAlpha() throws {
        let colours = ImagePattern.image(width: 3, height: 2, channels: 3)
        var rgba: [Int] = []
        for pixel in 0..<6 { rgba += samples(colours)[(3 * pixel)..<(3 * pixel + 3)] + [pixel * 50] }
        let rgbaPNG = PNGFixture.encode(width: 3, height: 2, colorType: .rgba, samples: rgba)
        XCTAssertEqual(try ImageDecoder.decode(rgbaPNG, path: path, channels: 3), colours)

        let greys = [0, 17, 128, 255, 3, 90]
        let greyAlpha = greys.enumerated().flatMap { [$1, $0 * 40] }
        let greyAlphaPNG = PNGFixture.encode(width: 2, height: 3, colorType: .greyAlpha, samples: greyAlpha)
        XCTAssertEqual(samples(try ImageDecoder.decode(greyAlphaPNG, path: path, channels: 1)), greys)
    }

    /// 16-bit samples of a file without gamma information are sRGB, scaled to 8 bits by rounding
    /// (v / 257), which for most samples is also PIL's high byte.
    func testSixteenBitPNGsScaleToEightBits() throws {
        let eightBit = [0, 1, 77, 128, 200, 254, 255, 13, 66]
        let sixteenBit = eightBit.enumerated().map { $1 * 257 + ($1 == 255 ? 0 : $0 * 9 % 100) }
        let rgb = PNGFixture.encode(width: 3, height: 1, colorType: .rgb, bitDepth: 16, samples: sixteenBit)
        XCTAssertEqual(samples(try ImageDecoder.decode(rgb, path: path, channels: 3)), eightBit)
        let grey = PNGFixture.encode(width: 3, height: 3, colorType: .grey, bitDepth: 16, samples: sixteenBit)
        XCTAssertEqual(samples(try ImageDecoder.decode(grey, path: path, channels: 1)), eightBit)
        // Where rounding and PIL's high byte part: 255 / 257 = 0.99 (high byte 0), 25830 / 257 = 100.5
        // (high byte 100).
        let edges = PNGFixture.encode(width: 2, height: 1, colorType: .grey, bitDepth: 16, samples: [255, 25830])
        XCTAssertEqual(samples(try ImageDecoder.decode(edges, path: path, channels: 1)), [1, 101])
    }

    /// The luma values are PIL 13's `Image.new("RGB", (1, 1), colour).convert("L")`.
    func testRGBBecomesGreyByPILsLuma() throws {
        let colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 200, 30], [128, 128, 128], [201, 13, 99]]
        let png = PNGFixture.encode(width: 6, height: 1, colorType: .rgb, samples: colours.flatMap { $0 })
        let grey = try ImageDecoder.decode(png, path: path, channels: 1)
        XCTAssertEqual(grey.channels, 1)
        XCTAssertEqual(samples(grey), [76, 150, 29, 124, 128, 79])
    }

    // MARK: JPEG, within JPEG's loss

    func testColourJPEGDecodesCloseToItsSource() throws {
        let image = ImagePattern.gradient(width: 24, height: 16, channels: 3)
        let decoded = try ImageDecoder.decode(JPEGFixture.encode(image), path: path, channels: 3)
        XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [24, 16, 3])
        let differences = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }
        XCTAssertLessThanOrEqual(differences.max()!, 6, "largest difference")
        XCTAssertLessThan(Double(differences.reduce(0, +)) / Double(differences.count), 1.5, "mean difference")
    }

    func testProgressiveJPEGDecodesLikeBaseline() throws {
        let image = ImagePattern.gradient(width: 40, height: 24, channels: 3)
        let progressive = JPEGFixture.encode(image, progressive: true)
        // Byte stuffing keeps FF C2 out of the coded data: this is the progressive start of frame.
        XCTAssertTrue(zip(progressive, progressive.dropFirst()).contains { $0 == 0xFF && $1 == 0xC2 })
        let decoded = try ImageDecoder.decode(progressive, path: path, channels: 3)
        XCTAssertLessThanOrEqual(zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max()!, 6)
    }

    func testGreyJPEGDecodesCloseToItsSourceAndReplicates() throws {
        let image = ImagePattern.gradient(width: 16, height: 8, channels: 1)
        let jpeg = JPEGFixture.encode(image)
        let grey = try ImageDecoder.decode(jpeg, path: path, channels: 1)
        XCTAssertLessThanOrEqual(zip(grey.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max()!, 3)
        XCTAssertEqual(try ImageDecoder.decode(jpeg, path: path, channels: 3).pixels, grey.pixels.flatMap { [$0, $0, $0] })
    }

    /// Grey from a colour JPEG is PIL's luma of its RGB decoding, not libjpeg's Y channel.
    func testColourJPEGBecomesGreyThroughRGB() throws {
        let jpeg = JPEGFixture.encode(ImagePattern.image(width: 16, height: 16, channels: 3), quality: 80)
        let rgb = try ImageDecoder.decode(jpeg, path: path, channels: 3)
        XCTAssertEqual(try ImageDecoder.decode(jpeg, path: path, channels: 1), rgb.converted(toChannels: 1))
    }

    // MARK: Errors

    func testAFileThatIsNeitherPNGNorJPEGIsRefusedByItsBytes() {
        assertDatasetError(try ImageDecoder.decode(Array("hello, world".utf8), path: "cats/notes.png", channels: 3),
                           path: "cats/notes.png", contains: ["neither a PNG nor a JPEG", "68 65 6C 6C 6F"])
        assertDatasetError(try ImageDecoder.decode([], path: "cats/empty.jpg", channels: 3),
                           path: "cats/empty.jpg", contains: ["is empty"])
        // A GIF named .png is still a GIF.
        assertDatasetError(try ImageDecoder.decode(Array("GIF89a".utf8) + [1, 0, 1, 0], path: "cat.png", channels: 3),
                           path: "cat.png", contains: ["neither a PNG nor a JPEG", "47 49 46 38"])
    }

    func testTruncatedFilesAreErrors() {
        let png = ImagePattern.png(ImagePattern.image(width: 8, height: 8, channels: 3))
        for length in [10, 33, 50, png.count - 20] {
            assertDatasetError(try ImageDecoder.decode(Array(png.prefix(length)), path: "cut.png", channels: 3),
                               path: "cut.png", contains: ["cannot be decoded as a PNG image"])
        }
        let jpeg = JPEGFixture.encode(ImagePattern.gradient(width: 32, height: 32, channels: 3))
        for length in [3, 30, jpeg.count / 2, jpeg.count - 2] {
            assertDatasetError(try ImageDecoder.decode(Array(jpeg.prefix(length)), path: "cut.jpg", channels: 3),
                               path: "cut.jpg", contains: ["cannot be decoded as a JPEG image"])
        }
        // libjpeg's own warning for data that end early, which it would otherwise fill with grey.
        assertDatasetError(try ImageDecoder.decode(Array(jpeg.prefix(jpeg.count / 2)), path: "cut.jpg", channels: 3),
                           path: "cut.jpg", contains: ["Premature end of JPEG file"])
    }

    func testAHugeClaimedSizeIsRefusedBeforeDecoding() {
        let png = ImagePattern.png(ImagePattern.image(width: 4, height: 4, channels: 3))
        assertDatasetError(
            try ImageDecoder.decode(PNGFixture.claimingSize(png, width: 60_000, height: 50_000), path: "big.png",
                                    channels: 3),
            path: "big.png", contains: ["PNG image of 50000x60000 pixels", "at most 67108864 pixels"])
        // Each side within libpng's and JPEG's limits, but not both together.
        let jpeg = JPEGFixture.encode(ImagePattern.gradient(width: 8, height: 8, channels: 3))
        assertDatasetError(
            try ImageDecoder.decode(JPEGFixture.claimingSize(jpeg, width: 65_000, height: 9_000), path: "big.jpg",
                                    channels: 3),
            path: "big.jpg", contains: ["JPEG image of 9000x65000 pixels", "at most 67108864 pixels"])
        // Beyond libpng's own limit on a side, refused by libpng first.
        assertDatasetError(
            try ImageDecoder.decode(PNGFixture.claimingSize(png, width: 3_000_000, height: 1), path: "wide.png",
                                    channels: 3),
            path: "wide.png", contains: ["cannot be decoded as a PNG image"])
    }

    func testAnEditedButConsistentSizeWithTooLittleDataIsAnError() {
        let png = ImagePattern.png(ImagePattern.image(width: 4, height: 4, channels: 3))
        assertDatasetError(
            try ImageDecoder.decode(PNGFixture.claimingSize(png, width: 4, height: 400), path: "tall.png", channels: 3),
            path: "tall.png", contains: ["cannot be decoded as a PNG image"])
    }

    func testCMYKJPEGsAreRefusedByName() {
        let cmyk = JPEGFixture.encode(Array(repeating: 90, count: 8 * 8 * 4), width: 8, height: 8, channels: 4)
        assertDatasetError(try ImageDecoder.decode(cmyk, path: "print.jpg", channels: 3), path: "print.jpg",
                           contains: ["CMYK JPEG images are not supported"])
    }

    func testAFileLargerThanAnyImageIsRefusedUnread() throws {
        let folder = try TestFiles.makeFolder(for: self)
        let path = folder + "/huge.png"
        try TestFiles.write(ImagePattern.png(ImagePattern.image(width: 2, height: 2, channels: 3)), to: path)
        XCTAssertEqual(truncate(path, off_t(ImageDecoder.maximumFileBytes + 1)), 0)  // sparse: no disk used
        assertDatasetError(try ImageDecoder.decode(contentsOf: path, channels: 3), path: path,
                           contains: ["is 1073741825 bytes", "larger than"])
    }

    func testChannelsOtherThanOneOrThreeAreRefused() {
        let png = ImagePattern.png(ImagePattern.image(width: 2, height: 2, channels: 3))
        assertDatasetError(try ImageDecoder.decode(png, path: path, channels: 4), path: path, contains: ["4 channels"])
    }

    func testFilesAreReadOnlyWhenTheyAreRegularFiles() throws {
        let folder = try TestFiles.makeFolder(for: self)
        let image = ImagePattern.image(width: 3, height: 3, channels: 3)
        try TestFiles.write(ImagePattern.png(image), to: folder + "/a.png")
        XCTAssertEqual(try ImageDecoder.decode(contentsOf: folder + "/a.png", channels: 3), image)
        assertDatasetError(try ImageDecoder.decode(contentsOf: folder, channels: 3), path: folder, contains: ["folder"])
        XCTAssertEqual(mkfifo(folder + "/pipe", 0o600), 0)
        assertDatasetError(try ImageDecoder.decode(contentsOf: folder + "/pipe", channels: 3),
                           path: folder + "/pipe", contains: ["named pipe"])
    }

    /// libpng and libjpeg print warnings and errors to stderr by default; decoding must print nothing.
    func testCorruptFilesPrintNothing() throws {
        let folder = try TestFiles.makeFolder(for: self)
        let capture = open(folder + "/stderr", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(capture, 0)
        let saved = dup(STDERR_FILENO)
        dup2(capture, STDERR_FILENO)
        let png = ImagePattern.png(ImagePattern.image(width: 8, height: 8, channels: 3))
        var badCRC = png
        badCRC[30] ^= 0xFF
        let jpeg = JPEGFixture.encode(ImagePattern.gradient(width: 16, height: 16, channels: 3))
        var corruptJPEG = jpeg
        for index in stride(from: jpeg.count / 2, to: jpeg.count - 2, by: 7) { corruptJPEG[index] ^= 0x5A }
        let inputs = [Array(png.prefix(60)), badCRC, Array(jpeg.prefix(jpeg.count / 2)), corruptJPEG]
        var errors = 0
        for input in inputs {
            do { _ = try ImageDecoder.decode(input, path: path, channels: 3) } catch { errors += 1 }
        }
        fflush(nil)  // every stream, stderr among them
        dup2(saved, STDERR_FILENO)
        close(saved)
        close(capture)
        XCTAssertEqual(errors, inputs.count)
        XCTAssertEqual(try String(contentsOfFile: folder + "/stderr", encoding: .utf8), "")
    }
}
