extension DecodedImage {
    /// This image with `channels` channels (1 or 3), converted as PIL's `convert("L")` and
    /// `convert("RGB")` do, so that a network trained here sees the pixels a PyTorch pipeline would:
    /// grey is copied into red, green and blue; RGB becomes its ITU-R 601-2 luma with PIL's rounding,
    /// (19595 R + 38470 G + 7471 B + 2^15) / 2^16, rounded down.
    public func converted(toChannels channels: Int) -> DecodedImage {
        precondition(channels == 1 || channels == 3, "\(channels) channels; images have 1 or 3")
        if channels == self.channels { return self }
        let pixelCount = width * height
        let converted = [UInt8](unsafeUninitializedCapacity: pixelCount * channels) { target, count in
            pixels.withUnsafeBufferPointer { source in
                if channels == 3 {
                    for pixel in 0..<pixelCount {
                        let grey = source[pixel]
                        target[3 * pixel] = grey
                        target[3 * pixel + 1] = grey
                        target[3 * pixel + 2] = grey
                    }
                } else {
                    for pixel in 0..<pixelCount {
                        let red = UInt32(source[3 * pixel]), green = UInt32(source[3 * pixel + 1])
                        let blue = UInt32(source[3 * pixel + 2])
                        target[pixel] = UInt8((red * 19595 + green * 38470 + blue * 7471 + 0x8000) >> 16)
                    }
                }
            }
            count = pixelCount * channels
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: converted)
    }
}
