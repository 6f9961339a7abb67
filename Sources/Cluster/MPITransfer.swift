import CMPI

/// One message on its way between two ranks, sent or received in the background (MPI_Isend,
/// MPI_Irecv) while this rank gets on with its work: a rank polls its transfers, and is never
/// caught waiting inside MPI for a peer that may have died, where no signal could reach it.
///
/// The bytes live here, where MPI reads or writes them until the transfer is complete. A transfer
/// dropped before then leaks them on purpose: MPI may still be using them.
public final class MPITransfer {
    /// The other rank.
    public let peer: Int
    public let tag: Int
    private let buffer: UnsafeMutableRawBufferPointer
    private let count: Int
    private var request: labbook_mpi_request?
    /// Started and not yet complete: MPI owns the buffer.
    private var inFlight = false
    public private(set) var isComplete = false

    fileprivate init(peer: Int, tag: Int, count: Int) {
        precondition(count <= Int(Int32.max), "an MPI message holds at most \(Int32.max) bytes, not \(count)")
        self.peer = peer
        self.tag = tag
        buffer = .allocate(byteCount: max(count, 1), alignment: 8)
        self.count = count
    }

    /// What a complete receive brought (for a send, what was sent).
    public var bytes: [UInt8] {
        precondition(isComplete, "a transfer's bytes are read once it is complete")
        return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }

    deinit {
        if !inFlight { buffer.deallocate() }
    }

    /// Moves the transfer along (MPI_Test) and says whether it is complete.
    public func poll() throws(MPIError) -> Bool {
        guard !isComplete else { return true }
        var done: Int32 = 0
        try mpiCall { labbook_mpi_test(&request, &done, $0, $1) }
        isComplete = done != 0
        inFlight = !isComplete
        return isComplete
    }

    fileprivate func startSend() throws(MPIError) {
        try mpiCall { labbook_mpi_isend(buffer.baseAddress, Int32(count), Int32(peer), Int32(tag), &request, $0, $1) }
        inFlight = true
    }

    fileprivate func startReceive() throws(MPIError) {
        try mpiCall { labbook_mpi_irecv(buffer.baseAddress, Int32(count), Int32(peer), Int32(tag), &request, $0, $1) }
        inFlight = true
    }

    fileprivate func copy(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
    }
}

extension MPIWorld {
    /// Starts sending `bytes` to rank `destination` under `tag`; poll the transfer until it is complete.
    public func startSend(_ bytes: [UInt8], to destination: Int, tag: Int) throws(MPIError) -> MPITransfer {
        let transfer = MPITransfer(peer: destination, tag: tag, count: bytes.count)
        transfer.copy(bytes)
        try transfer.startSend()
        return transfer
    }

    /// Starts receiving the next message under `tag` that has reached this rank from any other, or
    /// returns nil when none has (MPI_Iprobe: this never waits).
    public func startReceive(tag: Int) throws(MPIError) -> MPITransfer? {
        var arrived: Int32 = 0
        var source: Int32 = 0
        var count: Int32 = 0
        try mpiCall { labbook_mpi_probe(Int32(tag), &arrived, &source, &count, $0, $1) }
        guard arrived != 0 else { return nil }
        let transfer = MPITransfer(peer: Int(source), tag: tag, count: Int(count))
        try transfer.startReceive()
        return transfer
    }
}
