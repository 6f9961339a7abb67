import CMPI
import Foundation
import NeuralNet

/// MPI_COMM_WORLD: every rank `mpirun` or `srun` started, as the `RankGroup` LabBook's collectives
/// run on. Open MPI's library is loaded when the world starts, so that LabBook outside MPI needs
/// none; there is one world per process, and its calls must all come from the thread that started it
/// (MPI_THREAD_FUNNELED).
public final class MPIWorld: RankGroup, CustomStringConvertible {
    public let rank: Int
    public let size: Int

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// Whether a launcher started this process (and LABBOOK_MPI is not 0), without loading MPI.
    public static var isLaunched: Bool { labbook_mpi_launched(nil) != 0 }

    /// Joins the job when a launcher started this process: nil outside MPI, else the world, once
    /// MPI_Init has connected this rank to the others. Throws when launched but Open MPI's library
    /// cannot be loaded or initialized.
    public static func startIfLaunched() throws(MPIError) -> MPIWorld? {
        guard isLaunched else { return nil }
        try mpiCall { labbook_mpi_init($0, $1) }
        var rank: Int32 = 0
        var size: Int32 = 0
        try mpiCall { labbook_mpi_rank(&rank, $0, $1) }
        try mpiCall { labbook_mpi_size(&size, $0, $1) }
        return MPIWorld(rank: Int(rank), size: Int(size))
    }

    /// "rank 1 of 4", for messages.
    public var description: String { "rank \(rank) of \(size)" }

    public func barrier() throws(MPIError) {
        try mpiCall { labbook_mpi_barrier($0, $1) }
    }

    /// MPI_Finalize, once every call of this rank is done. Every rank must finish, or the launcher
    /// takes the job for failed.
    public func finish() throws(MPIError) {
        try mpiCall { labbook_mpi_finalize($0, $1) }
    }

    /// Ends every rank of the job, this one with `code`: for a rank that cannot go on while the
    /// others would wait for it forever.
    public func abort(code: Int32) -> Never {
        labbook_mpi_abort(code)
    }

    public func allGather(_ send: UnsafeRawBufferPointer, into receive: UnsafeMutableRawBufferPointer, counts: [Int]) {
        precondition(counts.count == size && counts[rank] == send.count, "allGather: one count per rank, this rank's the size of its block")
        withCountsAndDisplacements(counts, call: "MPI_Allgatherv") { counts, displacements, total in
            precondition(receive.count >= total, "allGather: the receive buffer holds \(receive.count) bytes of \(total)")
            callOrAbort {
                labbook_mpi_allgatherv(send.baseAddress, Int32(send.count), receive.baseAddress, counts, displacements, $0, $1)
            }
        }
    }

    public func allToAll(_ send: UnsafeRawBufferPointer, sendCounts: [Int],
                         into receive: UnsafeMutableRawBufferPointer, receiveCounts: [Int]) {
        precondition(sendCounts.count == size && receiveCounts.count == size, "allToAll: one count per rank")
        withCountsAndDisplacements(sendCounts, call: "MPI_Alltoallv") { sendCounts, sendDisplacements, sendTotal in
            precondition(send.count >= sendTotal, "allToAll: the send buffer holds \(send.count) bytes of \(sendTotal)")
            withCountsAndDisplacements(receiveCounts, call: "MPI_Alltoallv") { receiveCounts, receiveDisplacements, receiveTotal in
                precondition(receive.count >= receiveTotal, "allToAll: the receive buffer holds \(receive.count) bytes of \(receiveTotal)")
                callOrAbort {
                    labbook_mpi_alltoallv(send.baseAddress, sendCounts, sendDisplacements, receive.baseAddress,
                                          receiveCounts, receiveDisplacements, $0, $1)
                }
            }
        }
    }

    /// MPI's counts and displacements are C ints: `counts` and their running sums, converted on the
    /// stack (these calls run every training step), with their total in bytes.
    private func withCountsAndDisplacements(_ counts: [Int], call: StaticString,
                                            _ body: (UnsafePointer<Int32>, UnsafePointer<Int32>, Int) -> Void) {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * counts.count) { scratch in
            let base = scratch.baseAddress!
            var offset = 0
            for (index, count) in counts.enumerated() {
                precondition(count >= 0 && count <= Int(Int32.max),
                             "\(call) takes int counts: a block of \(count) bytes is more than \(Int32.max); send it in parts")
                precondition(offset <= Int(Int32.max),
                             "\(call) takes int displacements: blocks before rank \(index) total \(offset) bytes, more than \(Int32.max)")
                base[index] = Int32(count)
                base[counts.count + index] = Int32(offset)
                offset += count
            }
            body(base, base + counts.count, offset)
        }
    }

    /// A collective that failed leaves the ranks out of step, and RankGroup's callers cannot recover:
    /// the reason is printed and the whole job ended, rather than leaving the other ranks waiting.
    private func callOrAbort(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) {
        do {
            try mpiCall(body)
        } catch {
            FileHandle.standardError.write(Data("labbook (\(description)): error: \(error.description); ending the MPI job\n".utf8))
            abort(code: 1)
        }
    }
}
