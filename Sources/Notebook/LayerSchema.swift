import NeuralNet

/// The notebook syntax of one item of a {network}'s `layers:` list, kind by kind. An item names its
/// kind as its first key, with the kind's main setting as that key's value (`- conv2d: 32`), or as
/// a bare word for kinds without one (`- flatten`); other settings are keys beside it.
enum LayerSchema {
    /// The kinds, in the order messages list them.
    static let kinds = ["dense", "conv2d", "max_pool", "avg_pool", "global_avg_pool", "flatten", "dropout", "batch_norm"]
    /// Keras's BatchNormalization defaults.
    static let batchNormMomentum: Float = 0.99
    static let batchNormEpsilon: Float = 0.001

    /// The layer `item` describes, or nil after reporting what is wrong with it.
    static func read(_ item: YAMLNode, isLast: Bool, fields: inout DirectiveFields) -> LayerSpec? {
        let kindNode: (name: String, location: SourceLocation)
        switch item {
        case .scalar(.string(let word), let location):
            kindNode = (word, location)
        case .mapping(let pairs, _) where !pairs.isEmpty:
            let named = pairs.filter { kinds.contains($0.key) }
            guard named.count == 1 else {
                fields.report(item.location, named.isEmpty
                    ? "a layer must name its kind (\(kinds.joined(separator: ", "))), as in '- dense: 120'"
                    : "a layer names one kind, but this one names \(named.map(\.key).joined(separator: " and "))",
                    suggestion: named.isEmpty ? Spelling.suggestion(for: pairs[0].key, among: kinds) : nil)
                return nil
            }
            kindNode = (named[0].key, named[0].keyLocation)
        default:
            fields.report(item.location, "a layer must be a kind such as '- dense: 120' or '- flatten', not \(item.typeName)")
            return nil
        }
        guard kinds.contains(kindNode.name) else {
            fields.report(kindNode.location, "'\(kindNode.name)' is not a layer kind (choose from \(kinds.joined(separator: ", ")))",
                          suggestion: Spelling.suggestion(for: kindNode.name, among: kinds))
            return nil
        }
        let body: YAMLNode = if case .scalar = item { .mapping([], item.location) } else { item }
        var layer = DirectiveFields(body, directive: "network", location: item.location,
                                    allowed: [kindNode.name] + allowedSettings(kindNode.name))
        defer { fields.absorb(layer) }
        return spec(kindNode.name, isLast: isLast, &layer)
    }

    private static func allowedSettings(_ kind: String) -> [String] {
        switch kind {
        case "dense": ["activation"]
        case "conv2d": ["kernel", "stride", "padding", "activation"]
        case "max_pool", "avg_pool": ["stride"]
        case "batch_norm": ["momentum", "epsilon"]
        default: []
        }
    }

    private static func spec(_ kind: String, isLast: Bool, _ layer: inout DirectiveFields) -> LayerSpec? {
        let limit = 1_000_000
        switch kind {
        case "dense":
            let units = layer.int("dense", required: true, in: 1...limit)
            let activation: Activation = layer.choice("activation") ?? (isLast ? .none : .relu)
            return units.map { .dense(units: $0, activation: activation) }
        case "conv2d":
            let filters = layer.int("conv2d", required: true, in: 1...65_536)
            let kernel = layer.int("kernel", in: 1...1024) ?? 3
            let stride = layer.int("stride", in: 1...1024) ?? 1
            let padding: Padding = layer.choice("padding") ?? .valid
            let activation: Activation = layer.choice("activation") ?? .relu
            return filters.map { .conv2d(filters: $0, kernel: kernel, stride: stride, padding: padding, activation: activation) }
        case "max_pool", "avg_pool":
            guard let window = layer.int(kind, required: true, in: 1...1024) else { return nil }
            let stride = layer.int("stride", in: 1...1024) ?? window
            return kind == "max_pool" ? .maxPool(window: window, stride: stride) : .avgPool(window: window, stride: stride)
        case "dropout":
            // One message for every rate outside [0, 1): 1.5 must not be told "at most 1.0" when 1.0 is refused too.
            guard let rate = layer.float("dropout", required: true, in: 0...1, excludingUpperBound: true) else { return nil }
            return .dropout(rate: Float(rate))
        case "batch_norm":
            // `- batch_norm`, `- batch_norm: {momentum: 0.9}`, or the settings beside the kind.
            var settings = layer
            if let nested = layer.node("batch_norm"), case .mapping = nested {
                settings = DirectiveFields(nested, directive: "network", location: nested.location, allowed: ["momentum", "epsilon"])
            } else if let value = layer.node("batch_norm"), case .scalar(let scalar, _) = value, scalar != .null {
                layer.report(value.location, "'batch_norm' takes settings such as {momentum: 0.99, epsilon: 0.001}, not '\(scalar)'")
                return nil
            }
            let momentum = settings.float("momentum", in: 0...1) ?? Double(batchNormMomentum)
            let epsilon = settings.float("epsilon", in: 0...1, excludingLowerBound: true) ?? Double(batchNormEpsilon)
            if settings.location != layer.location { layer.absorb(settings) } else { layer = settings }
            return .batchNorm(momentum: Float(momentum), epsilon: Float(epsilon))
        default:
            if let value = layer.node(kind), case .scalar(let scalar, _) = value, scalar != .null {
                layer.report(value.location, "'\(kind)' takes no value; write it as a bare word: '- \(kind)'")
                return nil
            }
            return kind == "flatten" ? .flatten : .globalAvgPool
        }
    }
}
