import Foundation

/// TensorBoard's "distributions" view: for each step, nested shaded bands between symmetric
/// percentiles (min–max, 7–93%, 16–84%, 31–69%) and the median as a line.
///
/// Each band is a `<path class="band band-N">` (N = 0 outermost); the median is `<path class="median">`.
public struct DistributionChart: Sendable {
    /// TensorBoard's percentiles in basis points: min, ~-1.5σ, -1σ, -0.5σ, median, +0.5σ, +1σ, +1.5σ,
    /// max, as run.json records them.
    public static let tensorBoardBasisPoints = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000]

    /// The percentiles of one step, in the order of the chart's `basisPoints`.
    public struct Step: Sendable, Equatable {
        public var step: Double
        public var percentiles: [Float]
        public init(step: Double, percentiles: [Float]) {
            self.step = step
            self.percentiles = percentiles
        }
        public init(step: Int, percentiles: [Float]) {
            self.init(step: Double(step), percentiles: percentiles)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var steps: [Step]
    /// What the percentiles are, ascending and symmetric around the median (`Percentiles.basisPoints`).
    public var basisPoints: [Int]
    /// The series colour index (`series-N` class and palette colour).
    public var colorIndex: Int
    public var plotHeight: Double

    public init(
        title: String, xLabel: String = "step", yLabel: String = "", steps: [Step],
        basisPoints: [Int] = DistributionChart.tensorBoardBasisPoints, colorIndex: Int = 0, plotHeight: Double = 220
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.steps = steps
        self.basisPoints = basisPoints
        self.colorIndex = colorIndex
        self.plotHeight = plotHeight
    }

    /// The chart as a standalone `<svg>` element.
    public func svg() -> String {
        var canvas = SVGCanvas()
        var top = canvas.title(title)
        let padding = ChartMetrics.padding
        let count = basisPoints.count
        let usable = steps
            .filter { $0.step.isFinite && $0.percentiles.count == count && $0.percentiles.allSatisfy(\.isFinite) }
            .sorted { $0.step < $1.step }
        let bandCount = count / 2
        top = canvas.subtitle(legendText(bandCount: bandCount), y: top) + 6

        guard !usable.isEmpty, count > 0 else {
            let area = PlotArea(left: padding, top: top, width: ChartMetrics.width - 2 * padding, height: 80)
            canvas.rect(x: area.left, y: area.top, width: area.width, height: area.height, className: "frame",
                        attributes: "fill=\"none\" stroke=\"currentColor\" stroke-opacity=\"0.2\"")
            canvas.noData(centerX: area.left + area.width / 2, centerY: area.top + area.height / 2 + 5)
            return canvas.document(kind: "distribution-chart", title: title, height: area.bottom + padding)
        }

        let all = usable.flatMap(\.percentiles).map(Double.init)
        let yTicks = AxisTicks(covering: all.min()!, all.max()!)
        let left = padding + (yLabel.isEmpty ? 0 : 20) + widestTickLabel(yTicks.labels()) + 8
        let right = ChartMetrics.width - padding - 14
        let xTicks = fittingTicks(usable.first!.step, usable.last!.step, pixelWidth: right - left)
        let area = PlotArea(left: left, top: top, width: right - left, height: plotHeight)
        let xScale = LinearScale(domain: (xTicks.lower, xTicks.upper), range: (area.left, area.right))
        let yScale = LinearScale(domain: (yTicks.lower, yTicks.upper), range: (area.bottom, area.top))
        canvas.yAxis(yTicks, scale: yScale, area: area, percent: false, label: yLabel)
        canvas.xAxis(xTicks, scale: xScale, area: area, percent: false, label: xLabel)

        let color = ChartPalette.color(colorIndex)
        // A lone step has no width to shade, so it is drawn as a short column around its x.
        let halfWidth = usable.count == 1 ? 6.0 : 0
        let xs: [Double] = usable.count == 1
            ? [xScale(usable[0].step) - halfWidth, xScale(usable[0].step) + halfWidth]
            : usable.map { xScale($0.step) }
        let rows = usable.count == 1 ? [usable[0], usable[0]] : usable
        for band in 0..<bandCount {
            let upper = zip(xs, rows).map { "\(svgNumber($0)) \(svgNumber(yScale(Double($1.percentiles[count - 1 - band]))))" }
            let lower = zip(xs, rows).reversed().map { "\(svgNumber($0)) \(svgNumber(yScale(Double($1.percentiles[band]))))" }
            let data = "M" + (upper + lower).joined(separator: "L") + "Z"
            canvas.raw("<path class=\"band band-\(band) series-\(colorIndex)\" d=\"\(data)\" fill=\"\(color)\" "
                       + "fill-opacity=\"0.24\" stroke=\"none\"/>\n")
        }
        if count % 2 == 1 {
            let median = zip(xs, rows).map { "\(svgNumber($0)) \(svgNumber(yScale(Double($1.percentiles[count / 2]))))" }
            // The page's text colour rather than the band colour, so the line stands out on the
            // darkest band in light and dark themes alike.
            canvas.raw("<path class=\"median\" d=\"M\(median.joined(separator: "L"))\" "
                       + "fill=\"none\" stroke=\"currentColor\" stroke-opacity=\"0.85\" stroke-width=\"1.5\" "
                       + "stroke-linejoin=\"round\"/>\n")
        }
        return canvas.document(kind: "distribution-chart", title: title, height: area.bottom + 44 + padding / 2)
    }

    /// "Shaded: min–max, 6.7–93.3%, ...; line: median".
    private func legendText(bandCount: Int) -> String {
        func percent(_ points: Int) -> String { formatTick(Double(points) / 100, step: 0.1, percent: false) }
        let bands = (0..<bandCount).map { band -> String in
            let (low, high) = (basisPoints[band], basisPoints[basisPoints.count - 1 - band])
            return low == 0 && high == 10000 ? "min–max" : "\(percent(low))–\(percent(high))%"
        }
        var text = "Shaded, outer to inner: " + bands.joined(separator: ", ")
        if basisPoints.count % 2 == 1 { text += "; line: median" }
        return text
    }
}
