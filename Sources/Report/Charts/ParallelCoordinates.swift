import Foundation

/// Parallel coordinates: one vertical axis per swept parameter and a last one for the metric, and
/// each trial a line through its values, coloured from worst (light) to best (dark). Numeric axes
/// are linear (log for log-uniform parameters); others spread their values evenly.
public struct ParallelCoordinates: Sendable {
    public struct Axis: Sendable, Equatable {
        public var name: String
        public var logarithmic: Bool

        public init(name: String, logarithmic: Bool = false) {
            self.name = name
            self.logarithmic = logarithmic
        }
    }

    public struct Line: Sendable, Equatable {
        public var values: [String: String]
        public var metric: Double
        public var tooltip: String
        public var highlighted: Bool

        public init(values: [String: String], metric: Double, tooltip: String, highlighted: Bool = false) {
            self.values = values
            self.metric = metric
            self.tooltip = tooltip
            self.highlighted = highlighted
        }
    }

    public var title: String
    public var axes: [Axis]
    public var metric: String
    public var lines: [Line]
    /// `max` or `min`: which end of the metric is best, for the colours.
    public var goal: String
    public var metricPercent: Bool

    public init(title: String, axes: [Axis], metric: String, lines: [Line], goal: String, metricPercent: Bool) {
        self.title = title
        self.axes = axes
        self.metric = metric
        self.lines = lines
        self.goal = goal
        self.metricPercent = metricPercent
    }

    public func svg() -> String {
        var canvas = SVGCanvas()
        let top = canvas.title(title) + 24
        let padding = ChartMetrics.padding
        let height = 220.0
        let shown = lines.filter { $0.metric.isFinite }
        let columns = axes.count + 1
        let left = padding + 40, right = ChartMetrics.width - padding - 40
        let step = columns > 1 ? (right - left) / Double(columns - 1) : 0
        // Each axis maps its values to 0...1 from the bottom.
        var positions: [(String) -> Double?] = []
        for (index, axis) in axes.enumerated() {
            let values = shown.compactMap { $0.values[axis.name] }
            let numbers = values.compactMap(Double.init).filter { $0.isFinite && (!axis.logarithmic || $0 > 0) }
            let x = left + step * Double(index)
            if numbers.count == values.count, let low = numbers.min(), let high = numbers.max() {
                let transform: (Double) -> Double = axis.logarithmic ? { log10($0) } : { $0 }
                let scale = LinearScale(domain: (transform(low), transform(high)), range: (0, 1))
                positions.append { text in Double(text).map { scale(transform($0)) } }
                canvas.text(formatValue(high), x: x, y: top - 6, size: ChartMetrics.tickSize, anchor: "middle", className: "tick")
                canvas.text(formatValue(low), x: x, y: top + height + 14, size: ChartMetrics.tickSize, anchor: "middle",
                            className: "tick")
            } else {
                var categories: [String] = []
                for value in values where !categories.contains(value) { categories.append(value) }
                let count = Double(max(categories.count - 1, 1))
                positions.append { text in categories.firstIndex(of: text).map { categories.count == 1 ? 0.5 : Double($0) / count } }
                for (rank, category) in categories.enumerated() {
                    let y = top + height - height * (categories.count == 1 ? 0.5 : Double(rank) / count)
                    canvas.text(truncated(category, toWidth: step - 8, fontSize: ChartMetrics.tickSize), x: x + 4, y: y + 4,
                                size: ChartMetrics.tickSize, className: "tick")
                }
            }
            canvas.line(x1: x, y1: top, x2: x, y2: top + height, className: "axis",
                        attributes: "stroke=\"currentColor\" stroke-opacity=\"0.5\"")
            canvas.text(truncated(axis.name, toWidth: max(step - 4, 60), fontSize: ChartMetrics.fontSize), x: x,
                        y: top + height + 32, anchor: "middle", className: "axis-label")
        }
        let metricX = left + step * Double(axes.count)
        let metrics = shown.map(\.metric)
        let low = metrics.min() ?? 0, high = metrics.max() ?? 1
        let metricScale = LinearScale(domain: (low, high), range: (0, 1))
        canvas.line(x1: metricX, y1: top, x2: metricX, y2: top + height, className: "axis",
                    attributes: "stroke=\"currentColor\" stroke-opacity=\"0.8\" stroke-width=\"2\"")
        canvas.text(formatValue(high, percent: metricPercent), x: metricX, y: top - 6, size: ChartMetrics.tickSize,
                    anchor: "middle", className: "tick")
        canvas.text(formatValue(low, percent: metricPercent), x: metricX, y: top + height + 14, size: ChartMetrics.tickSize,
                    anchor: "middle", className: "tick")
        // Ends at the chart's right edge rather than centred on its axis, which would cut a long name off.
        canvas.text(truncated(metric, toWidth: max(step / 2 + 36, 60), fontSize: ChartMetrics.fontSize), x: metricX + 36,
                    y: top + height + 32, anchor: "end", className: "axis-label", attributes: "font-weight=\"600\"")
        // Worst first, so the best lines are drawn on top.
        let order = shown.sorted { goal == "min" ? $0.metric > $1.metric : $0.metric < $1.metric }
        for line in order {
            var points: [(Double, Double)] = []
            for (index, position) in positions.enumerated() {
                guard let fraction = line.values[axes[index].name].flatMap(position) else { continue }
                points.append((left + step * Double(index), top + height - height * fraction))
            }
            let quality = high > low ? metricScale(line.metric) : 1
            points.append((metricX, top + height - height * quality))
            let goodness = goal == "min" ? 1 - quality : quality
            let path = points.enumerated().map { "\($0 == 0 ? "M" : "L")\(svgNumber($1.0)) \(svgNumber($1.1))" }.joined()
            canvas.raw("<path class=\"trial-line\(line.highlighted ? " best" : "")\" d=\"\(path)\" fill=\"none\" "
                       + "stroke=\"\(ChartPalette.color(0))\" stroke-opacity=\"\(svgNumber(0.25 + 0.75 * goodness))\" "
                       + "stroke-width=\"\(line.highlighted ? 3 : 1.5)\"><title>\(escapeXML(line.tooltip))</title></path>\n")
        }
        return canvas.document(kind: "parallel-coordinates", title: title, height: top + height + 44 + padding / 2)
    }
}
