import Foundation
import NeuralNet

/// Everything a training run needs to continue exactly where it stopped, stored as a safetensors file
/// that NumPy and PyTorch load directly.
///
/// Tensors carry the tutorial's TensorFlow scope names: `Layer1/weights`, `Layer1/biases`, ...; the
/// optimizer's per-parameter state follows its parameter (`Layer1/weights/velocity`,
/// `Layer1/weights/adam_m`, `Layer1/weights/adam_v`), and the batch order's permutation is the `I64`
/// tensor `batch_order/permutation`. Layers are numbered in the notebook's order whatever their
/// kind (`Layer2/gamma`, `Layer2/moving_mean` for a batch norm after a convolution). Everything else
/// is string metadata: `format` (`labbook-checkpoint-1`), `global_step`, `input_shape` (JSON, one
/// example's shape), `layers` (JSON `[{"kind":"conv2d","filters":32,…}, …]`, which earlier versions
/// wrote without `kind` for dense layers), `l2_regularization`, `optimizer` (JSON with `kind` and hyperparameters), `notebook_code_sha256`, and the
/// batch order's `batch_order.generator_state`, `batch_order.position` and `batch_order.epoch`.
///
/// Checkpoints that LabBook 0.7.0 and later writes after a `{data}` block also say how to turn new
/// data into the network's inputs (see `CheckpointInput`): the JSON metadata `input` and the F32
/// vectors `Input/offset` and `Input/multiplier`. Checkpoints without them still decode.
///
/// The same checkpoint always encodes to the same bytes, so hashing checkpoints proves reruns identical.
public struct Checkpoint: Sendable, Equatable {
    /// The `format` metadata value this version writes and reads.
    public static let formatName = "labbook-checkpoint-1"

    public let network: Network
    public let optimizer: OptimizerState
    /// Where the shuffled batch order stood, when training used one.
    public let batchOrder: BatchOrderState?
    /// The SHA-256 of the code of the notebook that trained the network: its seed and directives after
    /// parameter substitution, prose left out. Editing prose reuses cached blocks, and must leave
    /// their checkpoints byte-identical to a fresh run's.
    public let notebookCodeSHA256: String?
    /// How new data become the network's inputs, for `labbook predict`; nil in checkpoints written
    /// before LabBook 0.7.0 or without data.
    public let input: CheckpointInput?

    /// The largest step or epoch count accepted (2^53): counting on from a larger one, as a hostile
    /// file could ask, would overflow.
    static let largestCount = 1 << 53

    /// The global step: how many updates the network has had.
    public var globalStep: Int { optimizer.step }

    /// A checkpoint; throws if the optimizer's slot state does not fit the network's parameters, or the
    /// batch order state is inconsistent, since such a checkpoint could not be resumed.
    public init(
        network: Network, optimizer: OptimizerState, batchOrder: BatchOrderState? = nil,
        notebookCodeSHA256: String? = nil, input: CheckpointInput? = nil
    ) throws {
        try optimizer.check(against: network)
        try batchOrder?.check()
        try input?.check(against: network)
        self.network = network
        self.optimizer = optimizer
        self.batchOrder = batchOrder
        self.notebookCodeSHA256 = notebookCodeSHA256
        self.input = input
    }

    /// A checkpoint of a live optimizer (SGD, Momentum or Adam).
    public init(
        network: Network, optimizer: any Optimizer, batchOrder: BatchOrderState? = nil,
        notebookCodeSHA256: String? = nil, input: CheckpointInput? = nil
    ) throws {
        try self.init(network: network, optimizer: try OptimizerState(optimizer), batchOrder: batchOrder,
                      notebookCodeSHA256: notebookCodeSHA256, input: input)
    }

    // MARK: Optimizer and batch order state

    /// An optimizer's kind, hyperparameters, step counter and per-parameter state, as plain values.
    public struct OptimizerState: Sendable, Equatable {
        public enum Settings: Sendable, Equatable {
            case sgd(learningRate: Float)
            case momentum(learningRate: Float, momentum: Float)
            case adam(learningRate: Float, beta1: Float, beta2: Float, epsilon: Float)
        }

        public var settings: Settings
        /// The global step: updates applied so far.
        public var step: Int
        /// The optimizer's `slotState`: per state name, one buffer per parameter slot (slot order is
        /// `Network.trainableParameters` order). A name maps to no buffers before the first update.
        public var slotState: [String: [[Float]]]

