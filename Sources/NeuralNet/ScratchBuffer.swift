/// A fixed-size, manually allocated scalar buffer for scratch space reused across training steps.
///
/// Unlike an array inside another array, two of these can be read and written at the same time
/// without tripping Swift's exclusivity checks, and they never copy on write.
final class ScratchBuffer<Scalar>: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Scalar>

    init(count: Int, repeating value: Scalar) {
        self.count = count
        // Cache-line aligned, so that vector stores and BLAS reads of a row never straddle two lines.
        let capacity = max(count, 1)
        pointer = UnsafeMutableRawPointer.allocate(
            byteCount: capacity * MemoryLayout<Scalar>.stride, alignment: max(64, MemoryLayout<Scalar>.alignment)
        ).bindMemory(to: Scalar.self, capacity: capacity)
        pointer.initialize(repeating: value, count: capacity)
    }

    deinit {
        pointer.deallocate()
    }
}
