/// One decoded image as codecs and PIL lay it out: `height` rows of `width` pixels, top to bottom,
/// each pixel's `channels` bytes together (interleaved: RGB RGB ...). `Dataset` keeps images planar
/// instead; `writePlanar(into:)` makes that layout.
public struct DecodedImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    public let pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3),
                     "an image of \(height)x\(width) pixels and \(channels) channels")
        precondition(pixels.count == width * height * channels,
                     "\(pixels.count) bytes for \(height)x\(width) pixels of \(channels) channels")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// `32x24`: height by width, as LabBook's messages give image sizes.
    public var sizeDescription: String { "\(height)x\(width)" }

    /// The image's shape in a `Dataset`.
    public var shape: ImageShape { ImageShape(channels: channels, height: height, width: width) }

    /// Writes the pixels channel-major (all of channel 0, then channel 1, ...), rows top to bottom,
    /// into the `channels * height * width` bytes at `target`.
    public func writePlanar(into target: UnsafeMutablePointer<UInt8>) {
        let planeSize = width * height
        pixels.withUnsafeBufferPointer { source in
            for channel in 0..<channels {
                let plane = target + channel * planeSize
                for pixel in 0..<planeSize { plane[pixel] = source[pixel * channels + channel] }
            }
        }
    }

    /// The pixels in LabBook's planar layout (see `writePlanar(into:)`).
    public var planarPixels: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: pixels.count) { buffer, count in
            writePlanar(into: buffer.baseAddress!)
            count = pixels.count
        }
    }
}
