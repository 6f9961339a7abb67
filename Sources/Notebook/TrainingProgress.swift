import Datasets
import Foundation
import NeuralNet

/// Reports training progress on standard error: a redrawn progress bar (step/total, loss, steps per
/// second, time left) when it is a terminal, one plain line per logged step otherwise
/// (`step 1200: loss 1.2345, train accuracy 0.512 [1200/10000]`).
public final class TrainingProgress: @unchecked Sendable {
    public typealias Style = ProgressStyle

    public let style: Style
    private var total = 0
    private var firstStep = 0
    private var started = Date()
    private var lastDraw = Date.distantPast
    private var lastLoss: Double?

    public init(style: Style) {
        self.style = style
    }

    public static let silent = TrainingProgress(style: .silent)

    public static func forStandardError(quiet: Bool) -> TrainingProgress {
        TrainingProgress(style: .forStandardError(quiet: quiet))
    }

    /// `firstStep`: the global step training resumes from (a restored checkpoint's), so that lines
    /// can say how far this block is.
    func start(steps: Int, firstStep: Int = 0) {
        total = steps
        self.firstStep = firstStep
        started = Date()
        lastDraw = .distantPast
        lastLoss = nil
    }

    func step(_ done: Int) {
        guard style == .bar else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        lastDraw = now
        draw(done: done, now: now)
    }

    func record(_ record: TrainingRecord) {
        lastLoss = record.loss
        guard style == .lines else { return }
        var line = String(format: "step %d: loss %.4f, train accuracy %.3f", record.step, record.loss, record.trainAccuracy)
        if let validation = record.validationAccuracy { line += String(format: ", validation accuracy %.3f", validation) }
        // This block's step of its total: what `labbook sweep` reads from a trial's log to show its progress.
        write(line + " [\(record.step - firstStep)/\(total)]\n")
    }

    func finish() {
        if style == .bar { write("\n") }
    }

    private func draw(done: Int, now: Date) {
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(total - done) / rate : 0
        let width = 28
        let filled = total > 0 ? width * done / total : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var text = "\r\(bar) \(done)/\(total)"
        if let lastLoss { text += String(format: "  loss %.4f", lastLoss) }
        text += String(format: "  %.0f steps/s  %@ left", rate, Self.duration(left))
        write(text + "\u{1B}[K")
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole)s"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
