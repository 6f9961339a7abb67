import NeuralNet

/// Checks that each directive has what it needs from the blocks before it, and that the notebook
/// can not make the runner allocate more memory than the machine has, before anything runs.
struct DependencyCheck {
    var memoryLimit: UInt64

    /// What the blocks so far have set up, as far as it can be known without running them.
    private struct State {
        var data: (directive: DataDirective, line: Int, train: Int, validation: Int, test: Int)?
        var network: (directive: NetworkDirective, line: Int, inputs: Int)?
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
                if datasetBytes > memoryLimit / 2 {
                    diagnostics.append(Diagnostic(at, "the spiral of \(shape.train) points needs "
                                                  + "\(Self.megabytes(datasetBytes)), more than this machine can spare"))
                }
                state.data = (data, at.line, limited.train - data.validation, data.validation, limited.test)
            case .network(let network):
                guard need("data", state.data != nil), let data = state.data else { break }
                let classes = data.directive.shape.classes
                if let last = network.layers.last, last.units != classes {
                    diagnostics.append(Diagnostic(network.layerLocations.last ?? at,
                        "the last layer has \(last.units) units, but \(data.directive.dataset.rawValue) "
                        + "(line \(data.line)) has \(classes) classes: the output layer needs one unit per class"))
                }
                let bytes = Self.networkBytes(inputs: data.directive.shape.features, layers: network.layers,
                                              batchSize: 1000, optimizerSlots: 2)
                if bytes > memoryLimit / 2 {
                    diagnostics.append(Diagnostic(at, "this network needs about \(Self.megabytes(bytes)) to train, "
                                                  + "more than this machine's \(Self.megabytes(memoryLimit)) allow"))
                }
                state.network = (network, at.line, data.directive.shape.features)
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
                if train.evalEvery != nil && data.validation == 0 {
                    diagnostics.append(Diagnostic(train.evalEveryLocation, "'eval_every' needs a validation split: "
                                                  + "add 'validation: N' to the {data} block at line \(data.line)"))
                }
                let bytes = Self.networkBytes(inputs: network.inputs, layers: network.directive.layers,
                                              batchSize: train.batchSize, optimizerSlots: train.optimizer == .adam ? 2 : 1)
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
                               network: (directive: NetworkDirective, line: Int, inputs: Int),
                               at: SourceLocation, _ diagnostics: inout [Diagnostic]) {
        if network.inputs != data.shape.features {
            diagnostics.append(Diagnostic(at, "the network (line \(network.line)) takes \(network.inputs) inputs, "
                                          + "but the data (line \(dataLine)) has \(data.shape.features) features"))
        }
    }

    private func checkPlot(_ plot: PlotDirective, state: State, at: SourceLocation,
                           _ diagnostics: inout [Diagnostic]) {
        func require(_ condition: Bool, _ message: String) {
            if !condition { diagnostics.append(Diagnostic(at, "chart '\(plot.chart.rawValue)' \(message)")) }
        }
        switch plot.chart {
        case .curves:
            require(state.trained, "needs a {train} block before it")
            if plot.scalars?.contains("validation_accuracy") == true {
                require((state.data?.validation ?? 0) > 0, "shows validation_accuracy, but the data has no validation split")
            }
        case .histograms:
            require(state.trained, "needs a {train} block before it (histograms are recorded while training)")
            if plot.subject != .logits, let layers = state.network?.directive.layers.count {
                require(plot.layer <= layers, "asks for layer \(plot.layer), but the network has \(layers) layers")
            }
        case .confusion:
            require(state.evaluated, "needs an {evaluate} block before it")
        case .weights:
            require(state.network != nil, "needs a {network} block before it")
            require(state.data.map { $0.directive.dataset != .spiral } ?? false, "needs image data to draw weights as images")
        case .samples:
            require(state.network != nil, "needs a {network} block before it")
            require(state.data.map { $0.directive.dataset != .spiral } ?? false, "needs image data to show samples")
            if plot.split == .validation {
                require((state.data?.validation ?? 0) > 0, "reads the validation split, but the data has none")
            }
        }
    }

    /// Parameters with optimizer state and gradients, plus activations for a batch, in bytes.
    static func networkBytes(inputs: Int, layers: [LayerSpec], batchSize: Int, optimizerSlots: Int) -> UInt64 {
        var parameters: UInt64 = 0
        var activations: UInt64 = UInt64(inputs)
        var fanIn = UInt64(inputs)
        for layer in layers {
            let units = UInt64(layer.units)
            parameters += fanIn * units + units
            activations += 2 * units
            fanIn = units
        }
        return 4 * (parameters * UInt64(2 + optimizerSlots) + activations * UInt64(batchSize))
    }

    static func megabytes(_ bytes: UInt64) -> String {
        bytes >= 1 << 30 ? "\(bytes >> 30) GiB" : "\(max(1, bytes >> 20)) MiB"
    }
}
