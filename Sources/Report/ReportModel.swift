import Foundation
import RunRecords

/// What the page template renders: plain values and ready-made SVG, nothing computed in the template.
/// Every text field is escaped by the template (`{{...}}`); only `html` and `svg` fields, made by
/// cmark and the chart library, are inserted raw (`{{{...}}}`).
struct PageView {
    struct TOCEntry { let text: String; let id: String; let level: Int }
    struct Cell { let html: String?; let block: BlockView? }
    struct Stat { let label: String; let value: String }
    struct Chart { let svg: String }
    struct Table { let headers: [String]; let rows: [Row]; let footer: Row? }
    struct Row { let cells: [String] }
    struct Link { let name: String; let href: String }

    let title: String
    let description: String?
    let started: String
    let seconds: String
    let failed: Bool
    let error: String?
    let toc: [TOCEntry]
    let cells: [Cell]
    let footer: Footer
}

struct BlockView {
    let directive: String
    /// `{data}`, as the notebook writes it.
    let label: String
    let line: Int
    let status: String
    let seconds: String
    let source: String
    let error: String?
    let stats: [PageView.Stat]
    let table: PageView.Table?
    let charts: [PageView.Chart]
    let note: String?
}

struct Footer {
    let seed: String
    let parameters: [PageView.Stat]
    let hashes: [PageView.Stat]
    let version: String
    let blas: String
    /// How ranks shared the training batches, for a data-parallel run.
    let dataParallel: String?
    let timings: [PageView.Stat]
    let files: [PageView.Link]
}

/// Builds the page from a run's record and the notebook it executed.
struct ReportModelBuilder {
    let record: RunRecord
    let notebookText: String
    let runFiles: [String]
    var prose: ProseRenderer

    init(record: RunRecord, notebookText: String, allowHTML: Bool, runFiles: [String]) {
        self.record = record
        self.notebookText = notebookText
        self.runFiles = runFiles
        prose = ProseRenderer(allowHTML: allowHTML, title: record.title)
    }

    mutating func page() -> PageView {
        var cells: [PageView.Cell] = []
        for cell in NotebookLayout.cells(text: notebookText, record: record) {
            switch cell {
            case .prose(let markdown):
                cells.append(PageView.Cell(html: prose.render(substituteParameters(markdown)), block: nil))
            case .block(let index, let source):
                cells.append(PageView.Cell(html: nil, block: blockView(index: index, source: source)))
            }
        }
        return PageView(
            title: record.title, description: record.description, started: record.started,
            seconds: Format.seconds(record.seconds), failed: record.status == .failed, error: record.error,
            toc: prose.headings.filter { $0.level <= 3 }.map { .init(text: $0.text, id: $0.id, level: $0.level) },
            cells: cells, footer: footer())
    }

    /// Prose with `${name}` of each declared parameter replaced by its resolved value, so the text
    /// says what the run did ("a hidden layer of 120 units"); other `${...}` stay as written.
    private func substituteParameters(_ markdown: String) -> String {
        guard markdown.contains("${") else { return markdown }
        return record.params.reduce(markdown) { text, parameter in
            text.replacingOccurrences(of: "${\(parameter.key)}", with: parameter.value.text)
        }
    }

    // MARK: - Blocks

