import Foundation

/// "Nice" axis ticks: a step of 1, 2 or 5 × 10^k and a domain widened to whole steps.
///
/// `AxisTicks(covering: 0, 2000)` gives 0, 500, 1000, 1500, 2000; `AxisTicks(covering: 0, 0.93)` gives
/// 0, 0.2, ..., 1. A constant range is widened around its value first (0 becomes 0...1), and
/// non-finite bounds are ignored, so any input gives a usable axis.
public struct AxisTicks: Sendable, Equatable {
    /// The widened domain: the first and last tick.
    public let lower: Double
    public let upper: Double
    /// The distance between ticks.
    public let step: Double
    /// The tick values, `lower` to `upper` inclusive.
    public let values: [Double]

    /// Ticks for a range holding `minimum` and `maximum` (in either order), about `count` intervals.
    public init(covering minimum: Double, _ maximum: Double, count: Int = 5) {
        var low = Swift.min(minimum, maximum)
        var high = Swift.max(minimum, maximum)
        if !low.isFinite && !high.isFinite {
            (low, high) = (0, 1)
        } else if !low.isFinite {
            low = high
        } else if !high.isFinite {
            high = low
        }
        if low == high {
            if low == 0 {
                high = 1
            } else {
                let pad = abs(low) * 0.1
                (low, high) = (low - pad, high + pad)
            }
        }
        let intervals = Double(Swift.max(1, count))
        // Widening to whole steps can change the step, so repeat until it settles (as d3's nice()).
        var step = AxisTicks.increment(low, high, intervals)
        for _ in 0..<10 {
            let widenedLow = AxisTicks.multiple(floor(low / step.value + 1e-9), of: step)
            let widenedHigh = AxisTicks.multiple(ceil(high / step.value - 1e-9), of: step)
            let next = AxisTicks.increment(widenedLow, widenedHigh, intervals)
            (low, high) = (widenedLow, widenedHigh)
            if next == step { break }
            step = next
        }
        let first = Int((low / step.value).rounded())
        let last = Int((high / step.value).rounded())
        self.lower = AxisTicks.multiple(Double(first), of: step)
        self.upper = AxisTicks.multiple(Double(last), of: step)
        self.step = step.value
        self.values = (first...Swift.max(first, last)).map { AxisTicks.multiple(Double($0), of: step) }
    }

    /// The label of tick `value`, e.g. `0.5`, `500`, `1k`, `2.5k`, `10k`, `1.2M`, or with
    /// `percent` a fraction shown as `20%`.
    public func label(_ value: Double, percent: Bool = false) -> String {
        formatTick(value, step: step, percent: percent)
    }

    /// The labels of all ticks.
    public func labels(percent: Bool = false) -> [String] { values.map { label($0, percent: percent) } }

    /// A step as mantissa × 10^exponent, mantissa 1, 2, 5 (or 10 before normalizing).
    private struct Step: Equatable {
        var mantissa: Double
        var exponent: Int
        var value: Double { exponent >= 0 ? mantissa * pow(10, Double(exponent)) : mantissa / pow(10, Double(-exponent)) }
    }

    /// `index × step`, computed so that decimal steps give exact-looking values (0.6, not 0.6000000001).
    private static func multiple(_ index: Double, of step: Step) -> Double {
        let value = step.exponent >= 0
            ? index * step.mantissa * pow(10, Double(step.exponent))
            : index * step.mantissa / pow(10, Double(-step.exponent))
        return value == 0 ? 0 : value  // no -0
    }

    private static func increment(_ low: Double, _ high: Double, _ intervals: Double) -> Step {
        let raw = Swift.max((high - low) / intervals, Double.leastNormalMagnitude)
        var exponent = Int(floor(log10(raw)))
        let error = raw / pow(10, Double(exponent))
        var mantissa: Double = error >= 50.0.squareRoot() ? 10 : error >= 10.0.squareRoot() ? 5 : error >= 2.0.squareRoot() ? 2 : 1
        if mantissa == 10 { (mantissa, exponent) = (1, exponent + 1) }
        return Step(mantissa: mantissa, exponent: exponent)
    }
}

/// The fewest decimals (up to 8) that show `value` exactly enough.
private func decimals(for value: Double) -> Int {
    let magnitude = abs(value)
    guard magnitude > 0, magnitude.isFinite else { return 0 }
    for digits in 0...8 {
        let scaled = magnitude * pow(10, Double(digits))
        if abs(scaled - scaled.rounded()) < 1e-6 * Swift.max(1, scaled) { return digits }
    }
    return 8
}

/// `value` with `digits` decimals, trailing zeros removed.
private func fixed(_ value: Double, _ digits: Int) -> String {
    var text = String(format: "%.\(digits)f", value)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
}

/// A tick label: compact (`1k`, `2.5k`, `1.2M`) with as many decimals as the step needs.
func formatTick(_ value: Double, step: Double, percent: Bool) -> String {
    guard value.isFinite else { return "" }
    if value == 0 { return percent ? "0%" : "0" }
    if percent {
        return fixed(value * 100, decimals(for: step * 100)) + "%"
    }
    let magnitude = abs(value)
    for (scale, suffix) in [(1e9, "B"), (1e6, "M"), (1e3, "k")] where magnitude >= scale {
        return fixed(value / scale, Swift.min(decimals(for: step / scale), 3)) + suffix
    }
    let digits = decimals(for: step)
    if digits > 4 {
        // Tiny steps: 2e-5 rather than 0.00002.
        var text = String(format: "%g", value)
        text = text.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e")
        return text
    }
    return fixed(value, digits)
}

