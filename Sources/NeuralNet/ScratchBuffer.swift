/// A fixed-size, manually allocated scalar buffer for scratch space reused across training steps.
///
/// Unlike an array inside another array, two of these can be read and written at the same time
/// without tripping Swift's exclusivity checks, and they never copy on write.
final class ScratchBuffer<Scalar>: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Scalar>

    init(count: Int, repeating value: Scalar) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
    }

    deinit {
        pointer.deallocate()
    }
}
