import Foundation

/// TensorBoard's scalar-dashboard smoothing.
public enum Smoothing {
    /// The exponential moving average with debiasing of TensorBoard's scalar dashboard ("classic"
    /// smoothing): for each finite value `y`, `last = last * w + (1 - w) * y` and the output is
    /// `last / (1 - w^k)` with `k` the number of finite values so far (`last / 1` when `w` is 1).
    ///
    /// As TensorBoard does, a non-finite value passes through unchanged (and does not count), a
    /// constant series is returned as is, and the weight is clamped to 0...1 (a NaN weight means 0).
    public static func tensorBoard(_ values: [Double], weight: Double) -> [Double] {
        guard let first = values.first else { return [] }
        if values.allSatisfy({ $0 == first }) { return values }
        let w = weight.isFinite ? Swift.min(Swift.max(weight, 0), 1) : 0
        var last = 0.0
        var accumulated = 0
        return values.map { value in
            guard value.isFinite else { return value }
            last = last * w + (1 - w) * value
            accumulated += 1
            let debias = w == 1 ? 1 : 1 - pow(w, Double(accumulated))
            return last / debias
        }
    }
}

/// A line chart of named series against training step, like TensorBoard's scalar dashboard.
///
/// With `smoothing` above 0 every series is drawn twice: the raw values faint, the smoothed values
/// (``Smoothing/tensorBoard(_:weight:)``) solid. Points with a non-finite x or y break the line.
/// Series paths carry the classes `line series-N` (smoothed or only line) and `line-raw series-N`.
public struct LineChart: Sendable {
    /// One (step, value) sample.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// A named series of points, in drawing order (normally increasing step).
    public struct Series: Sendable, Equatable {
        public var name: String
        public var points: [Point]
        public init(name: String, points: [Point]) {
            self.name = name
            self.points = points
        }
        /// A series from parallel arrays of steps and values (the shorter one sets the length).
        public init(name: String, steps: [Int], values: [Double]) {
            self.init(name: name, points: zip(steps, values).map { Point(x: Double($0), y: $1) })
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// TensorBoard's smoothing weight, 0 (off) to 1 (exclusive in practice; 0.6 is TensorBoard's default).
    public var smoothing: Double
    /// Shows y values, taken as fractions, as percentages (for accuracy).
    public var yAxisPercent: Bool
    /// The plot area's height in pixels.
    public var plotHeight: Double

    public init(
        title: String, xLabel: String = "step", yLabel: String = "", series: [Series], smoothing: Double = 0,
        yAxisPercent: Bool = false, plotHeight: Double = 240
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.smoothing = smoothing
        self.yAxisPercent = yAxisPercent
        self.plotHeight = plotHeight
    }

    /// The chart as a standalone `<svg>` element.
    public func svg() -> String {
        var canvas = SVGCanvas()
        var top = canvas.title(title)
        let padding = ChartMetrics.padding
        let names = series.map(\.name)
        let smoothed = smoothing > 0
        let drawn = series.map { series in
            (raw: series.points,
             smooth: smoothed ? LineChart.smoothedPoints(series.points, weight: smoothing) : series.points)
        }
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }

        if series.count > 1 {
            top += canvas.legend(names, x: padding + 24, y: top, maxWidth: ChartMetrics.width - 2 * padding - 24) + 4
        } else if smoothed {
            top = canvas.subtitle("faint: raw values; solid: smoothed (weight \(formatValue(smoothing)))", y: top)
        }
        top += 8

        guard !finite.isEmpty else {
            let area = PlotArea(left: padding, top: top, width: ChartMetrics.width - 2 * padding, height: 80)
            canvas.rect(x: area.left, y: area.top, width: area.width, height: area.height, className: "frame",
                        attributes: "fill=\"none\" stroke=\"currentColor\" stroke-opacity=\"0.2\"")
            canvas.noData(centerX: area.left + area.width / 2, centerY: area.top + area.height / 2 + 5)
            return canvas.document(kind: "line-chart", title: title, height: area.bottom + padding)
        }

        let yTicks = AxisTicks(covering: finite.map(\.y).min()!, finite.map(\.y).max()!)
        let yLabels = yTicks.labels(percent: yAxisPercent)
        let left = padding + (yLabel.isEmpty ? 0 : 20) + widestTickLabel(yLabels) + 8
        let right = ChartMetrics.width - padding - 14
        let xTicks = fittingTicks(finite.map(\.x).min()!, finite.map(\.x).max()!, pixelWidth: right - left)
        let area = PlotArea(left: left, top: top, width: right - left, height: plotHeight)
        let xScale = LinearScale(domain: (xTicks.lower, xTicks.upper), range: (area.left, area.right))
        let yScale = LinearScale(domain: (yTicks.lower, yTicks.upper), range: (area.bottom, area.top))

        canvas.yAxis(yTicks, scale: yScale, area: area, percent: yAxisPercent, label: yLabel)
        canvas.xAxis(xTicks, scale: xScale, area: area, percent: false, label: xLabel)

        for (index, lines) in drawn.enumerated() {
            let color = ChartPalette.color(index)
            if smoothed {
                canvas.polyline(lines.raw, xScale: xScale, yScale: yScale, className: "line-raw series-\(index)",
                                attributes: "stroke=\"\(color)\" stroke-opacity=\"0.3\" stroke-width=\"1.5\"")
            }
            canvas.polyline(lines.smooth, xScale: xScale, yScale: yScale, className: "line series-\(index)",
                            attributes: "stroke=\"\(color)\" stroke-width=\"2\"", tooltip: names[index])
        }
        return canvas.document(kind: "line-chart", title: title, height: area.bottom + 44 + padding / 2)
    }

