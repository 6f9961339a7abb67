/// Random horizontal flips and shifted crops of the training images, drawn afresh for every example
/// of every step, as Keras's `RandomFlip("horizontal")` and `RandomCrop` after zero-padding do.
///
/// The draws come from `CounterRandom` with the step's key and the example's row in the batch, so
/// they do not depend on how the batch is cut into parts, and a resumed run draws what the
/// uninterrupted one would have.
public struct ImageAugmentation: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var channels: Int
    /// Pixels hold their channels together (height, width, channels) rather than channel by channel.
    public var channelsLast: Bool
    public var flip: Bool
    /// Pad each side by this many zero pixels, then crop back to size at a random offset.
    public var crop: Int

    public init(height: Int, width: Int, channels: Int, channelsLast: Bool, flip: Bool, crop: Int) {
        precondition(height > 0 && width > 0 && channels > 0 && crop >= 0, "invalid augmentation")
        self.height = height
        self.width = width
        self.channels = channels
        self.channelsLast = channelsLast
        self.flip = flip
        self.crop = crop
    }

    public var featureCount: Int { height * width * channels }

    /// Augments rows `rows` of the batch in `features` (each `featureCount` values, from the batch's
    /// first row), under `key`.
    public func apply(to features: UnsafeMutablePointer<Float>, rows: Range<Int>, key: UInt64) {
        guard flip || crop > 0 else { return }
        let count = featureCount
        let pixels = height * width
        withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { original in
            let original = original.baseAddress!
            for row in rows {
                let image = features + row * count
                let mirrored = flip && CounterRandom.uniform(key: key, index: 3 * row) < 0.5
                let span = 2 * crop + 1
                let dy = min(Int(CounterRandom.uniform(key: key, index: 3 * row + 1) * Float(span)), span - 1) - crop
                let dx = min(Int(CounterRandom.uniform(key: key, index: 3 * row + 2) * Float(span)), span - 1) - crop
                guard mirrored || dy != 0 || dx != 0 else { continue }
                original.update(from: image, count: count)
                for y in 0..<height {
                    let sourceY = y + dy
                    for x in 0..<width {
                        let shiftedX = (mirrored ? width - 1 - x : x) + dx
                        let inside = (0..<height).contains(sourceY) && (0..<width).contains(shiftedX)
                        for channel in 0..<channels {
                            let target = channelsLast ? (y * width + x) * channels + channel : channel * pixels + y * width + x
                            let source = channelsLast ? (sourceY * width + shiftedX) * channels + channel
                                : channel * pixels + sourceY * width + shiftedX
                            image[target] = inside ? original[source] : 0
                        }
                    }
                }
            }
        }
    }
}
