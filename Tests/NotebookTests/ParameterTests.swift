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
        XCTAssertThrowsError(try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md", overrides: ["steps=2.5"])) {
            XCTAssertEqual("\($0)", "-p steps=2.5: 'steps' is an integer, and '2.5' is not; to give it fractions, "
                           + "write its default as 20.0 in the front matter")
        }
        XCTAssertThrowsError(try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md", overrides: ["step=3"])) {
            XCTAssertEqual("\($0)", "-p step: the notebook has no parameter 'step'; did you mean 'steps'?")
        }
        XCTAssertThrowsError(try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md", overrides: ["novalue"]))
    }

    func testReferencesInsideTextAreSplicedAsText() {
        var substitution = ParameterSubstitution(parameters: ["name": .string("run"), "steps": .int(20)])
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

    /// A spiral of `points` per arm (3 arms), a hidden layer of `hidden_units` and batches of 90.
    let tunable = "---\nparams:\n  hidden_units: 16\n  points: 100\n  steps: 10\n---\n"
        + block("data", "dataset: spiral\npoints: ${points}")
        + block("network", "layers:\n  - dense: ${hidden_units}\n  - dense: 3")
        + block("train", "steps: ${steps}\nbatch_size: 90")

    func overrideError(_ text: String, _ overrides: [String]) -> String? {
        do {
            _ = try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md", overrides: overrides, memoryLimit: 16 << 30)
            return nil
        } catch let error as ParameterOverrideError {
            return error.description
        } catch {
            return "not an override error: \(error)"
        }
    }

    /// A value of the right type that a directive refuses is the command line's fault, not the notebook's.
    func testOverriddenValueThatFailsValidationBlamesTheFlag() {
        XCTAssertEqual(overrideError(tunable, ["hidden_units=-3"]),
                       "-p hidden_units=-3: 'dense' is -3, but must be between 1 and 1000000 (at nb.md:13:12)")
        XCTAssertEqual(overrideError(tunable, ["steps=5", "hidden_units=0", "steps=0"]), """
            -p hidden_units=0: 'dense' is 0, but must be between 1 and 1000000 (at nb.md:13:12)
            -p steps=0: 'steps' is 0, but must be between 1 and 100000000 (at nb.md:17:8)
            """)
        // A refusal found between blocks names the override that led to it.
        XCTAssertEqual(overrideError(tunable, ["points=10", "steps=3"]),
                       "-p points=10: 'batch_size' is 90, but there are only 30 training examples (at nb.md:18:13)")
        XCTAssertNil(overrideError(tunable, ["points=40", "hidden_units=4"]))
    }

    /// The notebook's own bad default stays a notebook error at its line, with or without overrides.
    func testBadDefaultStaysANotebookError() {
        let broken = tunable.replacingOccurrences(of: "hidden_units: 16", with: "hidden_units: -3")
        for overrides in [[], ["steps=3"], ["hidden_units=-3"]] {
            let (plan, diagnostics) = validate(broken, overrides: overrides)
            XCTAssertNil(plan)
            XCTAssertEqual(diagnostics.map(\.description),
                           ["nb.md:13:12: error: 'dense' is -3, but must be between 1 and 1000000"], "\(overrides)")
        }
        // An override that repairs the default is simply used.
        XCTAssertEqual(validate(broken, overrides: ["hidden_units=5"]).1, [])
        // The notebook's own problems are not the flags' even when an override is also refused.
        let alsoBroken = tunable.replacingOccurrences(of: "batch_size: 90", with: "batch_size: 0")
        XCTAssertEqual(overrideError(alsoBroken, ["hidden_units=-3"]),
                       "-p hidden_units=-3: 'dense' is -3, but must be between 1 and 1000000 (at nb.md:13:12)")
    }
}

