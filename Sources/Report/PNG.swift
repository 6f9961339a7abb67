import CZlib
import Foundation

/// A minimal PNG encoder: 8-bit grayscale or RGB, no interlacing, filter type 0 (None) on every row,
/// the image data deflated by the system zlib (`compress2`) and every chunk checksummed with zlib's
/// `crc32`. Enough for the small images of a report, embedded as `data:` URIs.
public enum PNG {
    /// The 8 bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The pixel formats the encoder writes (the IHDR colour type).
    public enum ColorType: UInt8, Sendable {
        /// One byte per pixel.
        case grayscale = 0
        /// Three bytes per pixel, red, green, blue.
        case rgb = 2

        /// Bytes per pixel.
        public var channels: Int { self == .grayscale ? 1 : 3 }
    }

    /// A PNG file of `pixels`: rows top to bottom, each `width` pixels of `colorType.channels`
    /// interleaved bytes (RGBRGB...).
    public static func encode(width: Int, height: Int, colorType: ColorType, pixels: [UInt8]) -> [UInt8] {
        precondition(width > 0 && height > 0, "a PNG needs at least one pixel, got \(width)×\(height)")
        precondition(width <= Int(Int32.max) && height <= Int(Int32.max), "PNG dimensions are limited to 2^31 − 1")
        let rowBytes = width * colorType.channels
        precondition(pixels.count == rowBytes * height,
                     "\(width)×\(height) \(colorType) needs \(rowBytes * height) bytes, got \(pixels.count)")

        var header: [UInt8] = []
        appendBigEndian(UInt32(width), to: &header)
        appendBigEndian(UInt32(height), to: &header)
        header += [8, colorType.rawValue, 0, 0, 0]  // bit depth, colour type, deflate, filter method 0, no interlace

        // Each row is preceded by its filter type: 0, the bytes as they are.
        var filtered = [UInt8]()
        filtered.reserveCapacity((rowBytes + 1) * height)
        for row in 0..<height {
            filtered.append(0)
            filtered += pixels[(row * rowBytes)..<((row + 1) * rowBytes)]
        }

        var file = signature
        appendChunk("IHDR", header, to: &file)
        appendChunk("IDAT", deflate(filtered), to: &file)
        appendChunk("IEND", [], to: &file)
        return file
    }

    /// `bytes` as a zlib stream (what IDAT holds), through zlib's `compress2` at level 9.
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { destination in
            bytes.withUnsafeBufferPointer { source in
                compress2(destination.baseAddress, &capacity, source.baseAddress, uLong(source.count), 9)
            }
        }
        // compressBound guarantees room, and the only other failure is running out of memory.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        output.removeSubrange(Int(capacity)...)
        return output
    }

    /// zlib's CRC-32 of `bytes`, as PNG chunks use it.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        let value = bytes.withUnsafeBufferPointer { buffer in
            CZlib.crc32(CZlib.crc32(0, nil, 0), buffer.baseAddress, uInt(buffer.count))
        }
        return UInt32(truncatingIfNeeded: value)
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
        appendBigEndian(UInt32(data.count), to: &file)
        let typed = Array(type.utf8) + data
        file += typed
        appendBigEndian(crc32(typed), to: &file)
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
