import Foundation
import Notebook
import Report

/// Writes a run's outputs into its folder: the notebook as executed, `run.json` and `report.html`.
/// Each file goes to a temporary name first and is renamed into place, so a reader never sees half
/// a file.
enum RunFolder {
    static let notebookCopy = "notebook.md"
    static let recordFile = "run.json"
    static let reportFile = "report.html"

    static func write(record: RunRecord, notebookText: String, to folder: URL, template: String?) throws {
        try Data(notebookText.utf8).write(to: folder.appendingPathComponent(notebookCopy), options: .atomic)
        try RunRecordFile.write(record, to: folder.appendingPathComponent(recordFile))
        try writeReport(record: record, notebookText: notebookText, folder: folder, template: template)
    }

    static func writeReport(record: RunRecord, notebookText: String, folder: URL, template: String?) throws {
        let html = try ReportRenderer.render(record: record, notebookText: notebookText, template: template,
                                             runFiles: linkedFiles(in: folder))
        try Data(html.utf8).write(to: folder.appendingPathComponent(reportFile), options: .atomic)
    }

    /// The folder's files the report links to: everything but the report itself, sorted.
    static func linkedFiles(in folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0 != reportFile && !$0.hasPrefix(".") }.sorted()
    }

    /// A template file's text, or an exit naming the file.
    static func readTemplate(_ path: String?) throws -> String? {
        guard let path else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw fail("\(path): cannot read the template")
        }
        return text
    }
}
