import ArgumentParser
import Foundation
import Notebook
import RunHistory

/// `labbook runs`: the runs recorded in the run history, as a table or JSON.
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the recorded runs: parameters and final metrics as columns.")

    @Argument(help: "Only the runs of this notebook (its path, file name or name).")
    var notebook: String?

    @Option(help: ArgumentHelp("Sort by this metric, best first: lowest first for a loss, else highest first.",
                               valueName: "metric"))
    var sort: String?

    @Option(help: ArgumentHelp("With --sort: asc (lowest first) or desc (highest first), overriding the metric's own order.",
                               valueName: "order"))
    var order: SortOrder?

    enum SortOrder: String, ExpressibleByArgument {
        case asc, desc
    }

    @Flag(help: "Print the rows as JSON.")
    var json = false

    @Flag(help: "Show only the parameters whose values differ between the listed runs.")
    var onlyChanged = false

    @OptionGroup var history: HistoryOption

    func run() throws {
        if order != nil && sort == nil { throw usageError("--order needs --sort METRIC") }
        let url = try history.url()
        let store: HistoryStore?
        var runs: [StoredRun]
        do {
            store = try HistoryStore.openForReading(at: url)
            runs = try store?.runs() ?? []
        } catch {
            throw fail(PlainErrorText.of(error))
        }
        if runs.isEmpty {
            print(store == nil ? "No run history at \(url.path) yet: `labbook run NOTEBOOK` records each run there."
                               : "No runs recorded in \(url.path) yet.")
            return
        }
        if let notebook {
            let filter = NotebookFilter(notebook, relativeTo: history.currentDirectory)
            let all = runs
            runs = runs.filter(filter.matches)
            if runs.isEmpty {
                let names = Set(all.map(\.notebookName)).sorted().joined(separator: ", ")
                print("No runs of \(notebook) in \(url.path); it has runs of: \(names).")
                return
            }
        }
        let table: RunTable
        do {
            table = try RunTable(runs: runs, sortBy: sort, ascending: order.map { $0 == .asc }, onlyChanged: onlyChanged)
        } catch let error as UnknownMetric {
            throw usageError(error.description)
        }
        if json {
            FileHandle.standardOutput.write(try table.json() + Data("\n".utf8))
        } else {
            print(table.text(relativeTo: history.currentDirectory), terminator: "")
        }
    }
}
