import Foundation

/// Escapes `text` for use in XML character data and in double- or single-quoted attribute values.
///
/// `&`, `<`, `>`, `"` and `'` become entities; characters XML 1.0 cannot carry at all (control
/// characters other than tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF)
/// become U+FFFD, so that any string, however hostile, yields well-formed markup.
public func escapeXML(_ text: String) -> String {
    var escaped = ""
    escaped.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&apos;"
        case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
        default:
            let value = scalar.value
            if value < 0x20 || value == 0xFFFE || value == 0xFFFF {
                escaped.unicodeScalars.append("\u{FFFD}")
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
    }
    return escaped
}

/// The colours series fall back to when the page's CSS does not style `.series-N`.
///
/// A subset of the Okabe–Ito colour-blind-safe palette, ordered so the first colours keep at least
/// 3:1 contrast both on white and on a dark grey page (#1e1e1e); yellow and black are left out
/// because each vanishes on one of the two.
public enum ChartPalette {
    public static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]

    /// The fallback colour of series `index` (the palette repeats).
    public static func color(_ index: Int) -> String { colors[index % colors.count] }

    /// The colour that marks something wrong (a misclassified image): Okabe–Ito vermillion.
    public static let alert = "#D55E00"
}

/// Geometry and type sizes shared by all charts, in SVG user units. A chart is scaled to the width of
/// its container, so these are CSS pixels only when it is drawn 720 pixels wide.
enum ChartMetrics {
    /// The width of every chart's view box; its height follows from the content.
    static let width = 720.0
    static let titleSize = 15.0
    static let fontSize = 12.0
    static let tickSize = 11.0
    static let padding = 12.0
    static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
}

/// A rough width of `text` set at `fontSize` in a proportional sans-serif face, for layout decisions
/// (margins, legend wrapping, truncation); deliberately on the wide side so text is not clipped.
func estimatedTextWidth(_ text: String, fontSize: Double) -> Double {
    var em = 0.0
    for character in text {
        switch character {
        case "i", "l", "j", "'", ".", ",", ":", ";", "|", "!", "I", " ", "(", ")", "[", "]", "f", "t", "r":
            em += 0.34
        case "m", "w", "M", "W", "%", "@":
            em += 0.88
        case "A"..."Z":
            em += 0.68
        default:
            em += character.isASCII ? 0.56 : 0.9
        }
    }
    return em * fontSize
}

/// `text` cut to fit `width` at `fontSize`, ending in an ellipsis when it had to be cut.
func truncated(_ text: String, toWidth width: Double, fontSize: Double) -> String {
    if estimatedTextWidth(text, fontSize: fontSize) <= width { return text }
    var characters = Array(text)
    while !characters.isEmpty,
          estimatedTextWidth(String(characters) + "…", fontSize: fontSize) > width {
        characters.removeLast()
    }
    return String(characters) + "…"
}

/// A coordinate or length as SVG text: at most two decimals, no trailing zeros, no `-0`.
func svgNumber(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let rounded = (value * 100).rounded() / 100
    if rounded == 0 { return "0" }
    if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
    var text = String(format: "%.2f", rounded)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}

/// A 32-bit FNV-1a hash as 8 hex digits, for element ids that are stable from run to run.
func stableHash(_ text: String) -> String {
    var hash: UInt32 = 0x811C_9DC5
    for byte in text.utf8 {
        hash ^= UInt32(byte)
        hash = hash &* 0x0100_0193
    }
    return String(format: "%08x", hash)
}

/// Collects the elements of one chart and wraps them in an accessible, self-contained `<svg>`.
///
/// Colours come from `currentColor` (text, axes, outlines) so the page's light or dark theme applies,
/// and from presentation attributes for series colours, which any page CSS rule on the element's
/// class (`.series-0`, `.axis`, `.grid`, ...) overrides.
struct SVGCanvas {
    private(set) var body = ""

    /// Appends raw markup (already escaped).
    mutating func raw(_ markup: String) { body += markup }