    private func blockView(index: Int, source: String) -> BlockView {
        let recorded = record.blocks[index]
        var stats: [PageView.Stat] = []
        var table: PageView.Table?
        var charts: [PageView.Chart] = []
        var note: String?
        switch recorded.metrics {
        case .data(let data):
            stats = [.init(label: "dataset", value: data.dataset),
                     .init(label: "training examples", value: Format.count(data.trainExamples)),
                     .init(label: "validation examples", value: Format.count(data.validationExamples)),
                     .init(label: "test examples", value: Format.count(data.testExamples)),
                     .init(label: "features", value: Format.count(data.features)),
                     .init(label: "normalization", value: data.normalize)]
            charts.append(.init(svg: BarChart.classCounts(title: "Training examples per class",
                                                          classNames: data.classNames, counts: data.classCounts).svg()))
            if let samples = data.samples {
                charts.append(.init(svg: ImageGrid.samples(
                    title: "Sample training images", images: Self.images(samples),
                    labels: samples.labels.map { Self.name($0, data.classNames) }).svg()))
            }
        case .network(let network):
            table = PageView.Table(
                headers: ["layer", "output shape", "activation", "parameters"],
                rows: network.layers.map { layer in
                    let shape = layer.outputShape ?? [layer.outputs]
                    return .init(cells: [layer.name + (layer.kind.map { " (\($0))" } ?? ""),
                                         "[" + (["batch"] + shape.map(String.init)).joined(separator: ", ") + "]",
                                         layer.kind == nil || layer.kind == "dense" || layer.kind == "conv2d" ? layer.activation : "",
                                         Format.count(layer.parameters)])
                },
                footer: .init(cells: ["total", "", "", Format.count(network.parameters)]))
            stats = (network.name.map { [PageView.Stat(label: "name", value: $0)] } ?? [])
                + [.init(label: "initialization", value: network.initializer),
                   .init(label: "L2 strength", value: Format.number(network.l2))]
            let inputs = network.layers.first?.inputs ?? 0
            let shape = dataShape(before: index)
            if network.layers.allSatisfy({ $0.kind == nil || $0.kind == "dense" }) {
                charts.append(.init(svg: NetworkDiagram(
                    title: "Network", inputSize: inputs,
                    imageShape: shape.map { ($0.channels, $0.height, $0.width) },
                    layers: network.layers.map { NetworkDiagram.LayerShape(units: $0.outputs, activation: $0.activation) }).svg()))
            } else {
                charts.append(.init(svg: NetworkDiagram(
                    title: "Network", input: NetworkDiagram.describeInput(inputs, shape.map { ($0.channels, $0.height, $0.width) }),
                    layers: network.layers.enumerated().map { index, layer in
                        NetworkDiagram.box(layer, isLast: index == network.layers.count - 1)
                    }).svg()))
            }
        case .train(let train):
            stats = [.init(label: "steps", value: Format.count(train.steps)),
                     .init(label: "global step", value: Format.count(train.globalStep)),
                     .init(label: "final loss", value: Format.number(train.finalLoss)),
                     .init(label: "optimizer", value: "\(train.optimizer), learning rate \(Format.number(train.learningRate))"
                            + (train.schedule.map { ", \($0) schedule" } ?? "")),
                     .init(label: "batch size", value: Format.count(train.batchSize)),
                     .init(label: "time", value: Format.seconds(train.seconds)),
                     .init(label: "speed", value: String(format: "%.0f steps/s (%.2f ms/step)", train.stepsPerSecond,
                                                        1000 / max(train.stepsPerSecond, 1e-9)))]
            charts += Self.curves(train.history, series: ["loss"], smoothing: 0.6, title: "Loss")
            charts += Self.curves(train.history, series: ["train_accuracy", "validation_accuracy"], smoothing: 0.6,
                                  title: "Accuracy")
        case .evaluate(let evaluation):
            stats = [.init(label: "split", value: evaluation.split.rawValue),
                     .init(label: "accuracy", value: Format.percent(evaluation.accuracy)),
                     .init(label: "loss", value: Format.number(evaluation.loss)),
                     .init(label: "examples", value: Format.count(evaluation.examples))]
            charts.append(.init(svg: BarChart(
                title: "Accuracy per class (\(evaluation.split.rawValue))",
                bars: zip(evaluation.classNames, evaluation.perClassAccuracy).map { .init(label: $0, value: $1) },
                percent: true).svg()))
            charts.append(.init(svg: Heatmap(title: "Confusion matrix (\(evaluation.split.rawValue))",
                                             classNames: evaluation.classNames, counts: evaluation.confusion).svg()))
        case .plot(let plot):
            charts = plotCharts(plot, before: index)
            if charts.isEmpty { note = "Nothing was recorded for this chart." }
        case .checkpoint(let checkpoint):
            stats = [.init(label: "file", value: checkpoint.file), .init(label: "global step", value: Format.count(checkpoint.step))]
        case nil:
            if recorded.status == .skipped { note = "Skipped: an earlier block failed." }
        }
        let name = recorded.directive.rawValue
        return BlockView(directive: name, label: "{\(name)}", line: recorded.line,
                         status: recorded.status.rawValue,
                         seconds: Format.seconds(recorded.seconds), source: source, error: recorded.error,
                         stats: stats, table: table, charts: charts, note: note)
    }

