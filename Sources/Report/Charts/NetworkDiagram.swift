import Foundation
import RunRecords

/// A diagram of a feed-forward network: the input box, then one box per dense layer (units and
/// activation), arrows between them, and each layer's parameter count under its box.
///
/// Boxes are `<rect class="layer">` (the input is `<rect class="layer input">`); when the boxes do not
/// fit one row they wrap onto further rows.
public struct NetworkDiagram: Sendable {
    /// One box.
    public struct Layer: Sendable, Equatable {
        /// The first, bold line: "Dense 256", "Output 10".
        public var name: String
        /// The second line: the activation.
        public var detail: String
        /// The learnable parameters (weights and biases); nil for the input.
        public var parameters: Int?
        public init(name: String, detail: String, parameters: Int?) {
            self.name = name
            self.detail = detail
            self.parameters = parameters
        }
    }

    public var title: String
    /// The input box's text, e.g. "3072 inputs" or "32×32×3 image".
    public var input: String
    public var layers: [Layer]
    /// What the subtitle counts: "dense layer" for networks of dense layers only.
    public var layerNoun: String

    public init(title: String, input: String, layers: [Layer], layerNoun: String = "layer") {
        self.title = title
        self.input = input
        self.layers = layers
        self.layerNoun = layerNoun
    }

    /// The diagram of layers as a notebook declares them: hidden layers "Dense N", the last "Output N";
    /// the last layer's identity activation is shown as "logits → softmax".
    ///
    /// - Parameter imageShape: (channels, height, width) of image input, shown as "32×32×3 image";
    ///   nil shows "`inputSize` inputs".
    public init(title: String, inputSize: Int, imageShape: (channels: Int, height: Int, width: Int)? = nil,
                layers specs: [LayerShape]) {
        var fanIn = inputSize
        var layers: [Layer] = []
        for (index, spec) in specs.enumerated() {
            let isLast = index == specs.count - 1
            layers.append(Layer(
                name: "\(isLast ? "Output" : "Dense") \(groupedInteger(spec.units))",
                detail: NetworkDiagram.describe(spec.activation, isLast: isLast),
                parameters: fanIn * spec.units + spec.units))
            fanIn = spec.units
        }
        self.init(title: title, input: NetworkDiagram.describeInput(inputSize, imageShape), layers: layers, layerNoun: "dense layer")
    }

    /// A dense layer as the diagram needs it: its units and its activation's name (`none` for none).
    public struct LayerShape: Sendable, Equatable {
        public var units: Int
        public var activation: String

        public init(units: Int, activation: String) {
            self.units = units
            self.activation = activation
        }
    }

    /// The box of any kind of layer: its settings on the first line, its output shape and
    /// activation on the second.
    static func box(_ layer: NetworkMetrics.Layer, isLast: Bool) -> Layer {
        let shape = (layer.outputShape ?? [layer.outputs]).map(String.init).joined(separator: "×")
        let name = layer.kind == "dense" && isLast ? "Output \(groupedInteger(layer.outputs))"
            : Self.boxName(layer.summary ?? layer.kind ?? "dense \(layer.outputs)")
        let activation = layer.kind == "dense" || layer.kind == "conv2d" ? " " + describe(layer.activation, isLast: isLast) : ""
        let detail = layer.kind == "dense" && isLast ? describe(layer.activation, isLast: true) : shape + activation
        return Layer(name: name, detail: detail, parameters: layer.parameters > 0 ? layer.parameters : nil)
    }

