import ArgumentParser
import Notebook

/// `labbook check`: validate a notebook without running it.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a notebook without running it, reporting every error at once.")

    @Argument(help: "The notebook (a Markdown file).")
    var notebook: String

    @Option(name: [.customShort("p"), .customLong("param")], help: "Override a parameter: NAME=VALUE (repeatable).")
    var parameters: [String] = []

    func run() throws {
        let plan = try NotebookLoading.plan(path: notebook, overrides: parameters)
        print("\(notebook): ok (\(plan.blocks.count) blocks)")
    }
}