    private func plotCharts(_ plot: PlotMetrics, before index: Int) -> [PageView.Chart] {
        switch plot.chart {
        case .curves:
            return Self.curves(history(before: index), series: plot.series, smoothing: plot.smoothing, title: plot.title,
                               combined: true)
        case .histograms:
            guard let name = plot.series.first else { return [] }
            let series = currentNetworkBlocks(before: index).compactMap { block -> HistogramSeries? in
                guard case .train(let train) = block.metrics else { return nil }
                return train.histograms.first { $0.name == name }
            }
            let steps = series.flatMap { zip($0.steps, $0.percentiles).map { DistributionChart.Step(step: $0, percentiles: $1) } }
            guard !steps.isEmpty else { return [] }
            return [.init(svg: DistributionChart(title: plot.title, xLabel: "step", yLabel: name, steps: steps).svg())]
        case .confusion:
            guard let evaluation = lastEvaluation(before: index) else { return [] }
            return [.init(svg: Heatmap(title: plot.title, classNames: evaluation.classNames, counts: evaluation.confusion).svg())]
        case .weights, .featureMaps:
            guard let tiles = plot.images else { return [] }
            let captions = tiles.captions ?? tiles.labels.map { "unit \($0 + 1)" }
            return [.init(svg: ImageGrid(title: plot.title, tiles: zip(Self.images(tiles), captions).map {
                ImageGrid.Tile(image: $0, caption: [$1])
            }).svg())]
        case .samples:
            guard let samples = plot.images, let predicted = samples.predicted else { return [] }
            let names = classNames(before: index)
            return [.init(svg: ImageGrid.predictions(
                title: plot.title, images: Self.images(samples),
                predicted: predicted.map { Self.name($0, names) }, actual: samples.labels.map { Self.name($0, names) }).svg())]
        }
    }

    /// A line chart per group of scalar series taken from the training history.
    static func curves(_ history: [TrainingPoint], series names: [String], smoothing: Double, title: String,
                       combined: Bool = false) -> [PageView.Chart] {
        func values(_ name: String) -> LineChart.Series? {
            let points: [(Int, Double)] = history.compactMap { record in
                switch name {
                case "loss": (record.step, record.loss)
                case "train_accuracy": (record.step, record.trainAccuracy)
                case "validation_accuracy": record.validationAccuracy.map { (record.step, $0) }
                default: nil
                }
            }
            guard !points.isEmpty else { return nil }
            return LineChart.Series(name: name.replacingOccurrences(of: "_", with: " "),
                                    steps: points.map(\.0), values: points.map(\.1))
        }
        let losses = names.filter { $0 == "loss" }.compactMap(values)
        let accuracies = names.filter { $0 != "loss" }.compactMap(values)
        var charts: [PageView.Chart] = []
        if !losses.isEmpty {
            charts.append(.init(svg: LineChart(title: combined ? "\(title): loss" : title, xLabel: "step", yLabel: "loss",
                                               series: losses, smoothing: smoothing).svg()))
        }
        if !accuracies.isEmpty {
            charts.append(.init(svg: LineChart(title: combined ? "\(title): accuracy" : title, xLabel: "step",
                                               yLabel: "accuracy", series: accuracies, smoothing: smoothing,
                                               yAxisPercent: true).svg()))
        }
        return charts
    }

    // MARK: - Looking back through the record

