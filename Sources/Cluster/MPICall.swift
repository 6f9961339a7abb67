import CMPI

/// Calls one of CMPI's functions, which write their reason into a message buffer: the buffer lives
/// on the stack, so the calls a training step makes allocate nothing.
@inline(__always)
func mpiCall(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws(MPIError) {
    let failure = withUnsafeTemporaryAllocation(of: CChar.self, capacity: messageCapacity) { buffer -> String? in
        let message = buffer.baseAddress!
        message[0] = 0
        guard body(message, messageCapacity) != 0 else { return nil }
        return String(cString: message)
    }
    if let failure { throw MPIError(failure) }
}

/// Room for MPI's own error strings (at most 256 bytes in Open MPI) and the call that failed.
private let messageCapacity = 512
