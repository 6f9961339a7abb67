import ArgumentParser
import Foundation
import Notebook

/// `labbook report`: re-render a run's report from what the run recorded, without training.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Re-render a run folder's report.html from its run.json and notebook.md, without running anything.")

    @Argument(help: "The run folder.")
    var runFolder: String

    @Option(help: "A Mustache template to render with, instead of LabBook's.")
    var template: String?

    func run() throws {
        let folder = URL(fileURLWithPath: runFolder)
        let recordURL = folder.appendingPathComponent(RunFolder.recordFile)
        let record: RunRecord
        do {
            record = try RunRecordFile.read(from: recordURL)
        } catch {
            throw fail(PlainErrorText.of(error))
        }
        let notebookPath = folder.appendingPathComponent(RunFolder.notebookCopy).path
        guard let notebookText = try? String(contentsOfFile: notebookPath, encoding: .utf8) else {
            throw fail("\(notebookPath): cannot read the notebook copy")
        }
        do {
            try RunFolder.writeReport(record: record, notebookText: notebookText, folder: folder,
                                      template: try RunFolder.readTemplate(template))
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail("cannot write the report: \(PlainErrorText.of(error))")
        }
        print("Report: \(folder.appendingPathComponent(RunFolder.reportFile).path)")
    }
}