    /// The blocks before `index` since the latest {network}: what the current network recorded.
    /// Each network is a series of its own, never merged with an earlier network's.
    private func currentNetworkBlocks(before index: Int) -> ArraySlice<BlockRecord> {
        let blocks = record.blocks[..<index]
        let start = blocks.lastIndex { $0.directive == .network } ?? blocks.startIndex
        return blocks[start...]
    }

    private func history(before index: Int) -> [TrainingPoint] {
        currentNetworkBlocks(before: index).flatMap { block -> [TrainingPoint] in
            if case .train(let train) = block.metrics { return train.history }
            return []
        }
    }

    private func lastEvaluation(before index: Int) -> EvaluateMetrics? {
        record.blocks[..<index].reversed().lazy.compactMap { block -> EvaluateMetrics? in
            if case .evaluate(let evaluation) = block.metrics { return evaluation }
            return nil
        }.first
    }

    private func lastData(before index: Int) -> DataMetrics? {
        record.blocks[..<index].reversed().lazy.compactMap { block -> DataMetrics? in
            if case .data(let data) = block.metrics { return data }
            return nil
        }.first
    }

    private func dataShape(before index: Int) -> ImageLayout? { lastData(before: index)?.imageShape }
    private func classNames(before index: Int) -> [String] { lastData(before: index)?.classNames ?? [] }

    static func images(_ samples: ImageSamples) -> [PixelImage] {
        samples.images.map { PixelImage(channels: samples.shape.channels, height: samples.shape.height,
                                        width: samples.shape.width, planar: $0) }
    }

    static func name(_ label: Int, _ names: [String]) -> String {
        names.indices.contains(label) ? names[label] : String(label)
    }

    // MARK: - Footer

    /// The most data files the footer lists one by one.
    static let dataFilesShown = 20

    private func footer() -> Footer {
        var hashes: [PageView.Stat] = []
        if let notebookHash = record.notebookSha256 { hashes.append(.init(label: "notebook", value: notebookHash)) }
        // An image folder is tens of thousands of files: a page of hashes no one reads, and megabytes.
        let dataFiles = record.dataFiles ?? []
        let shown = dataFiles.count > Self.dataFilesShown ? Self.dataFilesShown - 1 : dataFiles.count
        for file in dataFiles.prefix(shown) { hashes.append(.init(label: file.path, value: file.sha256)) }
        if shown < dataFiles.count {
            hashes.append(.init(label: "… \(dataFiles.count - shown) more data files",
                                value: "each with its SHA-256 in run.json's data_files"))
        }
        return Footer(
            seed: String(record.seed),
            parameters: record.params.keys.sorted().map { .init(label: $0, value: record.params[$0]!.text) },
            hashes: hashes,
            version: record.labbookVersion,
            blas: "\(record.blas.library ?? "OpenBLAS"); \(record.blas.core) core, \(record.blas.threads) thread\(record.blas.threads == 1 ? "" : "s")",
            dataParallel: record.dataParallel.map { parallel in
                "\(parallel.ranks) rank\(parallel.ranks == 1 ? "" : "s"), every batch cut into \(parallel.slices) slices "
                    + "(the same bits on any number of ranks up to \(parallel.slices))"
            },
            timings: record.blocks.map { .init(label: "{\($0.directive.rawValue)} line \($0.line)", value: "\(Format.seconds($0.seconds)) (\($0.status.rawValue))") },
            files: runFiles.map { .init(name: $0, href: $0) })
    }
}

/// Numbers as the report prints them.
enum Format {
    static func count(_ value: Int) -> String { groupedInteger(value) }
    static func percent(_ value: Double) -> String { String(format: "%.2f%%", 100 * value) }
    static func seconds(_ value: Double) -> String {
        value < 1 ? String(format: "%.0f ms", 1000 * value) : String(format: "%.2f s", value)
    }
    static func number(_ value: Double) -> String {
        if value == 0 { return "0" }
        if abs(value) >= 1e4 || abs(value) < 1e-3 { return String(format: "%.3g", value) }
        return String(format: "%.4g", value)
    }
}
