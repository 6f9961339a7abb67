import NeuralNet

/// Checks that each directive has what it needs from the blocks before it, and that the notebook
/// can not make the runner allocate more memory than the machine has, before anything runs.
struct DependencyCheck {
    var memoryLimit: UInt64

    /// What the blocks so far have set up, as far as it can be known without running them.
    private struct State {
        var data: (directive: DataDirective, line: Int, train: Int, validation: Int, test: Int)?
        /// The network, its layers as built on the data before it (nil when they do not fit), and its input shape.
        var network: (directive: NetworkDirective, line: Int, inputs: [Int], layers: [any Layer]?)?
        var trained = false
        var evaluated = false
        var checkpointNames: [String: Int] = [:]
        var networkNames: [String: Int] = [:]
        var networkCount = 0
    }

    func check(_ plan: NotebookPlan) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var state = State()
        for planned in plan.blocks {
            let at = planned.block.location
            func need(_ what: String, _ present: Bool) -> Bool {
                if !present {
                    diagnostics.append(Diagnostic(at, "{\(planned.block.name)} needs a {\(what)} block before it"))
                }
                return present
            }
            switch planned.directive {
            case .data(let data):
                let shape = data.shape
                let limited = (train: min(shape.train, data.limit ?? .max), test: min(shape.test, data.limit ?? .max))
                if data.validation > 0 && data.validation >= limited.train {
                    diagnostics.append(Diagnostic(at, "'validation' holds out \(data.validation) examples, but "
                                                  + "\(data.dataset.rawValue) has only \(limited.train) training examples"))
                }
                let datasetBytes = UInt64(shape.train + shape.test) * UInt64(shape.features + 1)
                    * (data.dataset == .spiral ? 4 : 1)
                if data.dataset == .spiral && datasetBytes > memoryLimit / 2 {
                    diagnostics.append(Diagnostic(at, "the spiral of \(shape.train) points needs "
                                                  + "\(Self.megabytes(datasetBytes)), more than this machine can spare"))
                }
                state.data = (data, at.line, limited.train - data.validation, data.validation, limited.test)
            case .network(let network):
                guard need("data", state.data != nil), let data = state.data else { break }
                let inputShape = network.inputShape(for: data.directive)
                let layers = checkLayers(network, inputShape: inputShape, data: data.directive, dataLine: data.line,
                                         at: at, &diagnostics)
                if let layers {
                    let bytes = Self.networkBytes(inputs: inputShape, layers: layers, batchSize: 1000, optimizerSlots: 2,
                                                  training: true)
                    if bytes > memoryLimit / 2 {
                        diagnostics.append(Diagnostic(at, "this network needs about \(Self.megabytes(bytes)) to train, "
                                                      + "more than this machine's \(Self.megabytes(memoryLimit)) allow"))
                    }
                }
                state.network = (network, at.line, inputShape, layers)
                state.networkCount += 1
                let name = NotebookPlan.networkName(network, ordinal: state.networkCount)
                if let earlier = state.networkNames[name] {
                    diagnostics.append(Diagnostic(at, "the network name '\(name)' is already used at line \(earlier); "
                                                  + "give each {network} its own 'name'"))
                }
                state.networkNames[name] = at.line
            case .train(let train):
                guard need("data", state.data != nil), need("network", state.network != nil),
                      let data = state.data, let network = state.network else { break }
                checkFeatures(data: data.directive, dataLine: data.line, network: network, at: at, &diagnostics)
                if train.batchSize > data.train {
                    diagnostics.append(Diagnostic(train.batchSizeLocation, "'batch_size' is \(train.batchSize), but "
                                                  + "there are only \(data.train) training examples"))
                }
                if let augment = train.augment {
                    if let image = data.directive.imageShape {
                        if augment.crop >= min(image.height, image.width) {
                            diagnostics.append(Diagnostic(train.augmentLocation, "'crop' is \(augment.crop), but the images are "
                                                          + "\(image.height)x\(image.width): crop by less than their side"))
                        }
                    } else {
                        diagnostics.append(Diagnostic(train.augmentLocation, "'augment' flips and crops images, but "
                                                      + "\(data.directive.dataset.rawValue) (line \(data.line)) is not images"))
                    }
                }
                if train.evalEvery != nil && data.validation == 0 {
                    diagnostics.append(Diagnostic(train.evalEveryLocation, "'eval_every' needs a validation split: "
                                                  + "add 'validation: N' to the {data} block at line \(data.line)"))
                }
                let bytes = network.layers.map {
                    Self.networkBytes(inputs: network.inputs, layers: $0, batchSize: train.batchSize,
                                      optimizerSlots: train.optimizer == .adam ? 2 : 1, training: true)
                } ?? 0
                if bytes > memoryLimit / 2 {
                    diagnostics.append(Diagnostic(train.batchSizeLocation, "training with batches of "
                        + "\(train.batchSize) needs about \(Self.megabytes(bytes)), more than this machine's "
                        + "\(Self.megabytes(memoryLimit)) allow"))
                }
                state.trained = true
            case .evaluate(let evaluate):
                guard need("data", state.data != nil), need("network", state.network != nil),
                      let data = state.data, let network = state.network else { break }
                checkFeatures(data: data.directive, dataLine: data.line, network: network, at: at, &diagnostics)
                if evaluate.split == .validation && data.validation == 0 {
                    diagnostics.append(Diagnostic(evaluate.splitLocation, "there is no validation split to "
                                                  + "evaluate: add 'validation: N' to the {data} block at line \(data.line)"))
                }
                state.evaluated = true
            case .plot(let plot):
                checkPlot(plot, state: state, at: at, &diagnostics)
            case .checkpoint(let checkpoint):
                _ = need("network", state.network != nil)
                if let earlier = state.checkpointNames[checkpoint.name] {
                    diagnostics.append(Diagnostic(at, "checkpoint '\(checkpoint.name)' is already written at line \(earlier)"))
                }
                state.checkpointNames[checkpoint.name] = at.line
            case .restore:
                _ = need("network", state.network != nil)
            }
        }
        return diagnostics
    }

    private func checkFeatures(data: DataDirective, dataLine: Int,
                               network: (directive: NetworkDirective, line: Int, inputs: [Int], layers: [any Layer]?),
                               at: SourceLocation, _ diagnostics: inout [Diagnostic]) {
        let shape = network.directive.inputShape(for: data)
        guard network.inputs != shape else { return }
        if network.inputs.count == 1 && shape.count == 1 {
            diagnostics.append(Diagnostic(at, "the network (line \(network.line)) takes \(network.inputs[0]) inputs, "
                                          + "but the data (line \(dataLine)) has \(shape[0]) features"))
        } else {
            diagnostics.append(Diagnostic(at, "the network (line \(network.line)) takes inputs of shape \(network.inputs), "
                                          + "but the data (line \(dataLine)) are \(shape)"))
        }
    }

    /// Builds the network's layers on `inputShape`, reporting at its line every layer that does not
    /// fit the one before it, a batch norm that follows no conv2d or dense layer, and an output that
    /// is not one value per class. Returns the layers when they all fit.
    private func checkLayers(_ network: NetworkDirective, inputShape: [Int], data: DataDirective, dataLine: Int,
                             at: SourceLocation, _ diagnostics: inout [Diagnostic]) -> [any Layer]? {
        func location(_ index: Int) -> SourceLocation {
            network.layerLocations.indices.contains(index) ? network.layerLocations[index] : at
        }
        var fits = true
        for (index, spec) in network.layers.enumerated() where spec.kind == "batch_norm" {
            let previous = index == 0 ? nil : network.layers[index - 1].kind
            if previous != "conv2d" && previous != "dense" {
                diagnostics.append(Diagnostic(location(index), previous == nil
                    ? "batch_norm cannot be the first layer: it normalizes the output of a conv2d or dense layer"
                    : "batch_norm must follow a conv2d or dense layer, not \(previous!)"))
                fits = false
            }
        }
        let layers: [any Layer]
        do {
            layers = try Network.buildLayers(inputShape: inputShape, specs: network.layers)
        } catch {
            let dataName = data.dataset.rawValue
            let message = error.layer == 0 && inputShape.count == 1 && data.imageShape == nil
                ? error.message + " (\(dataName), line \(dataLine), is not images)" : error.message
            diagnostics.append(Diagnostic(location(error.layer), message))
            return nil
        }
        let classes = data.shape.classes
        if let last = layers.last, last.outputCount != classes {
            let output = last.outputShape.count == 1 ? "\(last.outputCount) units"
                : "outputs \(last.outputShape) (\(last.outputCount) values)"
            diagnostics.append(Diagnostic(location(layers.count - 1),
                "the last layer has \(output), but \(data.dataset.rawValue) (line \(dataLine)) has \(classes) classes: "
                + "the output layer needs one unit per class"))
        }
        return fits ? layers : nil
    }

    private func checkPlot(_ plot: PlotDirective, state: State, at: SourceLocation,
                           _ diagnostics: inout [Diagnostic]) {
        func require(_ condition: Bool, _ message: String) {
            if !condition { diagnostics.append(Diagnostic(at, "chart '\(plot.chart.rawValue)' \(message)")) }
        }
        /// `layer:` as an index into a network of `count` layers; nil, reported, when past its end.
        func layerIndex(among count: Int) -> Int? {
            require(plot.layer <= count, "asks for layer \(plot.layer), but the network has \(count) layers")
            return plot.layer <= count ? plot.layer - 1 : nil
        }
        switch plot.chart {
        case .curves:
            require(state.trained, "needs a {train} block before it")
            if plot.scalars?.contains("validation_accuracy") == true {
                require((state.data?.validation ?? 0) > 0, "shows validation_accuracy, but the data has no validation split")
            }
        case .histograms:
            require(state.trained, "needs a {train} block before it (histograms are recorded while training)")
            if plot.subject != .logits, let network = state.network, let index = layerIndex(among: network.directive.layers.count),
               plot.subject == .weights, let built = network.layers,
               !built[index].parameterSpecs.contains(where: { $0.name == "weights" }) {
                // The series the trainer records: a histogram of weights for each layer that has them.
                require(false, "asks for the weights of layer \(plot.layer), a \(built[index].spec.kind) layer, which has none")
            }
        case .confusion:
            require(state.evaluated, "needs an {evaluate} block before it")
        case .weights:
            require(state.network != nil, "needs a {network} block before it")
            require(state.data?.directive.imageShape != nil, "needs image data to draw weights as images")
            if let layers = state.network?.directive.layers, let index = layerIndex(among: layers.count),
               !(layers[index].kind == "conv2d" || (index == 0 && layers[0].kind == "dense")) {
                require(false, "draws the weights of a conv2d layer or of a first dense layer, "
                        + "not of layer \(plot.layer) (\(layers[index].kind))")
            }
        case .featureMaps:
            require(state.network != nil, "needs a {network} block before it")
            guard let network = state.network, let layers = network.layers else { break }
            if plot.layerGiven {
                if let index = layerIndex(among: layers.count), layers[index].outputShape.count != 3 {
                    require(false, "shows image-shaped outputs, but layer \(plot.layer) (\(layers[index].spec.kind)) "
                            + "outputs \(layers[index].outputShape)")
                }
            } else {
                require(layers.contains { $0.spec.kind == "conv2d" }, "needs a conv2d layer, or a 'layer' with image-shaped output")
            }
        case .samples:
            require(state.network != nil, "needs a {network} block before it")
            require(state.data?.directive.imageShape != nil, "needs image data to show samples")
            if plot.split == .validation {
                require((state.data?.validation ?? 0) > 0, "reads the validation split, but the data has none")
            }
        }
    }

    /// Bytes to train (parameters with their gradients and optimizer state, and every layer's
    /// buffers for a batch) or to evaluate `batchSize` examples.
    static func networkBytes(inputs: [Int], layers: [any Layer], batchSize: Int, optimizerSlots: Int,
                             training: Bool) -> UInt64 {
        let parameters = UInt64(layers.reduce(0) { $0 + $1.parameterCount })
        // Per example: the input, and each layer's output, gradient (training) and saved values.
        var perExample = UInt64(inputs.reduce(1, *))
        for layer in layers {
            perExample += UInt64(layer.outputCount) * (training ? 2 : 1) + UInt64(layer.savedCount)
        }
        let scratch = UInt64(layers.map { $0.scratchCount(rows: batchSize) }.max() ?? 0)
        let parameterCopies = UInt64(training ? 2 + optimizerSlots : 1)
        let (total, overflow) = perExample.multipliedReportingOverflow(by: UInt64(batchSize))
        return overflow ? .max : 4 &* (parameters &* parameterCopies &+ total &+ scratch)
    }

    static func megabytes(_ bytes: UInt64) -> String {
        bytes >= 1 << 30 ? "\(bytes >> 30) GiB" : "\(max(1, bytes >> 20)) MiB"
    }
}
