/// One example's image, `[height, width, channels]` (NHWC without the batch), checked once when a
/// layer is built so that its passes can index without checks.
struct ImageShape: Sendable, Equatable {
    let height: Int
    let width: Int
    let channels: Int

    /// Throws in the notebook's terms when `shape` is not an image: a layer after a dense or flatten
    /// layer gets a vector, which is the most likely mistake in a notebook's `layers:` list.
    init(_ shape: [Int], layer kind: String) throws(LayerShapeError) {
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw LayerShapeError(
                "a \(kind) layer needs image-shaped input [height, width, channels], but it gets \(shape)")
        }
        height = shape[0]
        width = shape[1]
        channels = shape[2]
    }

    init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    var shape: [Int] { [height, width, channels] }
    var count: Int { height * width * channels }
    /// `3x3`, as messages name an image's size.
    var size: String { "\(height)x\(width)" }
}

/// The windows of a valid pooling (Keras's default): square windows of `window` pixels, `stride`
/// apart, only where they fit entirely, so every window averages or maximizes the same number of
/// values. The stride may be smaller than the window, in which case windows overlap and the
/// backward passes must accumulate.
struct PoolWindows: Sendable, Equatable {
    let input: ImageShape
    let output: ImageShape
    let window: Int
    let stride: Int

    init(kind: String, window: Int, stride: Int, inputShape: [Int]) throws(LayerShapeError) {
        input = try ImageShape(inputShape, layer: kind)
        guard window >= 1 else { throw LayerShapeError("\(kind) window \(window) must be at least 1") }
        guard stride >= 1 else { throw LayerShapeError("\(kind) stride \(stride) must be at least 1") }
        guard window <= input.height, window <= input.width else {
            throw LayerShapeError("\(kind) \(window) on a \(input.size) input pools to nothing")
        }
        self.window = window
        self.stride = stride
        output = ImageShape(height: (input.height - window) / stride + 1, width: (input.width - window) / stride + 1,
                            channels: input.channels)
    }

    /// Calls `body` for every output pixel (its index among the example's pixels) and every input
    /// pixel of its window, in row-major window order (the order that picks the first maximum).
    @inline(__always)
    func forEachWindow(_ body: (_ outputPixel: Int, _ inputPixel: Int, _ first: Bool) -> Void) {
        for oy in 0..<output.height {
            for ox in 0..<output.width {
                let outputPixel = oy * output.width + ox
                for wy in 0..<window {
                    let rowStart = (oy * stride + wy) * input.width + ox * stride
                    for wx in 0..<window { body(outputPixel, rowStart + wx, wy == 0 && wx == 0) }
                }
            }
        }
    }

    /// `[H, W, C] -> [H', W', C], 2x2` (and the stride when it differs from the window).
    func describe(_ kind: String) -> String {
        "\(kind) \(input.shape) -> \(output.shape), \(window)x\(window)" + (stride == window ? "" : ", stride \(stride)")
    }
}