    /// A text element; `content` is escaped here. `attributes` is raw markup (already escaped).
    mutating func text(
        _ content: String, x: Double, y: Double, size: Double = ChartMetrics.fontSize,
        anchor: String = "start", className: String, attributes: String = "", tooltip: String? = nil
    ) {
        body += "<text class=\"\(className)\" x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\""
        if size != ChartMetrics.fontSize { body += " font-size=\"\(svgNumber(size))\"" }
        if anchor != "start" { body += " text-anchor=\"\(anchor)\"" }
        if !attributes.isEmpty { body += " " + attributes }
        body += ">"
        if let tooltip { body += "<title>\(escapeXML(tooltip))</title>" }
        body += "\(escapeXML(content))</text>\n"
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, className: String, attributes: String) {
        body += "<line class=\"\(className)\" x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(y1))\" "
            + "x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(y2))\" \(attributes)/>\n"
    }

    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, className: String, attributes: String,
        tooltip: String? = nil
    ) {
        body += "<rect class=\"\(className)\" x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" "
            + "width=\"\(svgNumber(max(0, width)))\" height=\"\(svgNumber(max(0, height)))\" \(attributes)"
        if let tooltip {
            body += "><title>\(escapeXML(tooltip))</title></rect>\n"
        } else {
            body += "/>\n"
        }
    }

    /// The chart title, drawn at the top left; returns the y just below it.
    mutating func title(_ title: String) -> Double {
        let maxWidth = ChartMetrics.width - 2 * ChartMetrics.padding
        text(truncated(title, toWidth: maxWidth, fontSize: ChartMetrics.titleSize),
             x: ChartMetrics.padding, y: 22, size: ChartMetrics.titleSize, className: "chart-title",
             attributes: "font-weight=\"600\"")
        return 34
    }

    /// A one-line note under the title (what the shading means, totals); returns the y below it.
    mutating func subtitle(_ note: String, y: Double) -> Double {
        let maxWidth = ChartMetrics.width - 2 * ChartMetrics.padding
        text(truncated(note, toWidth: maxWidth, fontSize: ChartMetrics.tickSize),
             x: ChartMetrics.padding, y: y + 10, size: ChartMetrics.tickSize, className: "chart-note",
             attributes: "fill-opacity=\"0.75\"")
        return y + 18
    }

    /// "No data" in the middle of an empty plot area.
    mutating func noData(centerX: Double, centerY: Double) {
        text("No data", x: centerX, y: centerY, size: 13, anchor: "middle", className: "no-data",
             attributes: "fill-opacity=\"0.6\"")
    }

    /// The finished `<svg>` document: `<title>` first, then the elements.
    ///
    /// - Parameters:
    ///   - kind: a CSS class naming the chart type (`line-chart`, `heatmap`, ...), also the id prefix.
    ///   - title: the accessible name, also shown as the `<title>` tooltip.
    ///   - height: the height of the view box; the width is `ChartMetrics.width`.
    ///   - description: an optional longer text for assistive technology (`<desc>`).
    func document(kind: String, title: String, height: Double, description: String? = nil) -> String {
        let id = "\(kind)-\(stableHash(kind + "\u{1}" + title + "\u{1}" + body))"
        let width = ChartMetrics.width
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart \(kind)\" id=\"\(id)\" "
        // Full width of whatever holds the chart, height from the view box's aspect ratio: no inline
        // style or pixel cap, so the page's CSS (or a custom template's) decides the size.
        svg += "viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" width=\"100%\" "
        svg += "role=\"img\" "
        svg += "aria-labelledby=\"\(id)-title\(description == nil ? "" : " \(id)-desc")\" "
        svg += "font-family=\"\(ChartMetrics.fontFamily)\" font-size=\"\(svgNumber(ChartMetrics.fontSize))\" "
        svg += "fill=\"currentColor\">\n"
        svg += "<title id=\"\(id)-title\">\(escapeXML(title))</title>\n"
        if let description {
            svg += "<desc id=\"\(id)-desc\">\(escapeXML(description))</desc>\n"
        }
        svg += body
        svg += "</svg>\n"
        return svg
    }
}
