import CZlib
import Foundation
import XCTest
@testable import Report

/// The PNG encoder, checked by decoding its output independently: chunks, CRCs, inflated rows.
final class PNGReportChartTests: XCTestCase {
    private struct Chunk {
        var type: String
        var data: [UInt8]
    }

    private func bigEndian(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        bytes[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Splits `file` into chunks, failing the test on a bad CRC.
    private func chunks(_ file: [UInt8], file path: StaticString = #filePath, line: UInt = #line) -> [Chunk] {
        var chunks: [Chunk] = []
        var offset = 8
        while offset + 12 <= file.count {
            let length = Int(bigEndian(file, offset))
            guard offset + 12 + length <= file.count else {
                XCTFail("chunk at \(offset) runs past the end", file: path, line: line)
                break
            }
            let typed = Array(file[(offset + 4)..<(offset + 8 + length)])
            let stored = bigEndian(file, offset + 8 + length)
            let computed = typed.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
            XCTAssertEqual(stored, computed, "CRC of chunk \(chunks.count)", file: path, line: line)
            chunks.append(Chunk(type: String(decoding: typed.prefix(4), as: UTF8.self), data: Array(typed.dropFirst(4))))
            offset += 12 + length
        }
        XCTAssertEqual(offset, file.count, "bytes after the last chunk", file: path, line: line)
        return chunks
    }

    private func inflate(_ data: [UInt8], expected: Int) -> [UInt8]? {
        var size = uLongf(expected)
        var output = [UInt8](repeating: 0, count: expected)
        let status = output.withUnsafeMutableBufferPointer { out in
            data.withUnsafeBufferPointer { uncompress(out.baseAddress, &size, $0.baseAddress, uLong($0.count)) }
        }
        guard status == Z_OK else { return nil }
        return Array(output.prefix(Int(size)))
    }

    /// Decodes a file of this encoder's kind back to (width, height, colour type, pixels).
    private func decode(_ file: [UInt8]) -> (width: Int, height: Int, colorType: UInt8, pixels: [UInt8])? {
        XCTAssertEqual(Array(file.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let parts = chunks(file)
        XCTAssertEqual(parts.map(\.type), ["IHDR", "IDAT", "IEND"])
        guard parts.count == 3, parts[0].data.count == 13 else { return nil }
        let header = parts[0].data
        let width = Int(bigEndian(header, 0))
        let height = Int(bigEndian(header, 4))
        XCTAssertEqual(header[8], 8, "bit depth")
        XCTAssertEqual(Array(header[10...12]), [0, 0, 0], "compression, filter method, interlace")
        XCTAssertTrue(parts[2].data.isEmpty)
        let channels = header[9] == 2 ? 3 : 1
        let rowBytes = width * channels
        guard let raw = inflate(parts[1].data, expected: (rowBytes + 1) * height + 16) else {
            XCTFail("IDAT does not inflate")
            return nil
        }
        XCTAssertEqual(raw.count, (rowBytes + 1) * height)
        var pixels: [UInt8] = []
        for row in 0..<height {
            XCTAssertEqual(raw[row * (rowBytes + 1)], 0, "filter type of row \(row)")
            pixels += raw[(row * (rowBytes + 1) + 1)..<((row + 1) * (rowBytes + 1))]
        }
        return (width, height, header[9], pixels)
    }

    func testSignatureConstant() {
        XCTAssertEqual(PNG.signature, [137, 80, 78, 71, 13, 10, 26, 10])
    }

    func testGrayscaleRoundTrips() throws {
        let pixels = (0..<(7 * 5)).map { UInt8($0 * 7 % 256) }
        let file = PNG.encode(width: 7, height: 5, colorType: .grayscale, pixels: pixels)
        let decoded = try XCTUnwrap(decode(file))
        XCTAssertEqual(decoded.width, 7)
        XCTAssertEqual(decoded.height, 5)
        XCTAssertEqual(decoded.colorType, 0)
        XCTAssertEqual(decoded.pixels, pixels)
    }

    func testRGBFromPlanarPixelsRoundTrips() throws {
        var generator = SystemRandomNumberGenerator()
        let planar = (0..<(3 * 32 * 32)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let image = PixelImage(channels: 3, height: 32, width: 32, planar: planar)
        let decoded = try XCTUnwrap(decode(image.pngData()))
        XCTAssertEqual(decoded.colorType, 2)
        XCTAssertEqual(decoded.width, 32)
        // Pixel (row 3, column 5) holds red, green, blue from the three planes.
        let index = 3 * 32 + 5
        XCTAssertEqual(Array(decoded.pixels[(index * 3)..<(index * 3 + 3)]),
                       [planar[index], planar[1024 + index], planar[2048 + index]])
        XCTAssertEqual(decoded.pixels, image.interleaved())
    }

    func testCRCIsZlibsAndACorruptedByteIsCaught() {
        XCTAssertEqual(PNG.crc32(Array("IEND".utf8)), 0xAE42_6082)  // every PNG ends in these bytes
        var file = PNG.encode(width: 1, height: 1, colorType: .grayscale, pixels: [42])
        XCTAssertEqual(Array(file.suffix(4)), [0xAE, 0x42, 0x60, 0x82])
        file[20] ^= 0x01  // inside IHDR's data
        let typed = Array(file[12..<29])
        XCTAssertNotEqual(PNG.crc32(typed), bigEndian(file, 29))
    }

    func testLargerImagesCompress() {
        let flat = [UInt8](repeating: 200, count: 100 * 100)
        let file = PNG.encode(width: 100, height: 100, colorType: .grayscale, pixels: flat)
        XCTAssertLessThan(file.count, 500)
        XCTAssertEqual(decode(file)?.pixels, flat)
    }
}
