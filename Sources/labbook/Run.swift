import ArgumentParser
import Foundation
import NeuralNet
import Notebook

/// `labbook run`: execute a notebook and write its run folder.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a notebook and write its run folder (run.json, report, checkpoints).")

    @Argument(help: "The notebook (a Markdown file).")
    var notebook: String

    @Option(name: .shortAndLong, help: "The run folder (default: runs/<notebook name>/).")
    var output: String?

    @Option(name: [.customShort("p"), .customLong("param")], help: "Override a parameter: NAME=VALUE (repeatable).")
    var parameters: [String] = []

    @Option(help: "A Mustache template to render report.html with, instead of LabBook's.")
    var template: String?

    @Flag(help: "Execute every block, ignoring cached results.")
    var noCache = false

    @Option(help: "Where to cache executed blocks (default: .cache inside the run folder).")
    var cacheDir: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        let plan = try NotebookLoading.plan(path: notebook, overrides: parameters)
        let templateText = try RunFolder.readTemplate(template)
        let name = URL(fileURLWithPath: notebook).deletingPathExtension().lastPathComponent
        let folder = URL(fileURLWithPath: output ?? "runs/\(name)")
        // The run writes into a hidden folder beside the previous run's files, which it replaces only
        // when it succeeds: a failed or interrupted run never costs the last good one.
        let staging = folder.appendingPathComponent(".partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: staging)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw fail("cannot create the run folder \(folder.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: staging) }
        Interruption.install()
        let cacheFolder = noCache ? nil : (cacheDir.map { URL(fileURLWithPath: $0) } ?? folder.appendingPathComponent(".cache"))
        let runner = NotebookRunner(plan: plan, runFolder: staging, cacheFolder: cacheFolder,
                                    progress: .forStandardError(quiet: quiet))
        let record = runner.run()
        let reportURL: URL
        do {
            try RunFolder.write(record: record, notebookText: plan.source.text, to: staging, template: templateText)
            reportURL = record.status == .ok ? try RunFolder.publish(staging, into: folder)
                                             : try RunFolder.setAside(staging, into: folder)
        } catch {
            throw fail("cannot write the run folder \(folder.path): \(error)")
        }
        if let error = record.error {
            printError(error)
            printError("The partial report is \(reportURL.path); the previous run's files are untouched.")
            throw ExitCode(Interruption.signal.map { 128 + $0 } ?? 1)
        }
        if !quiet {
            print(summary(record))
            print("Report: \(reportURL.path)")
        }
    }

    private func summary(_ record: RunRecord) -> String {
        let cached = record.blocks.filter { $0.status == .cached }.count
        var parts = ["Ran \(record.notebook) in \(String(format: "%.2f", record.seconds)) s: \(record.blocks.count) blocks"
                     + (cached > 0 ? " (\(cached) from the cache)" : "")]
        for block in record.blocks {
            if case .evaluate(let metrics) = block.metrics {
                parts.append(String(format: "%@ accuracy %.4f (line %d)", metrics.split.rawValue, metrics.accuracy, block.line))
            }
        }
        return parts.joined(separator: "; ")
    }
}
