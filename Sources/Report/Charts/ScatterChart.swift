import Foundation

/// Points without lines: a sweep's metric against one parameter, one dot per trial, on a linear or
/// a log x axis (for parameters drawn log-uniformly), or at evenly spaced categories when the values
/// are not numbers.
public struct ScatterChart: Sendable {
    public struct Point: Sendable, Equatable {
        /// The parameter's value as the trial has it.
        public var label: String
        public var y: Double
        /// What hovering the dot shows (the trial's name).
        public var tooltip: String
        /// Drawn larger and outlined: the best trial.
        public var highlighted: Bool

        public init(label: String, y: Double, tooltip: String, highlighted: Bool = false) {
            self.label = label
            self.y = y
            self.tooltip = tooltip
            self.highlighted = highlighted
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [Point]
    public var logarithmic: Bool
    public var yAxisPercent: Bool

    public init(title: String, xLabel: String, yLabel: String, points: [Point], logarithmic: Bool = false,
                yAxisPercent: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
        self.logarithmic = logarithmic
        self.yAxisPercent = yAxisPercent
    }

    public func svg() -> String {
        var canvas = SVGCanvas()
        let top = canvas.title(title) + 8
        let padding = ChartMetrics.padding
        let shown = points.filter { $0.y.isFinite }
        let numbers = shown.map { Double($0.label) }
        let numeric = !shown.isEmpty && numbers.allSatisfy { $0 != nil && $0!.isFinite && (!logarithmic || $0! > 0) }
        guard !shown.isEmpty else {
            let area = PlotArea(left: padding, top: top, width: ChartMetrics.width - 2 * padding, height: 80)
            canvas.noData(centerX: area.left + area.width / 2, centerY: area.top + area.height / 2 + 5)
            return canvas.document(kind: "scatter-chart", title: title, height: area.bottom + padding)
        }
        let yTicks = AxisTicks(covering: shown.map(\.y).min()!, shown.map(\.y).max()!)
        let left = padding + 20 + widestTickLabel(yTicks.labels(percent: yAxisPercent)) + 8
        let right = ChartMetrics.width - padding - 14
        let area = PlotArea(left: left, top: top, width: right - left, height: 200)
        let yScale = LinearScale(domain: (yTicks.lower, yTicks.upper), range: (area.bottom, area.top))
        canvas.yAxis(yTicks, scale: yScale, area: area, percent: yAxisPercent, label: yLabel)

        let xOf: (Point) -> Double
        if numeric {
            // Log axes run over the exponents, with ticks labelled by the values they stand for.
            let values = numbers.map { logarithmic ? log10($0!) : $0! }
            let ticks = fittingTicks(values.min()!, values.max()!, pixelWidth: area.width)
            let scale = LinearScale(domain: (ticks.lower, ticks.upper), range: (area.left + 8, area.right - 8))
            if logarithmic {
                for exponent in ticks.values {
                    let x = scale(exponent)
                    canvas.line(x1: x, y1: area.top, x2: x, y2: area.bottom, className: "grid",
                                attributes: "stroke=\"currentColor\" stroke-opacity=\"0.12\"")
                    canvas.text(formatValue(pow(10, exponent)), x: x, y: area.bottom + 16, size: ChartMetrics.tickSize,
                                anchor: "middle", className: "tick")
                }
                canvas.line(x1: area.left, y1: area.bottom, x2: area.right, y2: area.bottom, className: "axis",
                            attributes: "stroke=\"currentColor\" stroke-opacity=\"0.5\"")
                canvas.text(xLabel + " (log scale)", x: area.left + area.width / 2, y: area.bottom + 34, anchor: "middle",
                            className: "axis-label")
            } else {
                canvas.xAxis(ticks, scale: scale, area: area, percent: false, label: xLabel)
            }
            xOf = { point in scale(logarithmic ? log10(Double(point.label)!) : Double(point.label)!) }
        } else {
            var categories: [String] = []
            for point in shown where !categories.contains(point.label) { categories.append(point.label) }
            let step = area.width / Double(categories.count)
            for (index, category) in categories.enumerated() {
                canvas.text(truncated(category, toWidth: step - 4, fontSize: ChartMetrics.tickSize),
                            x: area.left + step * (Double(index) + 0.5), y: area.bottom + 16, size: ChartMetrics.tickSize,
                            anchor: "middle", className: "tick")
            }
            canvas.line(x1: area.left, y1: area.bottom, x2: area.right, y2: area.bottom, className: "axis",
                        attributes: "stroke=\"currentColor\" stroke-opacity=\"0.5\"")
            canvas.text(xLabel, x: area.left + area.width / 2, y: area.bottom + 34, anchor: "middle", className: "axis-label")
            xOf = { point in area.left + step * (Double(categories.firstIndex(of: point.label)!) + 0.5) }
        }
        for point in shown {
            let radius = point.highlighted ? 6.0 : 4.0
            canvas.raw("<circle class=\"dot\(point.highlighted ? " best" : "")\" cx=\"\(svgNumber(xOf(point)))\" "
                       + "cy=\"\(svgNumber(yScale(point.y)))\" r=\"\(svgNumber(radius))\" fill=\"\(ChartPalette.color(0))\" "
                       + "fill-opacity=\"0.75\"" + (point.highlighted ? " stroke=\"currentColor\" stroke-width=\"2\"" : "")
                       + "><title>\(escapeXML(point.tooltip))</title></circle>\n")
        }
        return canvas.document(kind: "scatter-chart", title: title, height: area.bottom + 44 + padding / 2)
    }
}