/// A single value printed next to a bar or on a chart: integers grouped (`12,345`), other numbers to
/// three significant digits (`0.934`, `12.3k`), fractions as percentages with `percent`.
public func formatValue(_ value: Double, percent: Bool = false) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
    if percent {
        let scaled = value * 100
        return fixed(scaled, abs(scaled) >= 100 || scaled == scaled.rounded() ? 0 : abs(scaled) >= 10 ? 1 : 2) + "%"
    }
    if value == value.rounded() && abs(value) < 1e7 { return groupedInteger(Int(value)) }
    let magnitude = abs(value)
    for (scale, suffix) in [(1e9, "B"), (1e6, "M"), (1e3, "k")] where magnitude >= scale {
        return fixed(value / scale, significantDecimals(magnitude / scale)) + suffix
    }
    if magnitude < 1e-3 { return String(format: "%.2e", value) }
    return fixed(value, significantDecimals(magnitude))
}

/// Decimals for three significant digits of a magnitude.
private func significantDecimals(_ magnitude: Double) -> Int {
    magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : Swift.min(8, 2 - Int(floor(log10(magnitude))))
}

/// `1234567` as `1,234,567`.
public func groupedInteger(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var grouped = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
        grouped.append(digit)
    }
    return value < 0 ? "-" + grouped : grouped
}

/// Maps a data interval onto a pixel interval.
struct LinearScale {
    var domain: (Double, Double)
    var range: (Double, Double)

    func callAsFunction(_ value: Double) -> Double {
        let span = domain.1 - domain.0
        guard span != 0 else { return (range.0 + range.1) / 2 }
        return range.0 + (value - domain.0) / span * (range.1 - range.0)
    }
}

/// A plot rectangle in SVG coordinates.
struct PlotArea {
    var left: Double
    var top: Double
    var width: Double
    var height: Double
    var right: Double { left + width }
    var bottom: Double { top + height }
}

/// Axis drawing shared by the charts with x/y axes.
extension SVGCanvas {
    /// Horizontal grid lines, the y axis line, tick labels and the rotated axis label.
    mutating func yAxis(_ ticks: AxisTicks, scale: LinearScale, area: PlotArea, percent: Bool, label: String) {
        for value in ticks.values {
            let y = scale(value)
            line(x1: area.left, y1: y, x2: area.right, y2: y, className: "grid",
                 attributes: "stroke=\"currentColor\" stroke-opacity=\"0.12\"")
            text(ticks.label(value, percent: percent), x: area.left - 6, y: y + 4, size: ChartMetrics.tickSize,
                 anchor: "end", className: "tick")
        }
        line(x1: area.left, y1: area.top, x2: area.left, y2: area.bottom, className: "axis",
             attributes: "stroke=\"currentColor\" stroke-opacity=\"0.5\"")
        if !label.isEmpty {
            let x = ChartMetrics.padding + 8
            let y = area.top + area.height / 2
            text(truncated(label, toWidth: area.height, fontSize: ChartMetrics.fontSize), x: x, y: y,
                 anchor: "middle", className: "axis-label",
                 attributes: "transform=\"rotate(-90 \(svgNumber(x)) \(svgNumber(y)))\"")
        }
    }

    /// Vertical grid lines, the x axis line, tick labels and the axis label below them.
    mutating func xAxis(_ ticks: AxisTicks, scale: LinearScale, area: PlotArea, percent: Bool, label: String) {
        for value in ticks.values {
            let x = scale(value)
            line(x1: x, y1: area.top, x2: x, y2: area.bottom, className: "grid",
                 attributes: "stroke=\"currentColor\" stroke-opacity=\"0.12\"")
            text(ticks.label(value, percent: percent), x: x, y: area.bottom + 16, size: ChartMetrics.tickSize,
                 anchor: "middle", className: "tick")
        }
        line(x1: area.left, y1: area.bottom, x2: area.right, y2: area.bottom, className: "axis",
             attributes: "stroke=\"currentColor\" stroke-opacity=\"0.5\"")
        if !label.isEmpty {
            text(truncated(label, toWidth: area.width, fontSize: ChartMetrics.fontSize),
                 x: area.left + area.width / 2, y: area.bottom + 34, anchor: "middle", className: "axis-label")
        }
    }

    /// A legend of series swatches laid out in rows from (`x`, `y`) within `maxWidth`; returns its height.
    mutating func legend(_ names: [String], x: Double, y: Double, maxWidth: Double) -> Double {
        let swatch = 18.0
        var cursorX = x
        var rowY = y + 10
        var rows = 1
        raw("<g class=\"legend\">\n")
        for (index, name) in names.enumerated() {
            let label = truncated(name, toWidth: maxWidth - swatch - 6, fontSize: ChartMetrics.fontSize)
            let itemWidth = swatch + 6 + estimatedTextWidth(label, fontSize: ChartMetrics.fontSize) + 18
            if cursorX > x && cursorX + itemWidth > x + maxWidth {
                cursorX = x
                rowY += 18
                rows += 1
            }
            line(x1: cursorX, y1: rowY - 4, x2: cursorX + swatch, y2: rowY - 4, className: "swatch series-\(index)",
                 attributes: "stroke=\"\(ChartPalette.color(index))\" stroke-width=\"3\" stroke-linecap=\"round\"")
            text(label, x: cursorX + swatch + 6, y: rowY, className: "legend-label", tooltip: label == name ? nil : name)
            cursorX += itemWidth
        }
        raw("</g>\n")
        return Double(rows) * 18
    }
}

/// The widest of `labels` at tick size, for margins.
func widestTickLabel(_ labels: [String]) -> Double {
    labels.map { estimatedTextWidth($0, fontSize: ChartMetrics.tickSize) }.max() ?? 0
}
