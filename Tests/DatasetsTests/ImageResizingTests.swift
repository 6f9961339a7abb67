import XCTest
@testable import Datasets

/// Resizing reproduces PIL's `Image.resize(size, Image.BILINEAR)`: the expected bytes below are
/// PIL 13's for `ImagePattern.image` (Image.frombytes of the same pattern), shrinking and enlarging.
final class ImageResizingTests: XCTestCase {
    func resized(width: Int, height: Int, channels: Int, to newWidth: Int, _ newHeight: Int) -> [Int] {
        ImagePattern.image(width: width, height: height, channels: channels)
            .resized(height: newHeight, width: newWidth).pixels.map(Int.init)
    }

    func testShrinkingGreyMatchesPIL() {
        XCTAssertEqual(resized(width: 7, height: 5, channels: 1, to: 3, 2), [105, 125, 133, 124, 139, 151])
    }

    func testShrinkingRGBMatchesPIL() {
        XCTAssertEqual(resized(width: 9, height: 6, channels: 3, to: 4, 3), [
            92, 130, 147, 124, 129, 149, 127, 138, 130, 103, 127, 139, 125, 131, 128, 135, 138, 137,
            139, 136, 126, 132, 124, 124, 121, 152, 117, 140, 131, 113, 141, 132, 126, 120, 138, 128,
        ])
    }

    func testEnlargingRGBMatchesPIL() {
        XCTAssertEqual(resized(width: 5, height: 4, channels: 3, to: 8, 7), [
            0, 53, 106, 16, 69, 122, 39, 92, 145, 62, 115, 168, 86, 139, 192, 109, 162, 215, 132, 185, 238, 148, 201,
            254, 33, 86, 139, 50, 103, 156, 74, 127, 175, 99, 152, 142, 124, 149, 139, 149, 116, 163, 122, 135, 188,
            99, 152, 205, 85, 138, 191, 103, 156, 209, 131, 184, 222, 158, 211, 100, 185, 164, 54, 212, 42, 80, 106,
            55, 108, 21, 74, 127, 137, 190, 115, 157, 154, 135, 179, 112, 157, 129, 142, 107, 119, 132, 97, 148, 81,
            126, 106, 103, 156, 71, 124, 177, 170, 223, 38, 192, 141, 61, 210, 40, 93, 94, 72, 125, 52, 105, 152, 84,
            137, 173, 116, 159, 204, 138, 173, 226, 76, 129, 90, 100, 113, 114, 129, 97, 150, 107, 131, 184, 113, 166,
            167, 147, 200, 99, 183, 143, 124, 206, 95, 148, 17, 70, 123, 42, 95, 148, 79, 132, 185, 115, 168, 221,
            151, 204, 177, 187, 240, 53, 224, 133, 74, 249, 46, 99,
        ])
    }

    /// Shrinking the width and enlarging the height, where the order of the passes shows: PIL makes
    /// the horizontal pass first (Pillow 13 sometimes makes the vertical one first, for speed, when
    /// shrinking the height, which changes a few values by 1).
    func testShrinkingOneSideAndEnlargingTheOtherMatchesPIL() {
        XCTAssertEqual(resized(width: 7, height: 4, channels: 1, to: 3, 9), [
            32, 111, 190, 48, 117, 168, 91, 134, 111, 131, 145, 68, 150, 121, 125, 169, 97, 181,
            131, 126, 159, 84, 162, 126, 67, 176, 114,
        ])
    }

    func testTheSameSizeIsTheSameImage() {
        let image = ImagePattern.image(width: 5, height: 4, channels: 3)
        XCTAssertEqual(image.resized(height: 4, width: 5), image)
    }

    func testAUniformImageStaysUniform() {
        let image = DecodedImage(width: 13, height: 7, channels: 3, pixels: Array(repeating: 201, count: 13 * 7 * 3))
        for (height, width) in [(3, 5), (20, 31), (1, 1), (7, 2)] {
            let resized = image.resized(height: height, width: width)
            XCTAssertEqual(resized.pixels, Array(repeating: 201, count: height * width * 3), "\(height)x\(width)")
        }
    }

    func testPlanarLayoutPutsEachChannelTogether() {
        let image = DecodedImage(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(image.planarPixels, [1, 4, 2, 5, 3, 6])
    }
}
