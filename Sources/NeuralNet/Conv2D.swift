/// A 2-D convolution, `activation(conv(input, weights) + biases)`, on NHWC images.
///
/// The convolution is lowered onto matrix products (im2col, as Caffe and early TensorFlow did): every
/// output pixel's receptive field is unrolled into a row of `k·k·C` values, and `Dense.forward`
/// multiplies those rows by the kernel read as a `[k·k·C, filters]` matrix. With NHWC input and
/// TensorFlow's `[k, k, C, filters]` kernel, each kernel row of a field is a contiguous run of
/// `k·C` floats, so unrolling is a few copies per pixel, the product's output is already NHWC, and
/// the gradients are a dense layer's on the unrolled rows.
///
/// The rows are unrolled a block of examples at a time, into scratch small enough to stay in the
/// core's cache between the unrolling and the products, and unrolled again in the backward pass
/// rather than kept: kept for a part of 64 examples they were 12 MB per layer, streamed from
/// memory, and a batch of 128 ran slower per example than a batch of 32.
public struct Conv2D: Layer, Equatable {
    public let filters: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Padding
    public let activationFunction: Activation
    public let inputShape: [Int]
    public let outputShape: [Int]
    let image: ImageShape
    let out: ImageShape
    /// Zeros above and left of the image under `same` padding (the smaller half, TensorFlow's choice).
    let padTop: Int
    let padLeft: Int
    /// `weights` and `biases`, or none in a layer just built from its settings.
    public var parameters: [Tensor] = []

    /// A convolution on images of `inputShape`, without parameter tensors until a network gives them.
    public init(filters: Int, kernel: Int, stride: Int = 1, padding: Padding = .valid, activation: Activation,
                inputShape: [Int]) throws(LayerShapeError) {
        let image = try ImageShape(inputShape, layer: "conv2d")
        guard filters >= 1 else { throw LayerShapeError("a conv2d layer needs at least one filter, but it has \(filters)") }
        guard kernel >= 1 else { throw LayerShapeError("conv2d kernel \(kernel) must be at least 1") }
        guard stride >= 1 else { throw LayerShapeError("conv2d stride \(stride) must be at least 1") }
        func side(_ size: Int) throws(LayerShapeError) -> (output: Int, padBefore: Int) {
            switch padding {
            case .valid:
                guard kernel <= size else { throw LayerShapeError("kernel \(kernel) is larger than its \(image.size) input") }
                return ((size - kernel) / stride + 1, 0)
            case .same:
                let output = (size + stride - 1) / stride
                return (output, max((output - 1) * stride + kernel - size, 0) / 2)
            }
        }
        let (height, top) = try side(image.height), (width, left) = try side(image.width)
        self.image = image
        out = ImageShape(height: height, width: width, channels: filters)
        (padTop, padLeft) = (top, left)
        (self.filters, self.kernel, self.stride, self.padding) = (filters, kernel, stride, padding)
        activationFunction = activation
        self.inputShape = inputShape
        outputShape = out.shape
    }

    /// `[kernel, kernel, inputChannels, filters]`, TensorFlow's and Keras's kernel layout.
    public var weights: Tensor {
        get { parameters[0] }
        set { parameters[0] = newValue }
    }
    /// `[filters]`.
    public var biases: Tensor {
        get { parameters[1] }
        set { parameters[1] = newValue }
    }

    /// Values in one unrolled receptive field: the rows of the kernel read as a matrix.
    var fieldSize: Int { kernel * kernel * image.channels }
    var pixels: Int { out.height * out.width }

    // MARK: Layer

    public var spec: LayerSpec {
        .conv2d(filters: filters, kernel: kernel, stride: stride, padding: padding, activation: activationFunction)
    }
    public var parameterSpecs: [ParameterSpec] {
        [ParameterSpec(name: "weights", shape: [kernel, kernel, image.channels, filters],
                       initialization: .network(fanIn: fieldSize, fanOut: kernel * kernel * filters), regularized: true),
         ParameterSpec(name: "biases", shape: [filters], initialization: .zeros)]
    }
    public var forwardOperations: Int { 2 * pixels * fieldSize * filters }
    /// Floats of unrolled fields per block: about a megabyte, within a core's second-level cache.
    static let blockBudget = 1 << 18
    /// Examples unrolled at a time.
    var blockRows: Int { max(1, Self.blockBudget / (pixels * fieldSize)) }
    /// The unrolled fields of a block, and in the backward pass their gradient.
    public func scratchCount(rows: Int) -> Int { 2 * min(max(rows, 1), blockRows) * pixels * fieldSize }
    /// Each part's own sums of the kernel's and biases' gradients over its rows.
    public var sharedCount: Int { fieldSize * filters + filters }

    public var description: String {
        "conv2d \(inputShape) -> \(outputShape), \(kernel)x\(kernel)" + (stride == 1 ? "" : ", stride \(stride)")
            + (padding == .valid ? "" : ", padding \(padding.rawValue)")
            + (activationFunction == .none ? "" : ", \(activationFunction.rawValue)")
    }

