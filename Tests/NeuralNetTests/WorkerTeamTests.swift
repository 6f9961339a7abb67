import Foundation
import XCTest
@testable import NeuralNet

final class WorkerTeamTests: XCTestCase {
    /// Thread identity and call counts recorded by parts running at once, each in its own slot.
    private final class Record: @unchecked Sendable {
        var calls: [Int]
        var onCaller: [Bool]
        init(parts: Int) {
            calls = Array(repeating: 0, count: parts)
            onCaller = Array(repeating: false, count: parts)
        }
    }

    func testEveryPartRunsOncePerJobAndPartZeroOnTheCaller() {
        for parts in [1, 2, 3] {
            let team = WorkerTeam(parts: parts)
            let record = Record(parts: parts)
            let jobs = 3000
            for _ in 0..<jobs {
                let caller = Thread.current
                record.calls.withUnsafeMutableBufferPointer { calls in
                    let calls = UncheckedCounts(calls.baseAddress!)
                    team.run { part in
                        calls.pointer[part] += 1
                        if part == 0 { record.onCaller[0] = Thread.current == caller }
                    }
                }
            }
            XCTAssertEqual(record.calls, Array(repeating: jobs, count: parts), "\(parts) parts")
            XCTAssertTrue(record.onCaller[0])
        }
    }

    func testWorkersThatFellAsleepWakeForTheNextJob() {
        let team = WorkerTeam(parts: 2)
        for pause in [0.0, 0.03, 0.0, 0.03] {
            Thread.sleep(forTimeInterval: pause)  // longer than the workers spin before they sleep
            let done = UncheckedCounts(.allocate(capacity: 2))
            done.pointer.initialize(repeating: 0, count: 2)
            team.run { done.pointer[$0] = 1 }
            XCTAssertEqual([done.pointer[0], done.pointer[1]], [1, 1], "after a pause of \(pause) s")
            done.pointer.deallocate()
        }
    }

    func testATeamsThreadsEndWithIt() throws {
        var live: WorkerTeam.LiveThreadCount?
        do {
            let team = WorkerTeam(parts: 3)
            live = team.liveWorkers
            team.run { _ in }
            XCTAssertEqual(team.liveWorkers.current, 2)
        }
        let deadline = Date().addingTimeInterval(10)
        while live!.current > 0 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertEqual(live!.current, 0, "the workers must exit with their team")
    }
}

private struct UncheckedCounts: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int>
    init(_ pointer: UnsafeMutablePointer<Int>) { self.pointer = pointer }
}
