import CImageCodecs
import Foundation

/// The image files LabBook reads, told apart by their first bytes, never by their names.
public enum ImageFormat: String, Sendable, CaseIterable {
    case png = "PNG"
    case jpeg = "JPEG"

    /// The format `bytes` start like, or `nil`.
    public init?(leadingBytes bytes: [UInt8]) {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else {
            return nil
        }
    }
}

/// PNG and JPEG files decoded to 8-bit grey or RGB, with the sizes a file may claim bounded before
/// anything is allocated for its pixels.
///
/// PNG goes through libpng's simplified API: palettes are expanded, 16-bit samples taken as sRGB when
/// the file gives no gamma, as PIL takes them, and rounded to 8 bits (v / 257, where PIL keeps the
/// high byte: at most 1 apart), alpha dropped without compositing (as PIL's `convert("RGB")` does);
/// a file's gAMA chunk, which PIL ignores, is applied. JPEG goes through
/// libjpeg-turbo with its (and PIL's) defaults, the accurate integer DCT and smooth chroma upsampling.
public enum ImageDecoder {
    /// The most pixels an image may claim: 2^26 (8192x8192), whose decoding takes at most 256 MiB.
    public static let maximumPixelCount = 1 << 26
    /// The longest side an image may claim, JPEG's own limit being 65500.
    public static let maximumSide = 65_535
    /// The largest file read: more than any image within `maximumPixelCount` needs, even a 16-bit
    /// RGBA PNG stored uncompressed, so that a huge stray file is refused before it is read.
    public static let maximumFileBytes = 1 << 30

    /// The image in `bytes`, read from `path` (named in errors), with `channels` channels (1 or 3;
    /// see `DecodedImage.converted(toChannels:)`).
    public static func decode(_ bytes: [UInt8], path: String, channels: Int) throws -> DecodedImage {
        guard channels == 1 || channels == 3 else {
            throw DatasetError(path: path, "cannot be decoded to \(channels) channels; images have 1 (grey) or 3 (RGB)")
        }
        return try decodeAsStored(bytes, path: path).converted(toChannels: channels)
    }

    /// The image in the file at `path` (a link is followed), with `channels` channels.
    public static func decode(contentsOf path: String, channels: Int) throws -> DecodedImage {
        try decode(readImageFile(path), path: path, channels: channels)
    }

    /// The image in `bytes` with the channels the file stores: grey or RGB.
    static func decodeAsStored(_ bytes: [UInt8], path: String) throws -> DecodedImage {
        guard let format = ImageFormat(leadingBytes: bytes) else {
            if bytes.isEmpty { throw DatasetError(path: path, "is empty, not a PNG or JPEG image") }
            let start = bytes.prefix(8).map { String($0, radix: 16, uppercase: true) }
                .map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: " ")
            throw DatasetError(path: path, "is neither a PNG nor a JPEG image (it starts with the bytes \(start))")
        }
        let codec = Codec(format)
        var message = [CChar](repeating: 0, count: 256)
        let messageSize = message.count
        var header = labbook_image_header()
        return try bytes.withUnsafeBufferPointer { bytes in
            guard let decoder = codec.open(bytes.baseAddress, bytes.count, &header, &message, messageSize) else {
                throw DatasetError(path: path, "cannot be decoded as a \(format.rawValue) image: \(text(message))")
            }
            defer { codec.close(decoder) }
            let (width, height) = (Int(header.width), Int(header.height))
            try checkClaimedSize(width: width, height: height, path: path, format: format)
            let channels = Int(header.channels)
            let pixels = try [UInt8](unsafeUninitializedCapacity: width * height * Int(header.decoding_channels)) {
                buffer, count in
                guard codec.read(decoder, buffer.baseAddress, &message, messageSize) == 0 else {
                    throw DatasetError(path: path, "cannot be decoded as a \(format.rawValue) image: \(text(message))")
                }
                count = width * height * channels
            }
            return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
        }
    }

    /// Refuses a size before any pixel is allocated for it.
    static func checkClaimedSize(width: Int, height: Int, path: String, format: ImageFormat) throws {
        guard width > 0, height > 0 else {
            throw DatasetError(path: path, "is a \(format.rawValue) image of \(height)x\(width) pixels, "
                               + "which holds nothing")
        }
        guard width <= maximumSide, height <= maximumSide, width * height <= maximumPixelCount else {
            throw DatasetError(path: path, "claims to be a \(format.rawValue) image of \(height)x\(width) pixels "
                               + "(height x width), more than LabBook decodes: at most \(maximumPixelCount) pixels "
                               + "(2^26, 8192x8192) and \(maximumSide) on a side")
        }
    }

    /// The whole file, refused unread when it is larger than `maximumFileBytes` or not a regular file.
    static func readImageFile(_ path: String) throws -> [UInt8] {
        let (descriptor, status) = try openRegularFile(path)
        defer { close(descriptor) }
        let size = Int(status.st_size)
        guard size <= maximumFileBytes else {
            throw DatasetError(path: path, "is \(size) bytes, larger than the \(maximumFileBytes) bytes (1 GiB) "
                               + "any image LabBook decodes needs")
        }
        // The size from fstat bounds the read: a file that grows meanwhile is read only that far,
        // and one that shrinks ends early and fails to decode as truncated.
        return try [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = try readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer), path: path)
        }
    }

    private static func text(_ message: [CChar]) -> String {
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.isEmpty ? "the decoder gave no reason" : text
    }

    /// One format's C entry points, which share their shapes.
    private struct Codec {
        let open: (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<labbook_image_header>?,
                   UnsafeMutablePointer<CChar>?, Int) -> OpaquePointer?
        let read: (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<CChar>?, Int) -> Int32
        let close: (OpaquePointer?) -> Void

        init(_ format: ImageFormat) {
            switch format {
            case .png: (open, read, close) = (labbook_png_open, labbook_png_read, labbook_png_close)
            case .jpeg: (open, read, close) = (labbook_jpeg_open, labbook_jpeg_read, labbook_jpeg_close)
            }
        }
    }
}
