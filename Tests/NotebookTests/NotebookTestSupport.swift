import XCTest
@testable import Notebook

/// Validates `text` as `nb.md`, returning the plan or the diagnostics it raised.
func validate(_ text: String, overrides: [String] = [], memoryLimit: UInt64 = 16 << 30) -> (NotebookPlan?, [Diagnostic]) {
    do {
        return (try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md", overrides: overrides,
                                      memoryLimit: memoryLimit), [])
    } catch let diagnostics as Diagnostics {
        return (nil, diagnostics.all)
    } catch {
        XCTFail("unexpected error \(error)")
        return (nil, [])
    }
}

/// The diagnostics of `text` as printed, one per line.
func messages(_ text: String, memoryLimit: UInt64 = 16 << 30) -> [String] {
    validate(text, memoryLimit: memoryLimit).1.map(\.description)
}

/// A fenced directive block.
func block(_ name: String, _ body: String) -> String {
    "```{\(name)}\n\(body)\n```\n"
}

let spiralData = block("data", "dataset: spiral\nclasses: 3")
let smallNetwork = block("network", "layers:\n  - dense: 8\n  - dense: 3")
