import CImageCodecs
import CZlib
import Foundation
import XCTest
@testable import Datasets

/// PNG files for decoder and folder tests, written here so that no binary fixture is committed.
///
/// Written by hand rather than with libpng's simplified writer, which always records a gamma and
/// cannot write 16-bit samples without declaring them linear: these files hold exactly the chunks
/// a test asks for, as most tools write them.
enum PNGFixture {
    enum ColorType: UInt8 {
        case grey = 0, rgb = 2, palette = 3, greyAlpha = 4, rgba = 6

        var samplesPerPixel: Int {
            switch self {
            case .grey, .palette: 1
            case .greyAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }
    }

    /// A PNG of `width` x `height` pixels whose `samples` (row by row, each pixel's samples together;
    /// palette indices for `.palette`) are 8- or 16-bit, with an optional palette (RGB triples) and
    /// tRNS chunk.
    static func encode(width: Int, height: Int, colorType: ColorType, bitDepth: Int = 8, samples: [Int],
                       palette: [UInt8] = [], transparency: [UInt8] = []) -> [UInt8] {
        precondition(samples.count == width * height * colorType.samplesPerPixel, "sample count")
        precondition(bitDepth == 8 || bitDepth == 16, "8- or 16-bit samples only")
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [UInt8(bitDepth), colorType.rawValue, 0, 0, 0]
        let rowSamples = width * colorType.samplesPerPixel
        var scanlines: [UInt8] = []
        for row in 0..<height {
            scanlines.append(0)  // filter type None
            for sample in samples[(row * rowSamples)..<((row + 1) * rowSamples)] {
                scanlines += bitDepth == 8 ? [UInt8(sample)] : bigEndian(UInt16(sample))
            }
        }
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file += chunk("IHDR", header)
        if !palette.isEmpty { file += chunk("PLTE", palette) }
        if !transparency.isEmpty { file += chunk("tRNS", transparency) }
        file += chunk("IDAT", zlibCompress(scanlines))
        file += chunk("IEND", [])
        return file
    }

    /// `png` with the width and height in its header replaced, and the header's CRC made to match,
    /// so that only the size is wrong.
    static func claimingSize(_ png: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var edited = png
        edited.replaceSubrange(16..<24, with: bigEndian(width) + bigEndian(height))
        edited.replaceSubrange(29..<33, with: bigEndian(crc(Array(edited[12..<29]))))
        return edited
    }

    /// `bytes` with the CRC of every whole chunk recomputed, as far as the chunk lengths allow.
    static func repairingCRCs(_ bytes: [UInt8]) -> [UInt8] {
        var repaired = bytes
        var offset = 8
        while offset + 12 <= repaired.count {
            let length = repaired[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let end = offset + 8 + length
            guard end + 4 <= repaired.count else { break }
            repaired.replaceSubrange(end..<(end + 4), with: bigEndian(crc(Array(repaired[(offset + 4)..<end]))))
            offset = end + 4
        }
        return repaired
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typeAndData + bigEndian(crc(typeAndData))
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
    }

    static func zlibCompress(_ bytes: [UInt8]) -> [UInt8] {
        var size = compressBound(UInt(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let status = compress(&output, &size, bytes, UInt(bytes.count))
        precondition(status == Z_OK, "compress failed: \(status)")
        return Array(output.prefix(Int(size)))
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }
}

/// JPEG files made by libjpeg, through the encoder in CImageCodecs.
enum JPEGFixture {
    static func encode(_ image: DecodedImage, quality: Int = 95, progressive: Bool = false) -> [UInt8] {
        encode(image.pixels, width: image.width, height: image.height, channels: image.channels, quality: quality,
               progressive: progressive)
    }

    /// Interleaved `pixels` of 1 (grey), 3 (RGB) or 4 (CMYK) channels as a JPEG.
    static func encode(_ pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95,
                       progressive: Bool = false) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let messageSize = message.count
        let status = labbook_jpeg_encode(pixels, UInt32(width), UInt32(height), Int32(channels), Int32(quality),
                                         progressive ? 1 : 0, &output, &size, &message, messageSize)
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        precondition(status == 0, "labbook_jpeg_encode failed: \(reason)")
        defer { free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// `jpeg` with the size in its first start-of-frame marker replaced.
    static func claimingSize(_ jpeg: [UInt8], width: UInt16, height: UInt16) -> [UInt8] {
        guard let marker = (0..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && (0xC0...0xC2).contains(jpeg[$0 + 1]) })
        else { preconditionFailure("no start-of-frame marker") }
        var edited = jpeg
        // FF Cn, a 2-byte length, the sample precision, then height and width.
        edited.replaceSubrange((marker + 5)..<(marker + 9),
                               with: PNGFixture.bigEndian(height) + PNGFixture.bigEndian(width))
        return edited
    }
}

/// Deterministic images that show misplaced pixels and channels.
enum ImagePattern {
    /// The value of pixel (`x`, `y`) in `channel`: varied, different in every channel.
    static func value(x: Int, y: Int, channel: Int, seed: Int = 0) -> Int {
        (x * 37 + y * 91 + channel * 53 + x * y * 7 + seed * 101) % 256
    }

    static func image(width: Int, height: Int, channels: Int, seed: Int = 0) -> DecodedImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                for channel in 0..<channels { pixels.append(UInt8(value(x: x, y: y, channel: channel, seed: seed))) }
            }
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// A smooth image, which JPEG keeps closely at a high quality.
    static func gradient(width: Int, height: Int, channels: Int) -> DecodedImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                for channel in 0..<channels {
                    pixels.append(UInt8(40 + (x * 120) / width + (y * 60) / height + channel * 20))
                }
            }
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// `image` as an 8-bit PNG of its own channels.
    static func png(_ image: DecodedImage) -> [UInt8] {
        PNGFixture.encode(width: image.width, height: image.height, colorType: image.channels == 1 ? .grey : .rgb,
                          samples: image.pixels.map(Int.init))
    }
}

extension TestFiles {
    /// Writes `bytes` to `relativePath` under `folder`, making the folders on the way.
    static func write(_ bytes: [UInt8], at relativePath: String, in folder: String) throws {
        let path = folder + "/" + relativePath
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try write(bytes, to: path)
    }
}
