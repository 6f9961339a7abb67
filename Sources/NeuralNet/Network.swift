/// A feed-forward stack of layers whose last layer gives the logits, with L2 regularization on every
/// kernel (the parameters a layer marks `regularized`).
public struct Network: Sendable, Equatable, CustomStringConvertible {
    public var layers: [any Layer]
    public var l2: L2Regularization

    public init(layers: [any Layer], l2: L2Regularization = L2Regularization(strength: 0)) {
        precondition(!layers.isEmpty, "a network needs at least one layer")
        for layer in layers {
            precondition(layer.parameters.map(\.shape) == layer.parameterSpecs.map(\.shape),
                         "\(layer) has parameters of shapes \(layer.parameters.map(\.shape)), not \(layer.parameterSpecs.map(\.shape))")
        }
        for (previous, next) in zip(layers, layers.dropFirst()) {
            precondition(previous.outputCount == next.inputCount,
                         "layer sizes do not chain: \(previous.outputShape) then \(next.inputShape)")
        }
        self.layers = layers
        self.l2 = l2
    }

    /// A network of the layers `specs` describe on inputs of `inputShape`, freshly initialized from
    /// `generator`, layer by layer and parameter by parameter. Throws, naming the layer's index,
    /// when a layer does not fit the shape before it.
    public init(
        inputShape: [Int], specs: [LayerSpec], initializer: Initializer, l2: Float, generator: inout SeededGenerator
    ) throws(NetworkShapeError) {
        let layers = try Self.buildLayers(inputShape: inputShape, specs: specs)
        self.init(layers: layers.map { layer in
            var layer = layer
            layer.parameters = layer.parameterSpecs.map { $0.makeTensor(initializer, using: &generator) }
            return layer
        }, l2: L2Regularization(strength: l2))
    }

    /// A network of dense layers on `inputSize` features.
    public init(
        inputSize: Int, layers specs: [LayerSpec], initializer: Initializer, l2: Float,
        generator: inout SeededGenerator
    ) {
        do {
            try self.init(inputShape: [inputSize], specs: specs, initializer: initializer, l2: l2, generator: &generator)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// The layers `specs` describe, shape after shape, without parameter tensors: allocates nothing
    /// for them, so it checks a notebook's network however large.
    public static func buildLayers(inputShape: [Int], specs: [LayerSpec]) throws(NetworkShapeError) -> [any Layer] {
        guard !specs.isEmpty else { throw NetworkShapeError(layer: 0, message: "a network needs at least one layer") }
        var layers: [any Layer] = []
        var shape = inputShape
        for (index, spec) in specs.enumerated() {
            do {
                let layer = try spec.makeLayer(inputShape: shape)
                layers.append(layer)
                shape = layer.outputShape
            } catch {
                throw NetworkShapeError(layer: index, message: error.message)
            }
        }
        return layers
    }

    public var inputShape: [Int] { layers[0].inputShape }
    public var inputSize: Int { layers[0].inputCount }
    public var outputSize: Int { layers[layers.count - 1].outputCount }
    public var specs: [LayerSpec] { layers.map(\.spec) }
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    public var description: String {
        layers.map(\.description).joined(separator: "; ") + (l2.strength == 0 ? "" : "; l2 \(l2.strength)")
    }

    public static func == (left: Network, right: Network) -> Bool {
        left.l2 == right.l2 && left.inputShape == right.inputShape && left.specs == right.specs
            && left.layers.map(\.parameters) == right.layers.map(\.parameters)
    }

    /// The logits for a batch `[batchSize, inputs...]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { activations, layer in layer(activations) }
    }

    /// The L2 penalty of all regularized parameters, summed layer by layer.
    public func regularizationLoss() -> Double {
        layers.reduce(0) { sum, layer in
            zip(layer.parameterSpecs, layer.parameters).reduce(sum) { $0 + ($1.0.regularized ? l2.loss($1.1) : 0) }
        }
    }

    /// Every parameter tensor with the tutorial's scope names, layer by layer: `Layer1/weights`,
    /// `Layer1/biases`, `Layer2/gamma`, ... Layers are numbered from 1 in the notebook's order.
    public var namedParameters: [(name: String, tensor: Tensor, spec: ParameterSpec)] {
        layers.enumerated().flatMap { index, layer in
            zip(layer.parameterSpecs, layer.parameters).map { ("Layer\(index + 1)/\($0.name)", $1, $0) }
        }
    }

    /// The parameters the optimizer updates, in slot order.
    public var trainableParameters: [(name: String, tensor: Tensor, spec: ParameterSpec)] {
        namedParameters.filter(\.spec.trainable)
    }
}

/// A layer of a network that does not fit the shape the layers before it give.
public struct NetworkShapeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The layer's index in the list, from 0.
    public var layer: Int
    public var message: String

    public var description: String { "layer \(layer + 1): \(message)" }
}
