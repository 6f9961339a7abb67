import Foundation

/// How the history's commands write numbers, times and folders.
public enum FigureText {
    /// A metric: four decimals (accuracies, most losses), else three significant digits; NaN and
    /// infinities as `nan`, `inf`, `-inf`.
    public static func metric(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let size = abs(value)
        if size == 0 || (size >= 1e-3 && size < 1e6) { return String(format: "%.4f", value) }
        return String(format: "%.3g", value)
    }

    /// A change: a sign always, `0` for none.
    public static func delta(_ value: Double) -> String {
        if value == 0 { return "0" }
        let text = metric(value)
        return value > 0 ? "+" + text : text
    }

    /// An ISO 8601 time as `2026-12-02 09:20:11` in `timeZone`; the text itself if it does not parse.
    public static func time(_ iso: String, timeZone: TimeZone = .current) -> String {
        guard let date = ISO8601DateFormatter().date(from: iso) else { return iso }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// `path` as an absolute, standardized file URL: relative paths are taken from `directory`
    /// (whether or not its URL ends in a slash).
    public static func absolute(_ path: String, from directory: URL) -> URL {
        (path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)).standardizedFileURL
    }

    /// `path` relative to `directory` when it is inside it (`runs/quickstart`), else as it is.
    public static func folder(_ path: String, relativeTo directory: URL) -> String {
        let base = directory.standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) && path.count > prefix.count ? String(path.dropFirst(prefix.count)) : path
    }
}
