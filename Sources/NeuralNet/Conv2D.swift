import CConvolution

/// A 2-D convolution, `activation(conv(input, weights) + biases)`, on NHWC images.
///
/// The passes run on oneDNN's direct convolutions, one part of a batch per call on the calling
/// thread. On this project's machines they ran the TensorFlow tutorial network's convolutions about
/// twice as fast as lowering them onto OpenBLAS's SGEMM (im2col), which LabBook did before 0.6.0:
/// 110-160 GFLOP/s on one core against 75-125, and with no unrolled copies of the input to write.
/// Images stay NHWC and kernels TensorFlow's HWIO between layers; oneDNN's blocked kernel layouts
/// exist only within a call (`CConvolution`).
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

    /// Values in one receptive field: the rows of the kernel read as a matrix.
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
    /// The kernel in oneDNN's layouts and oneDNN's scratchpad: kernel-sized, whatever the rows.
    public func scratchCount(rows: Int) -> Int {
        (try? convolution(rows: max(rows, 1))).map { labbook_convolution_scratch_floats($0) } ?? 3 * fieldSize * filters
    }
    /// Each part's own sums of the kernel's and biases' gradients over its rows.
    public var sharedCount: Int { fieldSize * filters + filters }

    public var description: String {
        "conv2d \(inputShape) -> \(outputShape), \(kernel)x\(kernel)" + (stride == 1 ? "" : ", stride \(stride)")
            + (padding == .valid ? "" : ", padding \(padding.rawValue)")
            + (activationFunction == .none ? "" : ", \(activationFunction.rawValue)")
    }

    /// The convolution library and its version, for the benchmark: "oneDNN 2.6.3".
    public static var library: String { String(cString: labbook_convolution_library()) }

    /// oneDNN's implementations of the three passes on a part of `rows` examples, for the benchmark.
    public func implementation(rows: Int) -> String {
        (try? convolution(rows: rows)).map { String(cString: labbook_convolution_implementation($0)) } ?? "none"
    }

    public func forward(_ pass: LayerPass, phase: Int) {
        let convolution = Self.required(try convolution(rows: pass.rows))
        Self.check(labbook_convolution_forward(convolution, pass.input, pass.parameter(0), pass.parameter(1),
                                               pass.output, pass.scratch), "forward pass")
        // ReLU ran inside the convolution's sweep over the output.
        if activationFunction != .relu { activationFunction.apply(pass.output, count: pass.rows * outputCount) }
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        let convolution = Self.required(try convolution(rows: pass.rows))
        let delta = pass.outputGradient
        if !pass.outputGradientHasActivationDerivative {
            activationFunction.multiplyByDerivative(delta, output: pass.output, count: pass.rows * outputCount)
        }
        // This part's share of the parameter gradients; `parameterGradient` adds the parts' shares
        // in part order, so one core and two sum the same numbers in the same order.
        let partial = pass.shared(part: pass.part, count: sharedCount)
        Self.check(labbook_convolution_backward_weights(convolution, pass.input, delta, partial,
                                                        partial + fieldSize * filters, pass.scratch), "weight gradient")
        if let inputGradient = pass.inputGradient {
            Self.check(labbook_convolution_backward_data(convolution, delta, pass.parameter(0), inputGradient, pass.scratch),
                       "input gradient")
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

    // MARK: oneDNN

    /// oneDNN's primitives for this layer on `rows` examples, made once per process.
    private func convolution(rows: Int) throws(LayerShapeError) -> OpaquePointer {
        var geometry = labbook_convolution_geometry(
            rows: rows, height: image.height, width: image.width,
            channels: image.channels, filters: filters, kernel: kernel,
            stride: stride, pad_top: padTop, pad_left: padLeft,
            out_height: out.height, out_width: out.width,
            relu: activationFunction == .relu ? 1 : 0)
        // The message buffer is on the stack: this runs in every pass, where nothing may be allocated.
        let (found, message) = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer in
            buffer.initialize(repeating: 0)
            let found = labbook_convolution_find(&geometry, buffer.baseAddress!, buffer.count)
            return (found, found == nil ? String(cString: buffer.baseAddress!) : "")
        }
        guard let found else { throw LayerShapeError(message) }
        return found
    }

    /// Validation has checked every shape oneDNN is given, so a failure here is a broken install.
    private static func required(_ make: @autoclosure () throws(LayerShapeError) -> OpaquePointer) -> OpaquePointer {
        do {
            return try make()
        } catch {
            fatalError("conv2d: \(error.message); is libdnnl installed?")
        }
    }

    private static func check(_ status: Int32, _ pass: String) {
        if status != 0 { fatalError("conv2d: oneDNN failed in the \(pass) (status \(status))") }
    }
}
