import Foundation
import NeuralNet
import XCTest
@testable import Notebook

/// Seeded mutations of the shipped notebooks: every input must end in a plan or in located
/// diagnostics, never a crash or a hang.
final class NotebookFuzzTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let fragments: [[UInt8]] = [
        "${", "}", "```", "```{train}\n", "\n---\n", ":", "- ", "[", "{", "&a", "*a", "!!binary", "\t", "\0",
        "dense: 99999999999999999999", "steps: -1", "\u{FEFF}", "é", "\r\n", "  ", "\n", "#", "<script>",
    ].map { Array($0.utf8) } + [[0xff], [0xc3], [0xe2, 0x82]]

    func mutate(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        var result = bytes
        for _ in 0...generator.nextInt(below: 4) {
            guard !result.isEmpty else { break }
            let position = generator.nextInt(below: result.count)
            switch generator.nextInt(below: 6) {
            case 0: result[position] = UInt8(truncatingIfNeeded: generator.next())
            case 1: result.insert(contentsOf: Self.fragments[generator.nextInt(below: Self.fragments.count)], at: position)
            case 2: result.removeSubrange(position..<min(result.count, position + generator.nextInt(below: 40)))
            case 3: result = Array(result[..<position])
            case 4:
                let end = min(result.count, position + generator.nextInt(below: 200))
                result.insert(contentsOf: result[position..<end], at: end)
            default: result.swapAt(position, generator.nextInt(below: result.count))
            }
        }
        return result
    }

    func testMutatedNotebooksNeverCrash() throws {
        let seeds = try ["quickstart.md", "cifar10-two-layer-fc.md", "fashion-mnist-fc.md"].map {
            try [UInt8](Data(contentsOf: Self.root.appendingPathComponent("notebooks/\($0)")))
        }
        var generator = SeededGenerator(seed: 2026)
        let iterations = Int(ProcessInfo.processInfo.environment["LABBOOK_FUZZ_ITERATIONS"] ?? "") ?? 1500
        var planned = 0, rejected = 0
        for _ in 0..<iterations {
            let input = mutate(seeds[generator.nextInt(below: seeds.count)], &generator)
            do {
                _ = try NotebookPlan.make(bytes: input, path: "fuzz.md")
                planned += 1
            } catch let diagnostics as Diagnostics {
                XCTAssertFalse(diagnostics.all.isEmpty)
                for diagnostic in diagnostics.all {
                    XCTAssertEqual(diagnostic.location.file, "fuzz.md")
                    XCTAssertGreaterThanOrEqual(diagnostic.location.line, 1)
                }
                rejected += 1
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the validator.
        XCTAssertGreaterThan(planned, iterations / 20)
        XCTAssertGreaterThan(rejected, iterations / 4)
    }
}