        public init(settings: Settings, step: Int, slotState: [String: [[Float]]] = [:]) {
            self.settings = settings
            self.step = step
            self.slotState = slotState
        }

        /// The state of `optimizer`; throws for optimizer types a checkpoint cannot name.
        public init(_ optimizer: any Optimizer) throws {
            switch optimizer {
            case let sgd as SGD:
                settings = .sgd(learningRate: sgd.learningRate)
            case let momentum as Momentum:
                settings = .momentum(learningRate: momentum.learningRate, momentum: momentum.momentum)
            case let adam as Adam:
                settings = .adam(learningRate: adam.learningRate, beta1: adam.beta1, beta2: adam.beta2,
                                 epsilon: adam.epsilon)
            default:
                throw CheckpointError.invalidContent(
                    "a checkpoint can save SGD, Momentum or Adam, not \(type(of: optimizer))")
            }
            step = optimizer.step
            slotState = optimizer.slotState
        }

        public var kind: OptimizerKind {
            switch settings {
            case .sgd: .sgd
            case .momentum: .momentum
            case .adam: .adam
            }
        }

        /// A live optimizer with these settings, step and state, ready to continue training.
        public func makeOptimizer() -> any Optimizer {
            var optimizer: any Optimizer
            switch settings {
            case .sgd(let learningRate):
                optimizer = SGD(learningRate: learningRate)
            case .momentum(let learningRate, let momentum):
                optimizer = Momentum(learningRate: learningRate, momentum: momentum)
            case .adam(let learningRate, let beta1, let beta2, let epsilon):
                optimizer = Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
            }
            optimizer.step = step
            optimizer.slotState = slotState
            return optimizer
        }

