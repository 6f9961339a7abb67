import XCTest
@testable import Notebook

/// Every kind of notebook error, with its message and position.
final class ValidationTests: XCTestCase {
    func testValidNotebookBuildsAPlan() throws {
        let (plan, diagnostics) = validate(spiralData + smallNetwork + block("train", "steps: 5\nbatch_size: 10") + block("evaluate", ""))
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(plan?.blocks.map(\.directive.kind), [.data, .network, .train, .evaluate])
    }

    func testUnknownDirectiveSuggestsTheClosestName() {
        XCTAssertEqual(messages(block("trian", "steps: 5")),
                       ["nb.md:1:4: error: unknown directive '{trian}'; did you mean '{train}'?"])
    }

    func testUnknownKeyAndMisspeltValueSuggestCorrections() {
        let text = spiralData + smallNetwork + block("train", "stpes: 5\noptimizer: adma")
        XCTAssertEqual(messages(text), [
            "nb.md:10:4: error: {train} needs 'steps'",
            "nb.md:11:1: error: unknown key 'stpes' in {train}; did you mean 'steps'?",
            "nb.md:12:12: error: 'adma' is not a valid 'optimizer' (choose from sgd, momentum, adam); did you mean 'adam'?",
        ])
    }

    func testScheduleIsParsedAndAMisspeltOneIsLocated() {
        let cosine = spiralData + smallNetwork + block("train", "steps: 5\nschedule: cosine")
        guard case .train(let train)? = validate(cosine).0?.blocks.last?.directive else {
            return XCTFail("the notebook should plan a {train} block")
        }
        XCTAssertEqual(train.schedule, .cosine)
        XCTAssertEqual(messages(spiralData + smallNetwork + block("train", "steps: 5\nschedule: cosin")), [
            "nb.md:12:11: error: 'cosin' is not a valid 'schedule' (choose from constant, cosine); did you mean 'cosine'?",
        ])
    }

    func testWrongTypesAndOutOfRangeValues() {
        let text = spiralData + smallNetwork + block("train", "steps: many\nbatch_size: 0\nlearning_rate: -1")
        XCTAssertEqual(messages(text), [
            "nb.md:11:8: error: 'steps' must be an integer, not a string ('many')",
            "nb.md:12:13: error: 'batch_size' is 0, but must be between 1 and 1000000",
            "nb.md:13:16: error: 'learning_rate' is -1.0, but must be above 0.0 and at most 1000000.0",
        ])
    }

    func testLayerTooLargeIsCaughtBeforeAnyAllocation() {
        let cifar = block("data", "dataset: cifar10\npath: data")
        let huge = block("network", "layers:\n  - dense: 900000\n  - dense: 10")
        XCTAssertEqual(messages(cifar + huge, memoryLimit: 24 << 30),
                       ["nb.md:5:4: error: this network needs about 48 GiB to train, more than this machine's 24 GiB allow"])
        let absurd = block("network", "layers:\n  - dense: 5000000000\n  - dense: 10")
        XCTAssertEqual(messages(cifar + absurd),
                       ["nb.md:7:12: error: 'dense' is 5000000000, but must be between 1 and 1000000"])
    }

    func testUndeclaredParameterSuggestsADeclaredOne() {
        let text = "---\nparams:\n  steps: 5\n---\n" + spiralData + smallNetwork + block("train", "steps: ${stpes}")
        XCTAssertEqual(messages(text), ["nb.md:15:8: error: undeclared parameter 'stpes'; did you mean 'steps'?"])
    }

    func testMalformedYAMLIsLocatedInTheNotebook() {
        XCTAssertEqual(messages("---\ntitle: [unclosed\n---\n"),
                       ["nb.md:3:1: error: malformed YAML: did not find expected ',' or ']' while parsing a flow sequence"])
        let body = spiralData + block("network", "layers:\n  - dense: 8\n - dense: 3")
        XCTAssertEqual(messages(body).count, 1)
        XCTAssert(messages(body)[0].hasPrefix("nb.md:8:2: error: malformed YAML:"), messages(body)[0])
    }

    func testDirectivesNeedWhatComesBeforeThem() {
        XCTAssertEqual(messages(smallNetwork + block("train", "steps: 5")), [
            "nb.md:1:4: error: {network} needs a {data} block before it",
            "nb.md:6:4: error: {train} needs a {data} block before it",
        ])
        XCTAssertEqual(messages(spiralData + block("evaluate", "")),
                       ["nb.md:5:4: error: {evaluate} needs a {network} block before it"])
    }

    func testNotUTF8() {
        let bytes: [UInt8] = [0x23, 0x20, 0xc3, 0x28]
        XCTAssertThrowsError(try NotebookPlan.make(bytes: bytes, path: "nb.md")) { error in
            XCTAssertEqual("\(error)", "nb.md:1:3: error: the notebook is not UTF-8 text")
        }
    }

    func testOutputLayerMustMatchTheClasses() {
        let text = spiralData + block("network", "layers:\n  - dense: 8\n  - dense: 10")
        XCTAssertEqual(messages(text), [
            "nb.md:8:5: error: the last layer has 10 units, but spiral (line 1) has 3 classes: the output layer needs one unit per class",
        ])
    }

    func testCheckpointNamesStayInsideTheRunFolder() {
        let text = spiralData + smallNetwork + block("checkpoint", "name: ../../etc/passwd")
        XCTAssertEqual(messages(text), ["nb.md:11:7: error: checkpoint name '../../etc/passwd' must be a plain file name "
                                        + "(no folders, no '..'): checkpoints are written inside the run folder"])
    }

    func testAllErrorsAreReportedAtOnceInOrder() {
        let text = block("dta", "") + spiralData + block("network", "layers: 3\ninit: hee") + block("evaluate", "split: tset")
        let found = messages(text)
        XCTAssertEqual(found.count, 4, found.joined(separator: "\n"))
        XCTAssertEqual(found.map { $0.split(separator: ":")[1] }, ["1", "9", "10", "13"])
    }

    func testEvalEveryNeedsAValidationSplit() {
        let text = spiralData + smallNetwork + block("train", "steps: 5\neval_every: 2")
        XCTAssertEqual(messages(text), ["nb.md:12:13: error: 'eval_every' needs a validation split: add 'validation: N' to the {data} block at line 1"])
    }

    func testInputPathsStayInTheNotebooksFolderUnlessAbsolute() {
        XCTAssertEqual(messages(block("data", "dataset: cifar10\npath: data/../../secrets")), [
            "nb.md:3:7: error: 'data/../../secrets' leaves the notebook's folder; use a path inside it, an absolute path, "
            + "or (for a built-in dataset) leave out 'path' to search $LABBOOK_DATA and ~/.cache/labbook/datasets",
        ])
        XCTAssertEqual(messages(block("data", "dataset: csv\npath: t.csv\nlabel: y\ntest: ../t.csv")), [
            "nb.md:5:7: error: '../t.csv' leaves the notebook's folder; use a path inside it or an absolute path",
        ], "the user's other files are held to the same rule, and reported before the table is read")
        XCTAssertEqual(messages(block("data", "dataset: cifar10\npath: ./data/../cifar")), [])
        XCTAssertEqual(messages(block("data", "dataset: cifar10\npath: /srv/cifar")), [])
        XCTAssertEqual(messages(block("data", "dataset: cifar10\npath: ~/datasets")), [])
        XCTAssertEqual(messages(spiralData + smallNetwork + block("restore", "path: ../model.safetensors")).count, 1)
    }
}
