import ArgumentParser
import Foundation
import Notebook
import Report
import RunHistory

/// `labbook diff`: what changed between two recorded runs.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two recorded runs: parameters, metrics, blocks' cache keys, the notebook's code.")

    @Argument(help: "The first run: its id as `labbook runs` shows it, or its run folder.")
    var runA: String

    @Argument(help: "The second run, likewise.")
    var runB: String

    @Option(help: ArgumentHelp("Also write a self-contained HTML page with both runs' curves.", valueName: "file"))
    var html: String?

    @OptionGroup var history: HistoryOption

    func run() throws {
        if html?.isEmpty == true { throw usageError("--html '' names no file") }
        let url = try history.url()
        let comparison: RunComparison
        do {
            guard let store = try HistoryStore.openForReading(at: url) else {
                throw fail("no run history at \(url.path): `labbook run` records runs there, or name another "
                           + "with --history")
            }
            let a = try store.run(named: runA, relativeTo: history.currentDirectory)
            let b = try store.run(named: runB, relativeTo: history.currentDirectory)
            comparison = RunComparison(a, b)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(PlainErrorText.of(error))
        }
        print(comparison.text(relativeTo: history.currentDirectory), terminator: "")
        if let html {
            let page = ComparisonPage.render(comparison, relativeTo: history.currentDirectory)
            do {
                try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
            } catch {
                throw fail("cannot write \(html): \(PlainErrorText.of(error))")
            }
            print("Page: \(URL(fileURLWithPath: html).standardizedFileURL.path)")
        }
    }
}