        /// The hyperparameters by their metadata names, in the order they are written.
        var hyperparameters: [(name: String, value: Float)] {
            switch settings {
            case .sgd(let learningRate):
                [("learning_rate", learningRate)]
            case .momentum(let learningRate, let momentum):
                [("learning_rate", learningRate), ("momentum", momentum)]
            case .adam(let learningRate, let beta1, let beta2, let epsilon):
                [("learning_rate", learningRate), ("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon)]
            }
        }

        /// Each slot state name of `kind` with the suffix its tensors carry after the parameter name.
        static func slotSuffixes(of kind: OptimizerKind) -> [(stateName: String, suffix: String)] {
            switch kind {
            case .sgd: []
            case .momentum: [("velocity", "velocity")]
            case .adam: [("m", "adam_m"), ("v", "adam_v")]
            }
        }

        /// Checks what a checkpoint needs: a non-negative step, finite hyperparameters (they are written
        /// as JSON numbers), and slot state that is absent or one buffer per parameter of its size.
        func check(against network: Network) throws {
            guard (0...Checkpoint.largestCount).contains(step) else {
                throw CheckpointError.invalidContent("the optimizer step \(step) is out of range")
            }
            for (name, value) in hyperparameters where !value.isFinite {
                throw CheckpointError.invalidContent("the optimizer's \(name) is \(value)")
            }
            let expected = Self.slotSuffixes(of: kind).map(\.stateName)
            for name in slotState.keys where !expected.contains(name) {
                throw CheckpointError.invalidContent("\(kind.rawValue) has no slot state named '\(name)'")
            }
            let parameters = network.trainableParameters
            for (name, buffers) in slotState where !buffers.isEmpty {
                guard buffers.count == parameters.count else {
                    throw CheckpointError.invalidContent(
                        "the optimizer's \(name) state has \(buffers.count) buffers for \(parameters.count) parameters")
                }
                for (buffer, parameter) in zip(buffers, parameters) where buffer.count != parameter.tensor.count {
                    throw CheckpointError.invalidContent(
                        "the optimizer's \(name) state for \(parameter.name) has \(buffer.count) values, "
                            + "the parameter \(parameter.tensor.count)")
                }
            }
        }
    }

    /// The state of the shuffled batch order (the Datasets module's `EpochShuffledBatches`), as plain
    /// values so this module need not know the type.
    public struct BatchOrderState: Sendable, Equatable {
        /// The shuffling generator's `SeededGenerator.state`.
        public var generatorState: [UInt64]
        /// The current epoch's order of example indices.
        public var permutation: [Int]
        /// Where the next batch starts in `permutation`.
        public var position: Int
        /// How many times the examples have been shuffled.
        public var epoch: Int

        public init(generatorState: [UInt64], permutation: [Int], position: Int, epoch: Int) {
            self.generatorState = generatorState
            self.permutation = permutation
            self.position = position
            self.epoch = epoch
        }

        /// Checks that resuming from this state cannot index outside the examples or break the generator.
        func check() throws {
            guard SeededGenerator(state: generatorState) != nil else {
                throw CheckpointError.invalidContent(
                    "the batch order's generator state must be four words, not all zero; got \(generatorState)")
            }
            guard (0...permutation.count).contains(position), (0...Checkpoint.largestCount).contains(epoch) else {
                throw CheckpointError.invalidContent(
                    "the batch order's position \(position) or epoch \(epoch) is out of range for "
                        + "\(permutation.count) examples")
            }
            var seen = [Bool](repeating: false, count: permutation.count)
            for index in permutation {
                guard seen.indices.contains(index), !seen[index] else {
                    throw CheckpointError.invalidContent(
                        "the batch order's permutation is not a permutation of 0..<\(permutation.count) "
                            + "(\(index) is out of range or repeated)")
                }
                seen[index] = true
            }
        }
    }

    // MARK: Writing

    private enum MetadataKey {
        static let format = "format"
        static let globalStep = "global_step"
        static let layers = "layers"
        static let inputShape = "input_shape"
        static let l2 = "l2_regularization"
        static let optimizer = "optimizer"
        static let notebookCodeSHA256 = "notebook_code_sha256"
        static let generatorState = "batch_order.generator_state"
        static let position = "batch_order.position"
        static let epoch = "batch_order.epoch"
        static let input = "input"
    }

    private static let permutationTensor = "batch_order/permutation"
    private static let inputOffsetTensor = "Input/offset"
    private static let inputMultiplierTensor = "Input/multiplier"

    /// The checkpoint as safetensors bytes, the same bytes for the same checkpoint.
    public func encode() throws -> [UInt8] {
        var tensors = network.namedParameters.map { SafetensorsTensor(name: $0.name, tensor: $0.tensor) }
        let trainable = network.trainableParameters
        for (stateName, suffix) in OptimizerState.slotSuffixes(of: optimizer.kind) {
            let buffers = optimizer.slotState[stateName] ?? []
            for (buffer, parameter) in zip(buffers, trainable) {
                tensors.append(SafetensorsTensor(
                    name: parameter.name + "/" + suffix,
                    tensor: Tensor(shape: parameter.tensor.shape, scalars: buffer)))
            }
        }

        // Sorted keys: the same checkpoint must always encode to the same bytes.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let layers = String(decoding: try encoder.encode(network.specs), as: UTF8.self)
        let inputShape = String(decoding: try encoder.encode(network.inputShape), as: UTF8.self)
        let optimizerFields = [("kind", Safetensors.jsonString(optimizer.kind.rawValue))]
            + optimizer.hyperparameters.map { ($0.name, $0.value.description) }
        var metadata = [
            MetadataKey.format: Self.formatName,
            MetadataKey.globalStep: String(optimizer.step),
            MetadataKey.layers: layers,
            MetadataKey.inputShape: inputShape,
            MetadataKey.l2: network.l2.strength.description,
            MetadataKey.optimizer: "{" + optimizerFields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}",
        ]
        if let notebookCodeSHA256 { metadata[MetadataKey.notebookCodeSHA256] = notebookCodeSHA256 }
        if let batchOrder {
            tensors.append(SafetensorsTensor(name: Self.permutationTensor,
                                             int64: batchOrder.permutation.map { Int64($0) }))
            metadata[MetadataKey.generatorState] = batchOrder.generatorState.map(String.init).joined(separator: ",")
            metadata[MetadataKey.position] = String(batchOrder.position)
            metadata[MetadataKey.epoch] = String(batchOrder.epoch)
        }
        if let input {
            metadata[MetadataKey.input] = input.json
            tensors.append(SafetensorsTensor(name: Self.inputOffsetTensor, float32: input.offset))
            tensors.append(SafetensorsTensor(name: Self.inputMultiplierTensor, float32: input.multiplier))
        }
        return try Safetensors.encode(tensors: tensors, metadata: metadata)
    }

    // MARK: Reading

