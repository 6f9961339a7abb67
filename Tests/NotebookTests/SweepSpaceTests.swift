import NeuralNet
import Notebook
import XCTest

final class SweepSpaceTests: XCTestCase {
    func axes(_ texts: String...) throws -> [SweepAxis] {
        try texts.map { text throws(SweepSpaceError) in try SweepAxis(parsing: text) }
    }

    func testGridIsTheCrossProductRepeatedOverSeeds() throws {
        let trials = try SweepSpace.trials(axes: axes("hidden1=64,128,256", "learning_rate=0.1,0.3"), randomTrials: nil,
                                           seeds: 2, notebookSeed: 5)
        XCTAssertEqual(trials.count, 12)
        XCTAssertEqual(Set(trials.map(\.id)).count, 12, "every trial has its own folder")
        XCTAssertEqual(trials[0].overrides, ["hidden1=64", "learning_rate=0.1"])
        XCTAssertEqual(trials[0].id, "hidden1-64_learning_rate-0.1_seed-5")
        XCTAssertEqual(trials[1].seed, 6)
        XCTAssertEqual(Set(trials.map { $0.parameters["hidden1"]! }), ["64", "128", "256"])
        XCTAssertEqual(Set(trials.map(\.seed)), [5, 6])
    }

    func testRandomSearchDrawsWithinBoundsAndRepeatsForTheSameSeed() throws {
        let space = try axes("learning_rate=log-uniform(1e-4,1e-1)", "hidden1=int-uniform(64,512)", "momentum=uniform(0.5,0.9)",
                             "activation=relu,tanh")
        let trials = try SweepSpace.trials(axes: space, randomTrials: 40, seeds: 1, notebookSeed: 1)
        XCTAssertEqual(trials.count, 40)
        for trial in trials {
            let rate = try XCTUnwrap(Double(trial.parameters["learning_rate"]!))
            XCTAssert((1e-4...1e-1).contains(rate), "\(rate)")
            let hidden = try XCTUnwrap(Int(trial.parameters["hidden1"]!))
            XCTAssert((64...512).contains(hidden), "\(hidden)")
            XCTAssert((0.5...0.9).contains(try XCTUnwrap(Double(trial.parameters["momentum"]!))))
            XCTAssert(["relu", "tanh"].contains(trial.parameters["activation"]!))
        }
        // Log-uniform: about a third of the draws in each decade, not nine tenths in the last.
        let lowDecade = trials.filter { Double($0.parameters["learning_rate"]!)! < 1e-3 }.count
        XCTAssertGreaterThan(lowDecade, 5)
        XCTAssertEqual(try SweepSpace.trials(axes: space, randomTrials: 40, seeds: 1, notebookSeed: 1), trials)
        XCTAssertNotEqual(try SweepSpace.trials(axes: space, randomTrials: 40, seeds: 1, notebookSeed: 2), trials)
    }

    func testMistakesAreRefusedWithTheAxisNamed() throws {
        func refusal(_ texts: [String], trials: Int? = nil, seeds: Int = 1, maximum: Int = 1000) -> String? {
            do {
                let space = try texts.map { text throws(SweepSpaceError) in try SweepAxis(parsing: text) }
                _ = try SweepSpace.trials(axes: space, randomTrials: trials, seeds: seeds, notebookSeed: 0, maximumTrials: maximum)
                return nil
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(refusal(["lr"]), "-p expects NAME=V1,V2,... or NAME=uniform(A,B), got 'lr'")
        XCTAssertEqual(refusal(["lr=0.1,,0.2"]), "-p lr=0.1,,0.2: a value in the list is empty")
        XCTAssertEqual(refusal(["lr=log-uniform(0,1)"], trials: 2), "-p lr=log-uniform(0,1): log-uniform needs bounds above 0")
        XCTAssertEqual(refusal(["lr=uniform(1,0)"], trials: 2),
                       "-p lr=uniform(1,0): uniform needs two finite numbers, the first not above the second")
        XCTAssertEqual(refusal(["n=int-uniform(1.5,3)"], trials: 2),
                       "-p n=int-uniform(1.5,3): int-uniform needs two integers, the first not above the second")
        XCTAssertEqual(refusal(["lr=uniform(0,1"], trials: 2), "-p lr=uniform(0,1: 'uniform(' has no closing ')'")
        XCTAssertEqual(refusal(["lr=uniform(0,1)"]), "-p lr is a distribution, which random search draws from: give --trials N")
        XCTAssertEqual(refusal(["a=1,2", "a=3"]), "-p a is given twice")
        XCTAssertEqual(refusal([]), "a sweep needs at least one axis: -p NAME=V1,V2,..., or the front matter's sweep:")
        XCTAssertEqual(refusal(["a=1,2,3", "b=1,2,3,4"], maximum: 11),
                       "the sweep has more than 11 trials; pass --max-trials N to run that many")
        XCTAssertNil(refusal(["a=1,2,3", "b=1,2,3,4"], maximum: 12))
        XCTAssertEqual(refusal(["a=1,2"], seeds: 0), "--seeds must be at least 1")
        XCTAssertEqual(refusal(["a=1,2"], trials: 0), "--trials must be at least 1")
    }

    func testIdsOfUnsafeOrLongValuesAreHashes() throws {
        let unsafe = try SweepSpace.trials(axes: axes("name=../x,a b"), randomTrials: nil, seeds: 1, notebookSeed: 0)
        XCTAssertEqual(unsafe.map { $0.id.hasPrefix("trial-") }, [true, true])
        XCTAssertNotEqual(unsafe[0].id, unsafe[1].id)
        let long = try SweepSpace.trials(axes: axes("name=" + String(repeating: "x", count: 120)), randomTrials: nil,
                                         seeds: 1, notebookSeed: 0)
        XCTAssert(long[0].id.hasPrefix("trial-"))
    }
}
