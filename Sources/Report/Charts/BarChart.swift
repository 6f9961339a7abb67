import Foundation

/// A horizontal bar chart with the value printed at the end of each bar: per-class accuracy,
/// class counts and the like. Bars are `<rect class="bar series-N">`.
public struct BarChart: Sendable {
    /// One labelled bar.
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var value: Double
        public init(label: String, value: Double) {
            self.label = label
            self.value = value
        }
    }

    public var title: String
    public var bars: [Bar]
    /// The value axis' label.
    public var valueLabel: String
    /// Shows values, taken as fractions, as percentages (for accuracy).
    public var percent: Bool
    /// The bars' colour index (`series-N` class and palette colour).
    public var colorIndex: Int

    public init(title: String, bars: [Bar], valueLabel: String = "", percent: Bool = false, colorIndex: Int = 0) {
        self.title = title
        self.bars = bars
        self.valueLabel = valueLabel
        self.percent = percent
        self.colorIndex = colorIndex
    }

    /// Each class's accuracy (recall) in `confusion` (`confusion[actual][predicted]` counts), as
    /// percentages; a class with no examples scores 0.
    public static func perClassAccuracy(title: String, classNames: [String], confusion: [[Int]]) -> BarChart {
        let accuracy = confusion.indices.map { actual -> Double in
            let total = confusion[actual].reduce(0, +)
            return total == 0 || actual >= confusion[actual].count ? 0 : Double(confusion[actual][actual]) / Double(total)
        }
        let bars = accuracy.indices.map { Bar(label: $0 < classNames.count ? classNames[$0] : "class \($0)", value: accuracy[$0]) }
        return BarChart(title: title, bars: bars, valueLabel: "accuracy", percent: true)
    }

    /// How many examples each class has.
    public static func classCounts(title: String, classNames: [String], counts: [Int]) -> BarChart {
        let bars = counts.indices.map { Bar(label: $0 < classNames.count ? classNames[$0] : "class \($0)", value: Double(counts[$0])) }
        return BarChart(title: title, bars: bars, valueLabel: "examples", colorIndex: 2)
    }

    /// The chart as a standalone `<svg>` element.
    public func svg() -> String {
        var canvas = SVGCanvas()
        let padding = ChartMetrics.padding
        let top = canvas.title(title) + 8
        let values = bars.map(\.value).filter(\.isFinite)
        guard !values.isEmpty else {
            canvas.noData(centerX: ChartMetrics.width / 2, centerY: top + 40)
            return canvas.document(kind: "bar-chart", title: title, height: top + 60)
        }
        let rowHeight = 24.0
        let barHeight = 16.0
        let labelWidth = Swift.min(180, bars.map { estimatedTextWidth($0.label, fontSize: ChartMetrics.fontSize) }.max() ?? 0)
        let left = padding + labelWidth + 10
        let valueLabels = bars.map { formatValue($0.value, percent: percent) }
        let valueRoom = (valueLabels.map { estimatedTextWidth($0, fontSize: ChartMetrics.tickSize) }.max() ?? 0) + 12
        let right = ChartMetrics.width - padding - Swift.max(valueRoom, 14)
        let ticks = fittingTicks(Swift.min(0, values.min()!), Swift.max(0, values.max()!), pixelWidth: right - left,
                                 percent: percent)
        let area = PlotArea(left: left, top: top, width: right - left, height: rowHeight * Double(bars.count))
        let scale = LinearScale(domain: (ticks.lower, ticks.upper), range: (area.left, area.right))
        canvas.xAxis(ticks, scale: scale, area: area, percent: percent, label: valueLabel)
        let zero = scale(0)
        canvas.line(x1: zero, y1: area.top, x2: zero, y2: area.bottom, className: "axis",
                    attributes: "stroke=\"currentColor\" stroke-opacity=\"0.5\"")

        let color = ChartPalette.color(colorIndex)
        for (index, bar) in bars.enumerated() {
            let rowTop = area.top + Double(index) * rowHeight
            let middle = rowTop + rowHeight / 2
            let label = truncated(bar.label, toWidth: labelWidth, fontSize: ChartMetrics.fontSize)
            canvas.text(label, x: left - 8, y: middle + 4, anchor: "end", className: "bar-label",
                        tooltip: label == bar.label ? nil : bar.label)
            guard bar.value.isFinite else {
                canvas.text(valueLabels[index], x: zero + 4, y: middle + 4, size: ChartMetrics.tickSize,
                            className: "value")
                continue
            }
            let end = scale(bar.value)
            canvas.rect(x: Swift.min(zero, end), y: middle - barHeight / 2, width: abs(end - zero), height: barHeight,
                        className: "bar series-\(colorIndex)", attributes: "fill=\"\(color)\"",
                        tooltip: "\(bar.label): \(valueLabels[index])")
            let negative = bar.value < 0
            canvas.text(valueLabels[index], x: negative ? end - 4 : end + 4, y: middle + 4, size: ChartMetrics.tickSize,
                        anchor: negative ? "end" : "start", className: "value")
        }
        return canvas.document(kind: "bar-chart", title: title, height: area.bottom + 44 + padding / 2)
    }
}
