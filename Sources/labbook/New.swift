import ArgumentParser
import Foundation
import Notebook
import Templates

/// `labbook new`: start a notebook from the template.
struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a new notebook from LabBook's template.")

    @Argument(help: "The new notebook's name or path; '.md' is added if missing.")
    var name: String

    func run() throws {
        let path = name.hasSuffix(".md") ? name : name + ".md"
        guard !FileManager.default.fileExists(atPath: path) else {
            throw usageError("\(path) already exists; choose another name or remove it first")
        }
        guard let template = Templates.text(named: "notebook.md") else {
            throw fail("the notebook template is missing from this installation")
        }
        let title = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            .replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "_", with: " ")
        let text = template.replacingOccurrences(of: "{{title}}", with: title.prefix(1).uppercased() + title.dropFirst())
            .replacingOccurrences(of: "{{file}}", with: path)
        do {
            // Create the file only if it still does not exist, so a race can not overwrite anything.
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch {
            throw fail("cannot write \(path): \(PlainErrorText.of(error))")
        }
        print("Created \(path); run it with: labbook run \(path)")
    }
}
