import XCTest
@testable import Notebook

final class ParameterTests: XCTestCase {
    let header = "---\nseed: 3\nparams:\n  steps: 20\n  rate: 0.5\n  name: run\n  fast: false\n---\n"

    func trainDirective(_ plan: NotebookPlan?) -> TrainDirective? {
        plan?.blocks.compactMap { if case .train(let t) = $0.directive { t } else { nil } }.first
    }

    func testSubstitutionKeepsTheParameterType() throws {
        let text = header + spiralData + smallNetwork + block("train", "steps: ${steps}\nlearning_rate: ${rate}\nbatch_size: 10")
        let (plan, diagnostics) = validate(text)
        XCTAssertEqual(diagnostics, [])
        let train = try XCTUnwrap(trainDirective(plan))
        XCTAssertEqual(train.steps, 20)
        XCTAssertEqual(train.learningRate, 0.5)
        XCTAssertEqual(plan?.frontMatter.seed, 3)
    }

    func testOverridesAreParsedAsTheDeclaredType() throws {
        let text = header + spiralData + smallNetwork + block("train", "steps: ${steps}\nlearning_rate: ${rate}\nbatch_size: 10")
        let (plan, _) = validate(text, overrides: ["steps=7", "rate=2e-3", "fast=true"])
        XCTAssertEqual(trainDirective(plan)?.steps, 7)
        XCTAssertEqual(trainDirective(plan)?.learningRate, 0.002)
        XCTAssertEqual(plan?.parameters.first { $0.name == "fast" }?.value, .bool(true))

        XCTAssertThrowsError(try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md", overrides: ["steps=lots"])) {
            XCTAssertEqual("\($0)", "-p steps=lots: 'steps' is an integer, and 'lots' is not")
        }
        XCTAssertThrowsError(try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md", overrides: ["step=3"])) {
            XCTAssertEqual("\($0)", "-p step: the notebook has no parameter 'step'; did you mean 'steps'?")
        }
        XCTAssertThrowsError(try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md", overrides: ["novalue"]))
    }

    func testReferencesInsideTextAreSplicedAsText() {
        let substitution = ParameterSubstitution(parameters: ["name": .string("run"), "steps": .int(20)])
        var diagnostics: [Diagnostic] = []
        let at = SourceLocation(file: "nb.md", line: 1, column: 1)
        XCTAssertEqual(substitution.apply(.scalar(.string("ckpt-${name}-${steps}"), at), diagnostics: &diagnostics),
                       .scalar(.string("ckpt-run-20"), at))
        XCTAssertEqual(substitution.apply(.scalar(.string("${steps}"), at), diagnostics: &diagnostics),
                       .scalar(.int(20), at))
        XCTAssertEqual(diagnostics, [])
        _ = substitution.apply(.scalar(.string("a ${nope"), at), diagnostics: &diagnostics)
        XCTAssertEqual(diagnostics.map(\.message), ["unterminated parameter reference in 'a ${nope'"])
    }

    func testFrontMatterErrors() {
        XCTAssertEqual(messages("---\ntitel: x\nseed: -1\nparams:\n  empty:\n---\n"), [
            "nb.md:2:1: error: unknown front matter key 'titel'; did you mean 'title'?",
            "nb.md:3:7: error: 'seed' must be a non-negative integer, not an integer",
            "nb.md:5:9: error: parameter 'empty' needs a default value (a number, text or true/false), not nothing",
        ])
    }

    func testEditDistance() {
        XCTAssertEqual(Spelling.editDistance("steps", "stpes"), 1)
        XCTAssertEqual(Spelling.editDistance("", "abc"), 3)
        XCTAssertEqual(Spelling.editDistance("kitten", "sitting"), 3)
        XCTAssertNil(Spelling.suggestion(for: "zzzzzz", among: ["steps", "batch_size"]))
    }
}
