import XCTest
@testable import Notebook

/// An explicit YAML tag decides a value's type: one the value does not fit, or one LabBook has no type
/// for, is an error at the value, in the front matter, in parameters and in directive bodies alike.
final class YAMLTagTests: XCTestCase {
    func train(_ body: String) -> String {
        spiralData + smallNetwork + block("train", body)
    }

    func testStringTagMakesAStringWhateverTheText() {
        XCTAssertEqual(messages("---\nseed: !!str 5\n---\n"),
                       ["nb.md:2:7: error: 'seed' must be a non-negative integer, not a string"])
        XCTAssertEqual(messages(train("steps: !!str 5")),
                       ["nb.md:11:8: error: 'steps' must be an integer, not a string ('5')"])
        // A parameter declared as text stays text where it is used, as does a tagged reference.
        XCTAssertEqual(messages("---\nparams:\n  steps: !!str 5\n---\n" + train("steps: ${steps}")),
                       ["nb.md:15:8: error: 'steps' must be an integer, not a string ('5')"])
        XCTAssertEqual(messages("---\nparams:\n  steps: 5\n---\n" + train("steps: !!str ${steps}")),
                       ["nb.md:15:8: error: 'steps' must be an integer, not a string ('5')"])
    }

    func testMatchingTagsAreAccepted() throws {
        let text = "---\nseed: !!int 5\nallow_html: !!bool true\nparams:\n  rate: !!float 1\n---\n"
            + train("steps: !!int 12\nlearning_rate: ${rate}\nbatch_size: !<tag:yaml.org,2002:int> 9\nlog_every: ! 5")
        let (plan, diagnostics) = validate(text)
        XCTAssertEqual(diagnostics.map(\.description), ["nb.md:20:12: error: 'log_every' must be an integer, not a string ('5')"])
        XCTAssertNil(plan)
        let (valid, none) = validate(text.replacingOccurrences(of: "log_every: ! 5", with: "log_every: !!int \"5\""))
        XCTAssertEqual(none, [])
        XCTAssertEqual(valid?.frontMatter.seed, 5)
        XCTAssertEqual(valid?.frontMatter.allowHTML, true)
        XCTAssertEqual(valid?.parameters.first?.value, .float(1))
        guard case .train(let train)? = valid?.blocks.last?.directive else { return XCTFail("no {train}") }
        XCTAssertEqual(train.steps, 12)
        XCTAssertEqual(train.batchSize, 9)
        XCTAssertEqual(train.logEvery, 5)
    }

    func testValuesThatDoNotFitTheirTagAreLocated() {
        XCTAssertEqual(messages("---\nseed: !!int abc\n---\n"),
                       ["nb.md:2:7: error: 'abc' is tagged !!int, but is not an integer"])
        XCTAssertEqual(messages("---\nparams:\n  fast: !!bool yes\n---\n"),
                       ["nb.md:3:9: error: 'yes' is tagged !!bool, but is not true or false"])
        XCTAssertEqual(messages(train("steps: !!float 2.5x")),
                       ["nb.md:11:8: error: '2.5x' is tagged !!float, but is not a number"])
        XCTAssertEqual(messages(train("steps: !!null 3")),
                       ["nb.md:11:8: error: '3' is tagged !!null, but is not null"])
        // A number tagged !!float is a number, not an integer.
        XCTAssertEqual(messages(train("steps: !!float 3")),
                       ["nb.md:11:8: error: 'steps' must be an integer, not a number ('3.0')"])
    }

    func testUnknownTagsAreRefusedEverywhere() {
        let refusal = "unsupported tag '!celsius': LabBook knows !!str, !!int, !!float, !!bool, !!null, !!map and !!seq"
        XCTAssertEqual(messages("---\ntitle: !celsius x\n---\n"), ["nb.md:2:8: error: \(refusal)"])
        XCTAssertEqual(messages("---\nparams:\n  t: !celsius 3\n---\n"), ["nb.md:3:6: error: \(refusal)"])
        XCTAssertEqual(messages(train("steps: !celsius 3")), ["nb.md:11:8: error: \(refusal)"])
        XCTAssertEqual(messages(train("steps: !!timestamp 2001-12-14")),
                       ["nb.md:11:8: error: unsupported tag '!!timestamp': LabBook knows !!str, !!int, !!float, "
                        + "!!bool, !!null, !!map and !!seq"])
        XCTAssertEqual(messages(train("!celsius steps: 3")), ["nb.md:11:1: error: \(refusal)"])
    }

    func testCollectionTagsMustFitTheCollection() {
        let layers = "layers:\n  - dense: 8\n  - dense: 3"
        XCTAssertEqual(messages(spiralData + block("network", layers.replacingOccurrences(of: "layers:", with: "layers: !!seq"))), [])
        XCTAssertEqual(messages(spiralData + block("network", "!!map\n" + layers)), [])
        XCTAssertEqual(messages(spiralData + block("network", layers.replacingOccurrences(of: "layers:", with: "layers: !!map"))),
                       ["nb.md:6:9: error: a list can not be tagged !!map"])
        XCTAssertEqual(messages(spiralData + block("network", "layers: !!str [1]")),
                       ["nb.md:6:9: error: a list can not be tagged !!str"])
        XCTAssertEqual(messages(spiralData + block("network", "!!int 3: x")),
                       ["nb.md:6:1: error: mapping keys must be plain names, not an integer tagged !!int"])
    }
}
