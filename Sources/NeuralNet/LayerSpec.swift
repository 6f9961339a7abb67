/// A layer's settings before it knows its input: what a notebook's `layers:` list says and what a
/// checkpoint's `layers` metadata records (`{"kind":"conv2d","filters":32,...}`), from which
/// `makeLayer(inputShape:)` builds the layer itself.
public enum LayerSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    case dense(units: Int, activation: Activation)
    case conv2d(filters: Int, kernel: Int, stride: Int, padding: Padding, activation: Activation)
    case maxPool(window: Int, stride: Int)
    case avgPool(window: Int, stride: Int)
    case globalAvgPool
    case flatten
    case dropout(rate: Float)
    case batchNorm(momentum: Float, epsilon: Float)

    /// A dense layer, as earlier versions wrote it.
    public init(units: Int, activation: Activation) {
        self = .dense(units: units, activation: activation)
    }

    /// The name notebooks and checkpoints use: `dense`, `conv2d`, `max_pool`, ...
    public var kind: String {
        switch self {
        case .dense: "dense"
        case .conv2d: "conv2d"
        case .maxPool: "max_pool"
        case .avgPool: "avg_pool"
        case .globalAvgPool: "global_avg_pool"
        case .flatten: "flatten"
        case .dropout: "dropout"
        case .batchNorm: "batch_norm"
        }
    }

    /// The activation applied to the layer's output, for the layers that have one.
    public var activation: Activation? {
        switch self {
        case .dense(_, let activation), .conv2d(_, _, _, _, let activation): activation
        default: nil
        }
    }

    /// The dense layer's units, or nil for other layers.
    public var units: Int? {
        if case .dense(let units, _) = self { units } else { nil }
    }

    public var description: String {
        switch self {
        case .dense(let units, let activation): "dense \(units)" + Self.suffix(activation)
        case .conv2d(let filters, let kernel, let stride, let padding, let activation):
            "conv2d \(filters), \(kernel)x\(kernel)" + (stride == 1 ? "" : ", stride \(stride)")
                + (padding == .valid ? "" : ", padding \(padding.rawValue)") + Self.suffix(activation)
        case .maxPool(let window, let stride): "max_pool \(window)" + (stride == window ? "" : ", stride \(stride)")
        case .avgPool(let window, let stride): "avg_pool \(window)" + (stride == window ? "" : ", stride \(stride)")
        case .globalAvgPool: "global_avg_pool"
        case .flatten: "flatten"
        case .dropout(let rate): "dropout \(rate)"
        case .batchNorm(let momentum, let epsilon): "batch_norm (momentum \(momentum), epsilon \(epsilon))"
        }
    }

    private static func suffix(_ activation: Activation) -> String {
        activation == .none ? "" : ", \(activation.rawValue)"
    }

    /// The layer with these settings on inputs of `inputShape` (one example's), without parameter
    /// tensors yet; throws when the settings do not fit that shape.
    public func makeLayer(inputShape: [Int]) throws(LayerShapeError) -> any Layer {
        try checkSizes(inputShape: inputShape)
        switch self {
        case .dense(let units, let activation):
            return try Dense(units: units, activation: activation, inputShape: inputShape)
        case .conv2d(let filters, let kernel, let stride, let padding, let activation):
            return try Conv2D(filters: filters, kernel: kernel, stride: stride, padding: padding, activation: activation,
                              inputShape: inputShape)
        case .maxPool(let window, let stride):
            return try MaxPool2D(window: window, stride: stride, inputShape: inputShape)
        case .avgPool(let window, let stride):
            return try AvgPool2D(window: window, stride: stride, inputShape: inputShape)
        case .globalAvgPool:
            return try GlobalAvgPool(inputShape: inputShape)
        case .flatten:
            return Flatten(inputShape: inputShape)
        case .dropout(let rate):
            return try Dropout(rate: rate, inputShape: inputShape)
        case .batchNorm(let momentum, let epsilon):
            return try BatchNorm(momentum: momentum, epsilon: epsilon, inputShape: inputShape)
        }
    }

    /// The most parameters one layer may have (far beyond any machine: the memory check refuses
    /// real networks long before), and the largest setting; they keep sizes from overflowing.
    public static let parameterLimit = 1 << 40
    static let settingLimit = 1 << 24

    /// Refuses settings out of range before any memory is allocated for them: a checkpoint's
    /// metadata may come from anywhere, and a layer of 2^40 units must be an error, not a crash.
    private func checkSizes(inputShape: [Int]) throws(LayerShapeError) {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ (1...Self.settingLimit).contains($0) }) else {
            throw LayerShapeError("the input shape \(inputShape) is empty or out of range")
        }
        let inputs = inputShape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        let (settings, parameters): ([Int], Int) = switch self {
        case .dense(let units, _): ([units], Self.product([inputs, units]))
        case .conv2d(let filters, let kernel, let stride, _, _):
            ([filters, kernel, stride], Self.product([kernel, kernel, inputShape.last ?? 1, filters]))
        case .maxPool(let window, let stride), .avgPool(let window, let stride): ([window, stride], 0)
        case .globalAvgPool, .flatten: ([], 0)
        case .dropout(let rate): (rate.isFinite ? [] : [0], 0)
        case .batchNorm(let momentum, let epsilon): (momentum.isFinite && epsilon.isFinite ? [] : [0], 0)
        }
        guard settings.allSatisfy({ (1...Self.settingLimit).contains($0) }) else {
            throw LayerShapeError("\(kind) has a setting out of range: \(self)")
        }
        guard inputs <= Self.parameterLimit, parameters <= Self.parameterLimit else {
            throw LayerShapeError("\(kind) on \(inputShape) would be too large")
        }
    }

    private static func product(_ values: [Int]) -> Int {
        values.reduce(1) { total, value in
            let (result, overflow) = total.multipliedReportingOverflow(by: value)
            return overflow || result < 0 ? Int.max : result
        }
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey {
        case kind, units, activation, filters, kernel, stride, padding, window, rate, momentum, epsilon
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Checkpoints before layer kinds existed wrote dense layers as `{"units":…,"activation":…}`.
        let kind = try container.decodeIfPresent(String.self, forKey: .kind) ?? "dense"
        func int(_ key: CodingKeys) throws -> Int { try container.decode(Int.self, forKey: key) }
        func float(_ key: CodingKeys) throws -> Float { try container.decode(Float.self, forKey: key) }
        switch kind {
        case "dense":
            self = .dense(units: try int(.units), activation: try container.decode(Activation.self, forKey: .activation))
        case "conv2d":
            self = .conv2d(filters: try int(.filters), kernel: try int(.kernel), stride: try int(.stride),
                           padding: try container.decode(Padding.self, forKey: .padding),
                           activation: try container.decode(Activation.self, forKey: .activation))
        case "max_pool": self = .maxPool(window: try int(.window), stride: try int(.stride))
        case "avg_pool": self = .avgPool(window: try int(.window), stride: try int(.stride))
        case "global_avg_pool": self = .globalAvgPool
        case "flatten": self = .flatten
        case "dropout": self = .dropout(rate: try float(.rate))
        case "batch_norm": self = .batchNorm(momentum: try float(.momentum), epsilon: try float(.epsilon))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown layer kind '\(kind)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .dense(let units, let activation):
            try container.encode(units, forKey: .units)
            try container.encode(activation, forKey: .activation)
        case .conv2d(let filters, let kernel, let stride, let padding, let activation):
            try container.encode(filters, forKey: .filters)
            try container.encode(kernel, forKey: .kernel)
            try container.encode(stride, forKey: .stride)
            try container.encode(padding, forKey: .padding)
            try container.encode(activation, forKey: .activation)
        case .maxPool(let window, let stride), .avgPool(let window, let stride):
            try container.encode(window, forKey: .window)
            try container.encode(stride, forKey: .stride)
        case .globalAvgPool, .flatten:
            break
        case .dropout(let rate):
            try container.encode(rate, forKey: .rate)
        case .batchNorm(let momentum, let epsilon):
            try container.encode(momentum, forKey: .momentum)
            try container.encode(epsilon, forKey: .epsilon)
        }
    }
}

/// How a convolution treats the border: `valid` uses only windows that fit inside the input, so each
/// side shrinks by `kernel - 1`; `same` pads with zeros so the output is `ceil(input / stride)`.
public enum Padding: String, Sendable, Equatable, Codable, CaseIterable {
    case valid, same
}