    public func forward(_ pass: LayerPass, phase: Int) {
        forEachBlock(pass.rows) { block in
            unroll(pass.input, rows: block, into: pass.scratch)
            Dense.forward(pass.scratch, rows: block.count * pixels, inputs: fieldSize, weight: pass.parameter(0),
                          bias: pass.parameter(1), outputs: filters, activation: activationFunction,
                          into: pass.output + block.lowerBound * pixels * filters)
        }
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        let delta = pass.outputGradient
        activationFunction.multiplyByDerivative(delta, output: pass.output, count: pass.rows * pixels * filters)
        // This part's share of the parameter gradients, block by block while each block's fields
        // are in cache; `parameterGradient` adds the parts' shares in part order. Summing over the
        // whole batch by blocks of kernel rows instead read the other core's fields with a stride.
        let partial = pass.shared(part: pass.part, count: sharedCount)
        Dense.biasGradient(delta: delta, outputSize: filters, batchSize: pass.rows * pixels, into: partial + fieldSize * filters)
        let fields = pass.scratch, fieldGradient = pass.scratch + min(pass.rows, blockRows) * pixels * fieldSize
        pass.inputGradient?.update(repeating: 0, count: pass.rows * image.count)
        forEachBlock(pass.rows) { block in
            let unrolledRows = block.count * pixels
            let blockDelta = delta + block.lowerBound * pixels * filters
            unroll(pass.input, rows: block, into: fields)
            MatrixProduct.multiply(
                fields, transposeA: true, rowsA: unrolledRows, columnsA: fieldSize,
                blockDelta, transposeB: false, rowsB: unrolledRows, columnsB: filters,
                into: partial, alpha: 1, beta: block.lowerBound == 0 ? 0 : 1)
            guard let inputGradient = pass.inputGradient else { return }
            // The fields' gradient, then each field's values added back where they came from
            // (col2im): overlapping fields touch the same input pixel, so this must accumulate.
            MatrixProduct.multiply(
                blockDelta, transposeA: false, rowsA: unrolledRows, columnsA: filters,
                pass.parameter(0), transposeB: true, rowsB: fieldSize, columnsB: filters,
                into: fieldGradient, alpha: 1, beta: 0)
            forEachRun(rows: block) { field, pixel, count in
                guard let pixel else { return }
                let source = fieldGradient + field, target = inputGradient + pixel
                for i in 0..<count { target[i] += source[i] }
            }
        }
    }

    /// Calls `body` with the part's rows, `blockRows` at a time, in order.
    @inline(__always)
    private func forEachBlock(_ rows: Int, _ body: (Range<Int>) -> Void) {
        var start = 0
        while start < rows {
            body(start..<min(start + blockRows, rows))
            start += blockRows
        }
    }

    /// Unrolls the fields of examples `rows` of `input` into `fields`, from its start.
    private func unroll(_ input: UnsafePointer<Float>, rows: Range<Int>, into fields: UnsafeMutablePointer<Float>) {
        forEachRun(rows: rows) { field, pixel, count in
            if let pixel {
                (fields + field).update(from: input + pixel, count: count)
            } else {
                (fields + field).update(repeating: 0, count: count)
            }
        }
    }

    public func parameterGradient(_ index: Int, rows: Range<Int>, pass: LayerPass, into gradient: UnsafeMutablePointer<Float>) {
        let offset = index == 0 ? rows.lowerBound * filters : 0
        let count = index == 0 ? rows.count * filters : filters
        let start = (index == 0 ? 0 : fieldSize * filters) + offset
        (gradient + offset).update(from: pass.shared + start, count: count)
        for part in 1..<max(pass.parts, 1) {
            let share = pass.shared(part: part, count: sharedCount) + start
            for i in 0..<count { gradient[offset + i] += share[i] }
        }
    }

    /// Walks the unrolled fields of examples `rows` as runs of contiguous floats: `body(field, pixel,
    /// count)` pairs `count` floats at offset `field` of the block's unrolled rows with those at
    /// offset `pixel` of the input, or with zero padding when `pixel` is nil. Forward copies along
    /// these runs and backward adds along them, so the two can not disagree about the geometry.
    @inline(__always)
    private func forEachRun(rows: Range<Int>, _ body: (_ field: Int, _ pixel: Int?, _ count: Int) -> Void) {
        let channels = image.channels, runLength = kernel * channels
        for row in rows {
            let imageStart = row * image.count
            for oy in 0..<out.height {
                for ox in 0..<out.width {
                    let fieldStart = (((row - rows.lowerBound) * out.height + oy) * out.width + ox) * fieldSize
                    let x0 = ox * stride - padLeft
                    // Kernel columns that fall inside the image; the rest read padding.
                    let first = max(0, -x0), last = max(first, min(kernel, image.width - x0))
                    for ky in 0..<kernel {
                        let y = oy * stride - padTop + ky
                        let run = fieldStart + ky * runLength
                        guard y >= 0, y < image.height, first < last else {
                            body(run, nil, runLength)
                            continue
                        }
                        if first > 0 { body(run, nil, first * channels) }
                        body(run + first * channels, imageStart + (y * image.width + x0 + first) * channels,
                             (last - first) * channels)
                        if last < kernel { body(run + last * channels, nil, (kernel - last) * channels) }
                    }
                }
            }
        }
    }
}
