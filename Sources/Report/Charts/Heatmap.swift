import Foundation

/// A confusion matrix as a heatmap: rows are the actual class, columns the predicted class.
///
/// Each cell (`<rect class="cell">`) is shaded by its count as a fraction of its row (so the diagonal
/// reads as per-class recall), with the count printed inside in a colour chosen for contrast with the
/// shade in both light and dark themes. Column labels turn 45° when they do not fit a cell.
public struct Heatmap: Sendable {
    public var title: String
    public var classNames: [String]
    /// `counts[actual][predicted]`; missing entries count as 0.
    public var counts: [[Int]]

    /// The shade's colour (ColorBrewer's Blues #2171b5), mixed by opacity with the page background:
    /// dark enough for white text on white paper, light enough to stand out on a dark grey page.
    static let shade = "#2171b5"
    /// Cell opacity from which the count is printed white; below it the page's text colour reads
    /// better. At this opacity both keep about 4:1 contrast over white, and white keeps over 5:1
    /// over dark grey.
    static let whiteTextOpacity = 0.88

    public init(title: String, classNames: [String], counts: [[Int]]) {
        self.title = title
        self.classNames = classNames
        self.counts = counts
    }

    /// The chart as a standalone `<svg>` element.
    public func svg() -> String {
        var canvas = SVGCanvas()
        let padding = ChartMetrics.padding
        var top = canvas.title(title)
        let n = Swift.max(counts.count, counts.map(\.count).max() ?? 0, classNames.count)
        let names = (0..<n).map { $0 < classNames.count ? classNames[$0] : "class \($0)" }
        func count(_ row: Int, _ column: Int) -> Int {
            row < counts.count && column < counts[row].count ? Swift.max(0, counts[row][column]) : 0
        }
        let rowTotals = (0..<n).map { row in (0..<n).reduce(0) { $0 + count(row, $1) } }
        let total = rowTotals.reduce(0, +)
        let correct = (0..<n).reduce(0) { $0 + count($1, $1) }
        if total > 0 {
            top = canvas.subtitle("\(groupedInteger(total)) examples, \(formatValue(Double(correct) / Double(total), percent: true)) correct; "
                                  + "shade: share of the actual class's row", y: top)
        }
        top += 8
        guard n > 0 else {
            canvas.noData(centerX: ChartMetrics.width / 2, centerY: top + 40)
            return canvas.document(kind: "heatmap", title: title, height: top + 60)
        }

        let labelSize = ChartMetrics.tickSize
        let rowLabelWidth = Swift.min(150, names.map { estimatedTextWidth($0, fontSize: labelSize) }.max() ?? 0)
        let left = padding + 22 + rowLabelWidth + 8
        let keyWidth = 90.0
        let available = ChartMetrics.width - left - padding - keyWidth
        let cell = Swift.max(4, Swift.min(56, (available / Double(n)).rounded(.down)))
        let side = cell * Double(n)
        let widestColumnLabel = Swift.min(150, names.map { estimatedTextWidth($0, fontSize: labelSize) }.max() ?? 0)
        let rotate = widestColumnLabel + 4 > cell
        let columnLabelHeight = rotate ? widestColumnLabel * 0.71 + 14 : 16
        let area = PlotArea(left: left, top: top, width: side, height: side)
        let countSize = Swift.min(12, cell * 0.32)

        for row in 0..<n {
            for column in 0..<n {
                let value = count(row, column)
                let fraction = rowTotals[row] == 0 ? 0 : Double(value) / Double(rowTotals[row])
                let opacity = value == 0 ? 0 : 0.06 + 0.94 * fraction
                let x = area.left + Double(column) * cell
                let y = area.top + Double(row) * cell
                let tooltip = "actual \(names[row]), predicted \(names[column]): \(groupedInteger(value))"
                    + (rowTotals[row] == 0 ? "" : " (\(formatValue(fraction, percent: true)) of row)")
                canvas.rect(x: x, y: y, width: cell, height: cell, className: "cell" + (row == column ? " diagonal" : ""),
                            attributes: "fill=\"\(Heatmap.shade)\" fill-opacity=\"\(svgNumber(opacity))\" "
                                + "stroke=\"currentColor\" stroke-opacity=\"0.12\"",
                            tooltip: tooltip)
                guard countSize >= 6 else { continue }
                let label = cell >= 40 ? groupedInteger(value) : compactCount(value)
                let white = opacity >= Heatmap.whiteTextOpacity
                var attributes = white ? "fill=\"#ffffff\"" : ""
                if value == 0 { attributes += (attributes.isEmpty ? "" : " ") + "fill-opacity=\"0.45\"" }
                canvas.text(label, x: x + cell / 2, y: y + cell / 2 + countSize * 0.36, size: countSize,
                            anchor: "middle", className: white ? "cell-label cell-label-strong" : "cell-label",
                            attributes: attributes)
            }
        }
        canvas.rect(x: area.left, y: area.top, width: side, height: side, className: "frame",
                    attributes: "fill=\"none\" stroke=\"currentColor\" stroke-opacity=\"0.4\"")

        // Row labels (actual) and the "Actual" title.
        let labelFont = Swift.min(labelSize, Swift.max(6, cell * 0.8))
        for row in 0..<n {
            let name = truncated(names[row], toWidth: rowLabelWidth, fontSize: labelFont)
            canvas.text(name, x: area.left - 6, y: area.top + (Double(row) + 0.5) * cell + labelFont * 0.36,
                        size: labelFont, anchor: "end", className: "tick", tooltip: name == names[row] ? nil : names[row])
        }
        let actualX = padding + 8
        let actualY = area.top + side / 2
        canvas.text("Actual", x: actualX, y: actualY, anchor: "middle", className: "axis-label",
                    attributes: "font-weight=\"600\" transform=\"rotate(-90 \(svgNumber(actualX)) \(svgNumber(actualY)))\"")

        // Column labels (predicted) below the matrix and the "Predicted" title.
        for column in 0..<n {
            let name = truncated(names[column], toWidth: rotate ? 150 : cell, fontSize: labelFont)
            let x = area.left + (Double(column) + 0.5) * cell
            let y = area.bottom + 14
            if rotate {
                canvas.text(name, x: x + 3, y: area.bottom + 10, size: labelFont, anchor: "end", className: "tick",
                            attributes: "transform=\"rotate(-45 \(svgNumber(x + 3)) \(svgNumber(area.bottom + 10)))\"",
                            tooltip: name == names[column] ? nil : names[column])
            } else {
                canvas.text(name, x: x, y: y, size: labelFont, anchor: "middle", className: "tick",
                            tooltip: name == names[column] ? nil : names[column])
            }
        }
        let predictedY = area.bottom + columnLabelHeight + 14
        canvas.text("Predicted", x: area.left + side / 2, y: predictedY, anchor: "middle", className: "axis-label",
                    attributes: "font-weight=\"600\"")

        // A key of the shading, right of the matrix.
        let keyX = area.right + 18
        canvas.text("share of row", x: keyX, y: area.top + 4, size: ChartMetrics.tickSize, className: "key-label")
        for (index, fraction) in [1.0, 0.75, 0.5, 0.25, 0].enumerated() {
            let y = area.top + 12 + Double(index) * 18
            canvas.rect(x: keyX, y: y, width: 14, height: 14, className: "key",
                        attributes: "fill=\"\(Heatmap.shade)\" fill-opacity=\"\(svgNumber(fraction == 0 ? 0 : 0.06 + 0.94 * fraction))\" "
                            + "stroke=\"currentColor\" stroke-opacity=\"0.25\"")
            canvas.text(formatValue(fraction, percent: true), x: keyX + 20, y: y + 11, size: ChartMetrics.tickSize,
                        className: "key-label")
        }
        return canvas.document(kind: "heatmap", title: title,
                               height: Swift.max(predictedY, area.top + 110) + padding)
    }

    /// A count short enough for a small cell: 950, 1.2k, 12k.
    private func compactCount(_ value: Int) -> String {
        value < 1000 ? String(value) : formatTick(Double(value), step: value < 10000 ? 100 : 1000, percent: false)
    }
}
