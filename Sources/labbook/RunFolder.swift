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
    /// Where a failed or interrupted run leaves its record and partial report, beside the last good run.
    static let failedRecordFile = "run.failed.json"
    static let failedReportFile = "report.failed.html"

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

    /// Moves a successful run's files from `staging` into `folder`, each by an atomic rename, the
    /// report last; removes what the previous run left that this one did not write (its checkpoints,
    /// event files, a failed attempt's report). Returns the report's URL.
    static func publish(_ staging: URL, into folder: URL) throws -> URL {
        let manager = FileManager.default
        let previous = try? RunRecordFile.read(from: folder.appendingPathComponent(recordFile))
        let names = try manager.contentsOfDirectory(atPath: staging.path).filter { !$0.hasPrefix(".") }
        let order = names.filter { $0 != recordFile && $0 != reportFile }.sorted() + [recordFile, reportFile]
        for name in order where names.contains(name) {
            try replace(folder.appendingPathComponent(name), with: staging.appendingPathComponent(name))
        }
        var stale = (previous?.checkpoints ?? []).map(\.path) + [failedRecordFile, failedReportFile]
        stale += ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("events.out.tfevents.") }
        for name in Set(stale) where !names.contains(name) && !name.contains("/") {
            try? manager.removeItem(at: folder.appendingPathComponent(name))
        }
        return folder.appendingPathComponent(reportFile)
    }

    /// Keeps a failed run's record and partial report beside the last good run, under other names.
    static func setAside(_ staging: URL, into folder: URL) throws -> URL {
        try replace(folder.appendingPathComponent(failedRecordFile), with: staging.appendingPathComponent(recordFile))
        try replace(folder.appendingPathComponent(failedReportFile), with: staging.appendingPathComponent(reportFile))
        return folder.appendingPathComponent(failedReportFile)
    }

    /// `rename(2)`: atomic, and replaces `target` if it exists (both are in the run folder).
    private static func replace(_ target: URL, with source: URL) throws {
        guard rename(source.path, target.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path,
                                                           NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
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
