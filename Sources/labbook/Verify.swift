import ArgumentParser
import Foundation
import Notebook

/// `labbook verify`: re-run a recorded run and prove it bit-identical.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-execute a run folder's notebook with its recorded parameters and compare every checkpoint and metric.")

    @Argument(help: "The run folder (holding run.json and notebook.md).")
    var runFolder: String

    func run() throws {
        let folder = URL(fileURLWithPath: runFolder)
        let verifier: RunVerifier
        do {
            verifier = try RunVerifier(runFolder: folder)
        } catch {
            throw fail(PlainErrorText.of(error))
        }
        let notebookPath = folder.appendingPathComponent(RunFolder.notebookCopy).path
        guard let notebookText = try? String(contentsOfFile: notebookPath, encoding: .utf8) else {
            throw fail("\(notebookPath): cannot read the notebook copy")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-verify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outcome: RunVerifier.Outcome
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            outcome = try verifier.verify(scratch: scratch, notebookText: notebookText)
        } catch let diagnostics as Diagnostics {
            printError(diagnostics.description)
            throw ExitCode(1)
        } catch {
            throw fail("cannot re-run \(runFolder): \(PlainErrorText.of(error))")
        }
        for note in outcome.environmentNotes { print("note: \(note)") }
        if outcome.isBitIdentical {
            print("\(runFolder): bit-identical: \(outcome.checkpointsCompared) checkpoint(s) and "
                  + "\(outcome.blocksCompared) blocks' metrics match (re-ran in \(String(format: "%.2f", outcome.seconds)) s)")
            return
        }
        print("\(runFolder): the re-run differs in \(outcome.differences.count) place(s):")
        let width = min(40, outcome.differences.map(\.what.count).max() ?? 0)
        for difference in outcome.differences {
            print("  " + difference.what.padding(toLength: max(width, difference.what.count), withPad: " ", startingAt: 0)
                  + "  " + difference.detail)
        }
        throw ExitCode(1)
    }
}
