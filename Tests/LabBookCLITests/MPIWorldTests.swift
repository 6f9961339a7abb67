import Cluster
import Foundation
import XCTest

/// MPIWorld's collectives and messages between the two ranks of a real Open MPI job: the test runs
/// itself under `mpirun -np 2`, where each rank checks what it received. Skipped where there is no
/// mpirun (`make test` installs Open MPI).
final class MPIWorldTests: XCTestCase {
    func testCollectivesAndMessagesBetweenTwoRanks() throws {
        if let world = try MPIWorld.startIfLaunched() {
            try checkCollectivesAndMessages(in: world)
            return
        }
        guard let mpirun = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
            .map({ URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("no mpirun on the PATH; install Open MPI (Debian: openmpi-bin)")
        }
        // Under `timeout`: ranks out of step would wait for each other forever.
        let result = try LabBookBinary.run(["120", mpirun.path, "--allow-run-as-root", "--oversubscribe", "-np", "2",
                                            CommandLine.arguments[0], "LabBookCLITests.MPIWorldTests/testCollectivesAndMessagesBetweenTwoRanks"],
                                           executable: URL(fileURLWithPath: "/usr/bin/timeout"))
        let output = result.standardOutput + result.standardError
        XCTAssertEqual(result.status, 0, output)
        XCTAssertEqual(output.components(separatedBy: "Executed 1 test, with 0 failures").count - 1, 2 * 2, output)
    }

    private func checkCollectivesAndMessages(in world: MPIWorld) throws {
        XCTAssertEqual(world.size, 2)
        let rank = world.rank
        XCTAssertEqual(world.allGather(Int64(100 + rank)), [100, 101])
        // Blocks of different lengths, one of them empty.
        XCTAssertEqual(world.allGather(bytes: rank == 0 ? [] : [7, 8, 9]), [[], [7, 8, 9]])

        // Rank r sends rank s s + 1 bytes of value 10 r + s, so every block differs in length and content.
        let sendCounts = [1, 2]
        let send = sendCounts.indices.flatMap { peer in [UInt8](repeating: UInt8(10 * rank + peer), count: sendCounts[peer]) }
        let receiveCounts = [rank + 1, rank + 1]
        var receive = [UInt8](repeating: 0, count: receiveCounts.reduce(0, +))
        send.withUnsafeBytes { sent in
            receive.withUnsafeMutableBytes { world.allToAll(sent, sendCounts: sendCounts, into: $0, receiveCounts: receiveCounts) }
        }
        XCTAssertEqual(receive, [UInt8](repeating: UInt8(rank), count: rank + 1) + [UInt8](repeating: UInt8(10 + rank), count: rank + 1))

        // A message larger than Open MPI's eager limits, so that it needs both ranks to poll.
        let message = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        if rank == 1 {
            let transfer = try world.startSend(message, to: 0, tag: 3)
            while try !transfer.poll() { usleep(1000) }
        } else {
            var transfer: MPITransfer?
            while transfer == nil { transfer = try world.startReceive(tag: 3) }
            while try !transfer!.poll() { usleep(1000) }
            XCTAssertEqual(transfer!.peer, 1)
            XCTAssertEqual(transfer!.bytes, message)
        }
        try world.barrier()
        try world.finish()
    }
}