    /// The series' points with y replaced by TensorBoard-smoothed values.
    static func smoothedPoints(_ points: [Point], weight: Double) -> [Point] {
        let values = Smoothing.tensorBoard(points.map(\.y), weight: weight)
        return zip(points, values).map { Point(x: $0.x, y: $1) }
    }
}

/// Ticks for an x axis whose labels must not collide: fewer intervals until they fit `pixelWidth`.
func fittingTicks(_ low: Double, _ high: Double, pixelWidth: Double, percent: Bool = false) -> AxisTicks {
    var ticks = AxisTicks(covering: low, high)
    for count in [4, 3, 2, 1] {
        let widest = widestTickLabel(ticks.labels(percent: percent))
        let spacing = pixelWidth / Double(Swift.max(1, ticks.values.count - 1))
        if widest + 10 <= spacing { break }
        ticks = AxisTicks(covering: low, high, count: count)
    }
    return ticks
}

extension SVGCanvas {
    /// A series as one `<path>` (broken at non-finite points); a lone point becomes a dot.
    mutating func polyline(
        _ points: [LineChart.Point], xScale: LinearScale, yScale: LinearScale, className: String,
        attributes: String, tooltip: String? = nil
    ) {
        var segments: [[LineChart.Point]] = [[]]
        for point in points {
            if point.x.isFinite && point.y.isFinite {
                segments[segments.count - 1].append(point)
            } else if !segments[segments.count - 1].isEmpty {
                segments.append([])
            }
        }
        var data = ""
        var dots: [LineChart.Point] = []
        for segment in segments where !segment.isEmpty {
            if segment.count == 1 {
                dots.append(segment[0])
                continue
            }
            for (index, point) in segment.enumerated() {
                data += (index == 0 ? "M" : "L") + "\(svgNumber(xScale(point.x))) \(svgNumber(yScale(point.y)))"
            }
        }
        let titleElement = tooltip.map { "<title>\(escapeXML($0))</title>" } ?? ""
        if !data.isEmpty {
            raw("<path class=\"\(className)\" d=\"\(data)\" fill=\"none\" \(attributes) "
                + "stroke-linejoin=\"round\" stroke-linecap=\"round\">\(titleElement)</path>\n")
        }
        for dot in dots {
            let fill = attributes.replacingOccurrences(of: "stroke=", with: "fill=")
            raw("<circle class=\"\(className) point\" cx=\"\(svgNumber(xScale(dot.x)))\" "
                + "cy=\"\(svgNumber(yScale(dot.y)))\" r=\"3\" \(fill)>\(titleElement)</circle>\n")
        }
    }
}