    /// `conv2d 32, 3x3, relu` → `Conv2D 32`: the kind and its main setting, short enough for a box.
    static func boxName(_ summary: String) -> String {
        let parts = summary.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !["relu", "tanh", "sigmoid"].contains($0) && !$0.hasPrefix("momentum") }
        let names = ["conv2d": "Conv2D", "dense": "Dense", "max_pool": "MaxPool", "avg_pool": "AvgPool",
                     "global_avg_pool": "GlobalAvgPool", "flatten": "Flatten", "dropout": "Dropout", "batch_norm": "BatchNorm"]
        var words = parts.joined(separator: " ").split(separator: " ").map(String.init)
        if let first = words.first, let name = names[first] { words[0] = name }
        return words.prefix(2).joined(separator: " ").replacingOccurrences(of: "x", with: "×")
            .replacingOccurrences(of: "(", with: "")
    }

    static func describe(_ activation: String, isLast: Bool) -> String {
        switch activation {
        case "none": isLast ? "logits → softmax" : "linear"
        default: activation
        }
    }

    static func describeInput(_ size: Int, _ shape: (channels: Int, height: Int, width: Int)?) -> String {
        if let shape, shape.channels * shape.height * shape.width == size {
            return shape.channels == 1 ? "\(shape.height)×\(shape.width) image" : "\(shape.height)×\(shape.width)×\(shape.channels) image"
        }
        return "\(groupedInteger(size)) inputs"
    }

    /// The chart as a standalone `<svg>` element.
    public func svg() -> String {
        var canvas = SVGCanvas()
        let padding = ChartMetrics.padding
        var top = canvas.title(title)
        let total = layers.compactMap(\.parameters).reduce(0, +)
        top = canvas.subtitle("\(layers.count) \(layerNoun)\(layers.count == 1 ? "" : "s"), \(groupedInteger(total)) parameters in all", y: top) + 10

        let boxes = [Layer(name: "Input", detail: input, parameters: nil)] + layers
        let gap = 34.0
        let minimumBox = 104.0
        let fullWidth = ChartMetrics.width - 2 * padding
        let wraps = Double(boxes.count) * minimumBox + Double(boxes.count - 1) * gap > fullWidth
        // Wrapped rows leave room at the sides for the arrow that turns down to the next row.
        let turn = 14.0
        let usable = wraps ? fullWidth - 2 * turn : fullWidth
        let perRow = Swift.max(1, Swift.min(boxes.count, Int((usable + gap) / (minimumBox + gap))))
        let boxWidth = Swift.min(150, (usable - gap * Double(perRow - 1)) / Double(perRow))
        let boxHeight = 48.0
        let rowHeight = boxHeight + 48
        let rowCount = (boxes.count + perRow - 1) / perRow
        let rowWidth = Double(perRow) * boxWidth + Double(perRow - 1) * gap
        let startX = padding + (wraps ? turn : 0) + (usable - rowWidth) / 2

        func origin(_ index: Int) -> (x: Double, y: Double) {
            (startX + Double(index % perRow) * (boxWidth + gap), top + Double(index / perRow) * rowHeight)
        }

        for (index, box) in boxes.enumerated() {
            let (x, y) = origin(index)
            let isInput = index == 0
            let fill = isInput ? "fill=\"currentColor\" fill-opacity=\"0.06\"" : "fill=\"\(ChartPalette.color(0))\" fill-opacity=\"0.14\""
            canvas.rect(x: x, y: y, width: boxWidth, height: boxHeight, className: isInput ? "layer input" : "layer",
                        attributes: "rx=\"6\" \(fill) stroke=\"currentColor\" stroke-opacity=\"0.55\"")
            let inner = boxWidth - 12
            let name = truncated(box.name, toWidth: inner, fontSize: 13)
            canvas.text(name, x: x + boxWidth / 2, y: y + 20, size: 13, anchor: "middle", className: "layer-name",
                        attributes: "font-weight=\"600\"", tooltip: name == box.name ? nil : box.name)
            let detail = truncated(box.detail, toWidth: inner, fontSize: ChartMetrics.tickSize)
            canvas.text(detail, x: x + boxWidth / 2, y: y + 37, size: ChartMetrics.tickSize, anchor: "middle",
                        className: "layer-detail", tooltip: detail == box.detail ? nil : box.detail)
            if let parameters = box.parameters {
                canvas.text("\(groupedInteger(parameters)) params", x: x + boxWidth / 2, y: y + boxHeight + 16,
                            size: ChartMetrics.tickSize, anchor: "middle", className: "parameters",
                            attributes: "fill-opacity=\"0.75\"")
            }
            guard index + 1 < boxes.count else { continue }
            let next = origin(index + 1)
            if next.y == y {
                canvas.arrow(from: (x + boxWidth + 3, y + boxHeight / 2), to: (next.x - 3, next.y + boxHeight / 2), via: [])
            } else {
                // Out of this box's right side, down between the rows (below the parameter counts),
                // back to the left and into the top of the next row's first box.
                let midY = y + boxHeight + 32
                canvas.arrow(from: (x + boxWidth + 2, y + boxHeight / 2), to: (next.x + boxWidth / 2, next.y - 3),
                             via: [(x + boxWidth + turn - 2, y + boxHeight / 2), (x + boxWidth + turn - 2, midY),
                                   (next.x + boxWidth / 2, midY)])
            }
        }
        return canvas.document(kind: "network-diagram", title: title,
                               height: top + Double(rowCount - 1) * rowHeight + boxHeight + 24 + padding)
    }
}

extension SVGCanvas {
    /// A line from `from` through `via` to `to`, ending in an arrowhead drawn as a triangle (not a
    /// `<marker>`, whose colour would not follow `currentColor` everywhere).
    mutating func arrow(from: (Double, Double), to: (Double, Double), via: [(Double, Double)]) {
        let points = [from] + via + [to]
        let last = points[points.count - 2]
        let angle = atan2(to.1 - last.1, to.0 - last.0)
        let length = 8.0
        let spread = 0.45
        let tip = to
        let stem = (tip.0 - (length - 1) * cos(angle), tip.1 - (length - 1) * sin(angle))
        let lineData = "M" + (points.dropLast() + [stem]).map { "\(svgNumber($0.0)) \(svgNumber($0.1))" }.joined(separator: "L")
        raw("<g class=\"arrow\"><path d=\"\(lineData)\" fill=\"none\" stroke=\"currentColor\" stroke-opacity=\"0.7\" "
            + "stroke-width=\"1.5\"/>")
        let wing1 = (tip.0 - length * cos(angle - spread), tip.1 - length * sin(angle - spread))
        let wing2 = (tip.0 - length * cos(angle + spread), tip.1 - length * sin(angle + spread))
        raw("<path d=\"M\(svgNumber(tip.0)) \(svgNumber(tip.1))L\(svgNumber(wing1.0)) \(svgNumber(wing1.1))"
            + "L\(svgNumber(wing2.0)) \(svgNumber(wing2.1))Z\" fill=\"currentColor\" fill-opacity=\"0.7\"/></g>\n")
    }
}