    /// The checkpoint in `bytes`, checked throughout: a corrupt or foreign file is an error that says
    /// what is wrong, never a crash.
    public static func decode(_ bytes: [UInt8]) throws -> Checkpoint {
        let file: SafetensorsFile
        do {
            file = try Safetensors.decode(bytes)
        } catch let error as SafetensorsError {
            throw CheckpointError.file(error)
        }
        var reader = Reader(file: file)
        let format = try reader.metadata(MetadataKey.format)
        guard format == formatName else {
            throw CheckpointError.invalidContent("format is '\(format)'; this LabBook reads '\(formatName)'")
        }

        let network = try reader.network()
        let optimizer = try reader.optimizer(for: network)
        let batchOrder = try reader.batchOrder()
        let notebookCodeSHA256 = file.metadata[MetadataKey.notebookCodeSHA256]
        let input = try reader.input()
        if let unexpected = file.names.first(where: { !reader.used.contains($0) }) {
            throw CheckpointError.invalidContent("unexpected tensor '\(unexpected)'")
        }
        return try Checkpoint(network: network, optimizer: optimizer, batchOrder: batchOrder,
                              notebookCodeSHA256: notebookCodeSHA256, input: input)
    }

    /// Reads a checkpoint's parts from a decoded file, remembering which tensors it used.
    private struct Reader {
        let file: SafetensorsFile
        var used: Set<String> = []

        func metadata(_ key: String) throws -> String {
            guard let value = file.metadata[key] else {
                throw CheckpointError.invalidContent("metadata '\(key)' is missing")
            }
            return value
        }

        func integer(_ key: String) throws -> Int {
            let text = try metadata(key)
            guard let value = Int(text), value >= 0 else {
                throw CheckpointError.invalidContent("metadata '\(key)' is '\(text)', not a non-negative integer")
            }
            return value
        }

        func json<Value: Decodable>(_ type: Value.Type, _ key: String) throws -> Value {
            let text = try metadata(key)
            do {
                return try JSONDecoder().decode(type, from: Data(text.utf8))
            } catch {
                throw CheckpointError.invalidContent("metadata '\(key)' is not valid: \(text)")
            }
        }

        mutating func float32(_ name: String, shape expected: [Int]) throws -> Tensor {
            let info: SafetensorsTensorInfo
            do {
                info = try file.info(name)
            } catch {
                throw CheckpointError.invalidContent("tensor '\(name)' is missing")
            }
            guard info.dtype == .float32, info.shape == expected else {
                throw CheckpointError.invalidContent(
                    "tensor '\(name)' is \(info.dtype.rawValue) \(info.shape), expected F32 \(expected)")
            }
            used.insert(name)
            return Tensor(shape: info.shape, scalars: try file.float32(name))
        }

        /// The network from `input_shape` and `layers` metadata and every layer's tensors, checked to chain.
        mutating func network() throws -> Network {
            let specs = try json([LayerSpec].self, MetadataKey.layers)
            guard !specs.isEmpty else { throw CheckpointError.invalidContent("the network has no layers") }
            let inputShape: [Int]
            if file.metadata[MetadataKey.inputShape] != nil {
                inputShape = try json([Int].self, MetadataKey.inputShape)
            } else {
                // Checkpoints before convolutions held dense layers only, on vectors as wide as the first weights.
                guard let firstWeights = file.tensors["Layer1/weights"], firstWeights.shape.count == 2 else {
                    throw CheckpointError.invalidContent("tensor 'Layer1/weights' is missing or not a matrix")
                }
                inputShape = [firstWeights.shape[0]]
            }
            guard !inputShape.isEmpty, inputShape.count <= 3, inputShape.allSatisfy({ (1...1 << 24).contains($0) }),
                  inputShape.reduce(1, *) <= 1 << 28 else {
                throw CheckpointError.invalidContent("metadata 'input_shape' is \(inputShape), not the shape of an example")
            }
            var layers: [any Layer]
            do {
                layers = try Network.buildLayers(inputShape: inputShape, specs: specs)
            } catch {
                throw CheckpointError.invalidContent("metadata 'layers' does not describe a network: \(error)")
            }
            for index in layers.indices {
                let scope = "Layer\(index + 1)"
                layers[index].parameters = try layers[index].parameterSpecs.map { spec in
                    try float32(scope + "/" + spec.name, shape: spec.shape)
                }
            }
            let l2Text = try metadata(MetadataKey.l2)
            guard let l2 = Float(l2Text), l2.isFinite, l2 >= 0 else {
                throw CheckpointError.invalidContent("metadata '\(MetadataKey.l2)' is '\(l2Text)'")
            }
            return Network(layers: layers, l2: L2Regularization(strength: l2))
        }

