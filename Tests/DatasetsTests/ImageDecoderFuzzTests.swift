import Foundation
import NeuralNet
import XCTest
@testable import Datasets

/// Seeded mutations of a valid PNG and a valid JPEG: every input must decode or throw a
/// `DatasetError`, never crash, hang, print or allocate by a file's claims beyond the limits.
final class ImageDecoderFuzzTests: XCTestCase {
    /// Flips, overwrites, cuts or inserts bytes, biased toward the headers, where sizes and
    /// formats are claimed.
    func mutate(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        var result = bytes
        for _ in 0...generator.nextInt(below: 3) {
            guard !result.isEmpty else { break }
            let span = generator.nextInt(below: 2) == 0 ? min(result.count, 64) : result.count
            let position = generator.nextInt(below: span)
            switch generator.nextInt(below: 6) {
            case 0: result[position] = UInt8(truncatingIfNeeded: generator.next())
            case 1: result[position] ^= 1 << UInt8(generator.nextInt(below: 8))
            case 2: result = Array(result[..<position])
            case 3:
                let inserted = (0..<(1 + generator.nextInt(below: 8))).map { _ in
                    UInt8(truncatingIfNeeded: generator.next())
                }
                result.insert(contentsOf: inserted, at: position)
            case 4: result[position] = 0xFF
            default: result[position] = 0
            }
        }
        return result
    }

    func testMutatedImagesDecodeOrFailCleanly() throws {
        let colour = ImagePattern.image(width: 12, height: 9, channels: 3)
        let palette: [UInt8] = (0..<16).flatMap { (entry: Int) -> [UInt8] in
            [UInt8(entry * 16), UInt8(255 - entry * 16), UInt8(entry * 7)]
        }
        let palettePNG = PNGFixture.encode(width: 8, height: 4, colorType: .palette,
                                           samples: (0..<32).map { $0 % 16 }, palette: palette)
        let unchanged: ([UInt8]) -> [UInt8] = { $0 }
        // (name, valid file, what is done to each mutation before it is decoded)
        let seeds: [(name: String, bytes: [UInt8], finish: ([UInt8]) -> [UInt8])] = [
            ("png", ImagePattern.png(colour), unchanged),
            // Most mutations of a PNG only break a chunk's CRC; with the CRCs made right again they
            // reach libpng's header, palette and zlib checks.
            ("png with CRCs repaired", ImagePattern.png(colour), PNGFixture.repairingCRCs),
            ("palette png with CRCs repaired", palettePNG, PNGFixture.repairingCRCs),
            ("jpeg", JPEGFixture.encode(ImagePattern.gradient(width: 24, height: 16, channels: 3), quality: 90), unchanged),
            ("progressive jpeg",
             JPEGFixture.encode(ImagePattern.gradient(width: 24, height: 16, channels: 3), quality: 90, progressive: true),
             unchanged),
            ("grey jpeg", JPEGFixture.encode(ImagePattern.gradient(width: 16, height: 16, channels: 1), quality: 75),
             unchanged),
        ]
        var generator = SeededGenerator(seed: 2024)
        let iterations = Int(ProcessInfo.processInfo.environment["LABBOOK_FUZZ_ITERATIONS"] ?? "") ?? 1000
        for seed in seeds {
            for channels in [1, 3] {
                XCTAssertNoThrow(try ImageDecoder.decode(seed.bytes, path: seed.name, channels: channels), seed.name)
            }
            var failures = 0
            for iteration in 0..<iterations {
                let mutated = seed.finish(mutate(seed.bytes, &generator))
                do {
                    let image = try ImageDecoder.decode(mutated, path: seed.name, channels: 1 + 2 * (iteration % 2))
                    XCTAssertLessThanOrEqual(image.width * image.height, ImageDecoder.maximumPixelCount)
                    XCTAssertEqual(image.pixels.count, image.width * image.height * image.channels)
                } catch let error as DatasetError {
                    XCTAssertEqual(error.path, seed.name)
                    failures += 1
                }
            }
            XCTAssertGreaterThan(failures, iterations / 10, "\(seed.name): mutations should often be rejected")
        }
    }
}
