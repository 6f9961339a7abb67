import Foundation
import Notebook
import Report

/// Writes a run's outputs into its staging folder: the notebook as executed, `run.json` (listing
/// every other file with its SHA-256) and `report.html`. `OwnedRunFolder` then publishes the folder
/// whole.
enum RunFolder {
    static let notebookCopy = OwnedRunFolder.notebookCopy
    static let recordFile = OwnedRunFolder.recordFile
    static let reportFile = OwnedRunFolder.reportFile

    static func write(record: RunRecord, notebookText: String, to folder: URL, template: String?) throws {
        try Data(notebookText.utf8).write(to: folder.appendingPathComponent(notebookCopy), options: .atomic)
        var record = record
        record.files = try RunFiles.hashes(in: folder, excluding: [recordFile, reportFile])
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

    /// A template file's text, or a usage error naming the file.
    static func readTemplate(_ path: String?) throws -> String? {
        guard let path else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw usageError("--template \(path): " + (exists ? "cannot be read as UTF-8 text" : "no such file"))
        }
        return text
    }
}
