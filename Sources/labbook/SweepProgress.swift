import Foundation

/// What a sweep prints as its trials run. In a log or pipe: a line when a trial starts and when it
/// ends, with the overall count and time left. On a terminal, also a block redrawn in place below
/// those lines: one line per running trial (its training step, loss and time, read from the
/// progress lines its log holds), then the overall count with the time left.
final class SweepProgress {
    private let live: Bool
    private let quiet: Bool
    private let total: Int
    private let started = Date()
    /// Lines of the live block now on the screen, which the next output replaces.
    private var drawnLines = 0

    init(total: Int, quiet: Bool, terminal: Bool = isatty(STDOUT_FILENO) != 0) {
        self.total = total
        self.quiet = quiet
        live = terminal && !quiet
    }

    /// A line that stays: printed above the live block.
    func say(_ line: String) {
        write(clearBlock() + line + "\n")
        drawnLines = 0
    }

    func trialStarted(_ number: Int, id: String) {
        if !quiet && !live { say("[\(number)/\(total)] \(id): started") }
    }

    func trialFinished(_ number: Int, id: String, summary: String, done: Int, failed: Int) {
        guard !quiet else { return }
        say("[\(number)/\(total)] \(id): \(summary); " + overall(done: done, failed: failed, running: nil))
    }

    /// Redraws the live block (on a terminal only) for the trials now running.
    func update(running: [(id: String, log: URL, start: Date)], done: Int, failed: Int) {
        guard live else { return }
        let width = max(40, Self.terminalWidth() - 1)
        let now = Date()
        var lines = running.map { trial -> String in
            var line = "  \(trial.id): "
            if let step = Self.lastStep(inLog: trial.log) {
                line += "step \(step.done)/\(step.total)" + (step.loss.map { String(format: ", loss %.4f", $0) } ?? "")
            } else {
                line += "starting"
            }
            line += ", " + Self.duration(now.timeIntervalSince(trial.start))
            return Self.fit(line, width: width)
        }
        lines.append(Self.fit(overall(done: done, failed: failed, running: running.count), width: width))
        write(clearBlock() + lines.joined(separator: "\n") + "\n")
        drawnLines = lines.count
    }

    /// Clears the live block before the sweep's last lines.
    func finish() {
        if drawnLines > 0 { write(clearBlock()) }
        drawnLines = 0
    }

    private func overall(done: Int, failed: Int, running: Int?) -> String {
        let left = total - done
        let elapsed = Date().timeIntervalSince(started)
        var text = "\(done) of \(total) done" + (failed > 0 ? ", \(failed) failed" : "")
        if let running { text += ", \(running) running, " + Self.duration(elapsed) + " so far" }
        if left > 0 && done > 0 { text += ", about " + Self.duration(elapsed / Double(done) * Double(left)) + " left" }
        return text
    }

    /// Moves to the first line of the live block and clears from there down.
    private func clearBlock() -> String {
        drawnLines > 0 ? "\u{1B}[\(drawnLines)F\u{1B}[J" : ""
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Lines longer than the terminal would wrap and throw off the count of lines to redraw.
    static func fit(_ line: String, width: Int) -> String {
        line.count <= width ? line : String(line.prefix(width - 1)) + "…"
    }

    static func terminalWidth() -> Int {
        var size = winsize()
        return ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole) s"
    }

    /// The last training progress line in a trial's log (`step 1200: loss 1.2345, ... [1200/10000]`,
    /// as `labbook run` writes it when its output is a file), read from the log's end.
    static func lastStep(inLog url: URL) -> (done: Int, total: Int, loss: Double?)? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd() else { return nil }
        try? handle.seek(toOffset: end > 4096 ? end - 4096 : 0)
        guard let data = try? handle.readToEnd() else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n").reversed() where line.hasPrefix("step ") {
            guard let open = line.lastIndex(of: "["), line.hasSuffix("]") else { continue }
            let counts = line[line.index(after: open)..<line.index(before: line.endIndex)].split(separator: "/")
            guard counts.count == 2, let done = Int(counts[0]), let total = Int(counts[1]) else { continue }
            let loss = line.range(of: "loss ").flatMap { range in
                Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." || $0 == "-" || $0 == "e" })
            }
            return (done, total, loss)
        }
        return nil
    }
}