        private struct OptimizerFields: Decodable {
            var kind: OptimizerKind
            var learningRate: Float
            var momentum: Float?
            var beta1: Float?
            var beta2: Float?
            var epsilon: Float?

            enum CodingKeys: String, CodingKey {
                case kind, momentum, beta1, beta2, epsilon
                case learningRate = "learning_rate"
            }
        }

        /// The optimizer from `optimizer` and `global_step` metadata and its slot tensors, which must be
        /// there for every parameter or for none (before the first update).
        mutating func optimizer(for network: Network) throws -> OptimizerState {
            let fields = try json(OptimizerFields.self, MetadataKey.optimizer)
            func required(_ value: Float?, _ name: String) throws -> Float {
                guard let value else {
                    throw CheckpointError.invalidContent("metadata 'optimizer' lacks \(name) for \(fields.kind.rawValue)")
                }
                return value
            }
            let settings: OptimizerState.Settings
            switch fields.kind {
            case .sgd:
                settings = .sgd(learningRate: fields.learningRate)
            case .momentum:
                settings = .momentum(learningRate: fields.learningRate,
                                     momentum: try required(fields.momentum, "momentum"))
            case .adam:
                settings = .adam(learningRate: fields.learningRate, beta1: try required(fields.beta1, "beta1"),
                                 beta2: try required(fields.beta2, "beta2"),
                                 epsilon: try required(fields.epsilon, "epsilon"))
            }
            var slotState: [String: [[Float]]] = [:]
            let parameters = network.trainableParameters
            for (stateName, suffix) in OptimizerState.slotSuffixes(of: fields.kind) {
                let names = parameters.map { $0.name + "/" + suffix }
                let present = names.filter { file.tensors[$0] != nil }
                if present.isEmpty {
                    slotState[stateName] = []
                    continue
                }
                if let missing = names.first(where: { file.tensors[$0] == nil }) {
                    throw CheckpointError.invalidContent("tensor '\(missing)' is missing while '\(present[0])' is there")
                }
                slotState[stateName] = try zip(names, parameters).map { name, parameter in
                    try float32(name, shape: parameter.tensor.shape).scalars
                }
            }
            return OptimizerState(settings: settings, step: try integer(MetadataKey.globalStep), slotState: slotState)
        }

        /// The batch order state, when the checkpoint has one (all of its parts, or none).
        mutating func batchOrder() throws -> BatchOrderState? {
            let keys = [MetadataKey.generatorState, MetadataKey.position, MetadataKey.epoch]
            let hasTensor = file.tensors[permutationTensor] != nil
            guard hasTensor || keys.contains(where: { file.metadata[$0] != nil }) else { return nil }
            let stateText = try metadata(MetadataKey.generatorState)
            let words = stateText.split(separator: ",", omittingEmptySubsequences: false).map { UInt64($0) }
            guard words.count == 4, !words.contains(nil) else {
                throw CheckpointError.invalidContent(
                    "metadata '\(MetadataKey.generatorState)' is '\(stateText)', not four comma-separated integers")
            }
            guard hasTensor else { throw CheckpointError.invalidContent("tensor '\(permutationTensor)' is missing") }
            let info = try file.info(permutationTensor)
            guard info.dtype == .int64, info.shape.count == 1 else {
                throw CheckpointError.invalidContent(
                    "tensor '\(permutationTensor)' is \(info.dtype.rawValue) \(info.shape), expected a vector of I64")
            }
            used.insert(permutationTensor)
            var permutation: [Int] = []
            permutation.reserveCapacity(info.elementCount)
            for value in try file.int64(permutationTensor) {
                guard let index = Int(exactly: value) else {
                    throw CheckpointError.invalidContent("the permutation holds \(value), not an index")
                }
                permutation.append(index)
            }
            return BatchOrderState(generatorState: words.compactMap { $0 }, permutation: permutation,
                                   position: try integer(MetadataKey.position), epoch: try integer(MetadataKey.epoch))
        }

