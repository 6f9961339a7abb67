import Foundation

/// Shows a download's progress on standard error: a redrawn bar (MB done of total, rate, time left)
/// on a terminal; in a log or pipe, a line when it starts, at each quarter and when it is done.
public final class DownloadProgress {
    public typealias Style = ProgressStyle

    public let style: Style
    private let write: (String) -> Void
    private var name = ""
    private var started = Date()
    private var lastDraw = Date.distantPast
    private var quartersReported = 0

    /// - write: where the text goes (standard error unless a test collects it).
    public init(style: Style, write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.style = style
        self.write = write
    }

    public static func forStandardError(quiet: Bool) -> DownloadProgress {
        DownloadProgress(style: .forStandardError(quiet: quiet))
    }

    /// A line of its own, such as what is being unpacked.
    public func note(_ text: String) {
        guard style != .silent else { return }
        write(text + "\n")
    }

    /// `now` is when the download started (tests pass it, so rates do not depend on their timing).
    func begin(_ url: URL, total: Int64?, now: Date = Date()) {
        name = url.lastPathComponent
        started = now
        lastDraw = .distantPast
        quartersReported = 0
        guard style == .lines else { return }
        write("Downloading \(url.absoluteString)" + (total.map { " (\(Self.size($0)))" } ?? "") + "\n")
    }

    func update(received: Int64, total: Int64?) {
        switch style {
        case .silent:
            break
        case .bar:
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.1 || received == total else { return }
            lastDraw = now
            write("\r" + barText(received: received, total: total, now: now) + "\u{1B}[K")
        case .lines:
            guard let total, total > 0 else { return }
            let quarters = Int(min(received, total) * 4 / total)
            guard quarters > quartersReported, quarters < 4 else { return }
            quartersReported = quarters
            write("\(name): \(quarters * 25)% (\(Self.size(received, scale: total)) of \(Self.size(total)), "
                  + "\(rate(received, now: Date())))\n")
        }
    }

    func end(received: Int64) {
        let seconds = Date().timeIntervalSince(started)
        switch style {
        case .silent:
            break
        case .bar:
            write("\n")
        case .lines:
            write("\(name): done, \(Self.size(received)) in \(String(format: "%.1f", seconds)) s\n")
        }
    }

    /// Ends a download that failed, so the error starts on a line of its own.
    func abandon() {
        if style == .bar { write("\n") }
    }

    func barText(received: Int64, total: Int64?, now: Date) -> String {
        var text = name + " "
        if let total, total > 0 {
            let width = 24
            let filled = Int(min(received, total) * Int64(width) / total)
            text += String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            text += " \(Self.size(received, scale: total, unit: false))/\(Self.size(total))"
        } else {
            text += Self.size(received)
        }
        text += "  " + rate(received, now: now)
        let elapsed = now.timeIntervalSince(started)
        if let total, received > 0, elapsed > 0, received < total {
            let left = Double(total - received) / (Double(received) / elapsed)
            text += "  \(Int(left.rounded()))s left"
        }
        return text
    }

    private func rate(_ received: Int64, now: Date) -> String {
        let elapsed = now.timeIntervalSince(started)
        let perSecond = elapsed > 0 ? Double(received) / elapsed : 0
        return String(format: "%.1f MB/s", perSecond / 1_000_000)
    }

    /// `bytes` in MB, or in kB when `scale` (the total it is a part of) is under a megabyte, so that
    /// small files do not show as 0.0 MB.
    static func size(_ bytes: Int64, scale: Int64? = nil, unit: Bool = true) -> String {
        let (divisor, name) = (scale ?? bytes) >= 1_000_000 ? (1_000_000.0, "MB") : (1_000.0, "kB")
        return String(format: "%.1f", Double(bytes) / divisor) + (unit ? " " + name : "")
    }
}
