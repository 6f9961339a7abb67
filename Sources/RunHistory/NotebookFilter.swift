import Foundation

/// Which runs `labbook runs NOTEBOOK` lists: those of the notebook named by its path (relative to
/// the current folder), its file name (`quickstart.md`) or its name (`quickstart`).
public struct NotebookFilter: Sendable {
    public var argument: String
    private let absolutePaths: Set<String>

    public init(_ argument: String, relativeTo directory: URL) {
        self.argument = argument
        let url = FigureText.absolute(argument, from: directory)
        absolutePaths = [url.path, url.resolvingSymlinksInPath().path]
    }

    public func matches(_ run: StoredRun) -> Bool {
        if argument == run.notebookName || argument == URL(fileURLWithPath: run.notebookPath).lastPathComponent {
            return true
        }
        return absolutePaths.contains(run.notebookPath)
            || absolutePaths.contains(URL(fileURLWithPath: run.notebookPath).resolvingSymlinksInPath().path)
    }
}