        /// The input description, when the checkpoint has one (its metadata and both vectors, or none).
        mutating func input() throws -> CheckpointInput? {
            let names = [Checkpoint.inputOffsetTensor, Checkpoint.inputMultiplierTensor]
            guard file.metadata[MetadataKey.input] != nil || names.contains(where: { file.tensors[$0] != nil }) else {
                return nil
            }
            let json = try metadata(MetadataKey.input)
            var vectors: [[Float]] = []
            for name in names {
                guard let info = file.tensors[name] else { throw CheckpointError.invalidContent("tensor '\(name)' is missing") }
                guard info.shape.count == 1 else {
                    throw CheckpointError.invalidContent(
                        "tensor '\(name)' is \(info.dtype.rawValue) \(info.shape), expected a vector of F32")
                }
                vectors.append(try float32(name, shape: info.shape).scalars)
            }
            return CheckpointInput(json: json, offset: vectors[0], multiplier: vectors[1])
        }
    }

    // MARK: Restoring

    /// `network` with the checkpoint's parameters, after checking that every parameter has the same
    /// name and shape on both sides and every layer the same settings. The network keeps its own L2
    /// strength. Mismatches are all reported at once, each naming both sides.
    public func restore(into network: Network) throws -> Network {
        var problems: [String] = []
        let saved = Dictionary(uniqueKeysWithValues: self.network.namedParameters.map { ($0.name, $0.tensor.shape) })
        let target = Dictionary(uniqueKeysWithValues: network.namedParameters.map { ($0.name, $0.tensor.shape) })
        for parameter in self.network.namedParameters {
            if let targetShape = target[parameter.name] {
                if parameter.tensor.shape != targetShape {
                    problems.append("checkpoint has \(parameter.name) \(parameter.tensor.shape) but the network has \(targetShape)")
                }
            } else {
                problems.append("checkpoint has \(parameter.name) \(parameter.tensor.shape) but the network has no \(parameter.name)")
            }
        }
        for parameter in network.namedParameters where saved[parameter.name] == nil {
            problems.append("the network has \(parameter.name) \(parameter.tensor.shape) but the checkpoint has no \(parameter.name)")
        }
        if self.network.inputShape != network.inputShape {
            problems.append("checkpoint takes inputs of shape \(self.network.inputShape) but the network \(network.inputShape)")
        }
        for (index, (savedSpec, targetSpec)) in zip(self.network.specs, network.specs).enumerated() where savedSpec != targetSpec {
            if savedSpec.kind == "dense" && targetSpec.kind == "dense" {
                if let saved = savedSpec.activation, let target = targetSpec.activation, saved != target {
                    problems.append("checkpoint has Layer\(index + 1) activation \(saved.rawValue) but the network has \(target.rawValue)")
                }
            } else {
                problems.append("checkpoint has Layer\(index + 1) \(savedSpec) but the network has \(targetSpec)")
            }
        }
        guard problems.isEmpty else { throw CheckpointError.mismatch(problems) }
        return Network(layers: self.network.layers, l2: network.l2)
    }
}

/// How the data a network was trained on became its inputs, kept in its checkpoints so that the
/// network can classify new data without its notebook: a JSON description (the `input` metadata,
/// which the Notebook module writes and reads: dataset kind, class names, image shape, table
/// encoding) and the fitted normalization, every feature `f` becoming
/// `(x - offset[f]) * multiplier[f]` (the `Input/offset` and `Input/multiplier` tensors, so that
/// `mean-image`'s per-pixel means travel too). This module checks only the parts' sizes.
public struct CheckpointInput: Sendable, Equatable {
    /// The `input` metadata: JSON text.
    public var json: String
    public var offset: [Float]
    public var multiplier: [Float]

    public init(json: String, offset: [Float], multiplier: [Float]) {
        self.json = json
        self.offset = offset
        self.multiplier = multiplier
    }

    /// One offset and multiplier per input of `network`.
    func check(against network: Network) throws {
        guard offset.count == network.inputSize, multiplier.count == network.inputSize else {
            throw CheckpointError.invalidContent(
                "the input normalization has \(offset.count) offsets and \(multiplier.count) multipliers for a "
                    + "network of \(network.inputSize) inputs")
        }
    }
}

/// Why a checkpoint could not be written, read or restored.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not a valid safetensors file.
    case file(SafetensorsError)
    /// The file is valid safetensors but not a valid LabBook checkpoint.
    case invalidContent(String)
    /// The checkpoint does not fit the network it is restored into; one line per difference.
    case mismatch([String])

    public var description: String {
        switch self {
        case .file(let error): "checkpoint: \(error)"
        case .invalidContent(let reason): "checkpoint: \(reason)"
        case .mismatch(let problems): "checkpoint does not fit the network: " + problems.joined(separator: "; ")
        }
    }
}
