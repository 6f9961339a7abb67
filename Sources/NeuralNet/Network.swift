/// One hidden or output layer as a notebook or command line describes it.
public struct LayerSpec: Sendable, Equatable, Codable {
    public var units: Int
    public var activation: Activation

    public init(units: Int, activation: Activation) {
        self.units = units
        self.activation = activation
    }
}

/// A feed-forward stack of dense layers whose last layer gives the logits, with L2 regularization on
/// every weight matrix.
public struct Network: Sendable, Equatable, CustomStringConvertible {
    public var layers: [Dense]
    public var l2: L2Regularization

    public init(layers: [Dense], l2: L2Regularization = L2Regularization(strength: 0)) {
        precondition(!layers.isEmpty, "a network needs at least one layer")
        for (previous, next) in zip(layers, layers.dropFirst()) {
            precondition(previous.outputSize == next.inputSize,
                         "layer sizes do not chain: \(previous.outputSize) then \(next.inputSize)")
        }
        self.layers = layers
        self.l2 = l2
    }

    /// A network of freshly initialized layers; biases start at zero.
    public init(
        inputSize: Int, layers specs: [LayerSpec], initializer: Initializer, l2: Float,
        generator: inout SeededGenerator
    ) {
        var layers: [Dense] = []
        var fanIn = inputSize
        for spec in specs {
            layers.append(Dense(inputSize: fanIn, outputSize: spec.units, activation: spec.activation,
                                weightInitializer: initializer, generator: &generator))
            fanIn = spec.units
        }
        self.init(layers: layers, l2: L2Regularization(strength: l2))
    }

    public var inputSize: Int { layers[0].inputSize }
    public var outputSize: Int { layers[layers.count - 1].outputSize }
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }
    /// The widest layer output, which sizes scratch buffers.
    var widestLayer: Int { layers.map(\.outputSize).max()! }

    public var description: String {
        layers.map(\.description).joined(separator: "; ") + (l2.strength == 0 ? "" : "; l2 \(l2.strength)")
    }

    /// The logits for a batch `[batchSize, inputSize]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { activations, layer in layer(activations) }
    }

    /// The L2 penalty of all weight matrices, summed layer by layer.
    public func regularizationLoss() -> Double {
        layers.reduce(0) { $0 + l2.loss($1.weight) }
    }

    /// Parameter tensors with the tutorial's scope names, in slot order:
    /// `Layer1/weights`, `Layer1/biases`, `Layer2/weights`, ...
    public var namedParameters: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { index, layer in
            [("Layer\(index + 1)/weights", layer.weight), ("Layer\(index + 1)/biases", layer.bias)]
        }
    }
}
