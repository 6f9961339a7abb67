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
        // Pointer loops: this runs once per image of a folder, and indexing through the array's
        // checks took a quarter of the time CIFAR-10's 60,000 JPEGs took to load in a debug build.
        pixels.withUnsafeBufferPointer { source in
            guard var input = source.baseAddress else { return }
            if channels == 1 {
                target.update(from: input, count: planeSize)
                return
            }
            let (red, green, blue) = (target, target + planeSize, target + 2 * planeSize)
            for pixel in 0..<planeSize {
                red[pixel] = input[0]
                green[pixel] = input[1]
                blue[pixel] = input[2]
                input += 3
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
