import COpenBLAS
import Foundation

/// Matrix products through OpenBLAS's `cblas_sgemm` on row-major storage.
public enum MatrixProduct {
    /// `C = alpha · op(A) · op(B) + beta · C`, where `op` transposes when asked. `A` is stored as
    /// `rowsA × columnsA` and `B` as `rowsB × columnsB`, both row-major; `C` is
    /// `op(A).rows × op(B).columns`, dense. `A`'s rows are `strideA` floats apart (by default
    /// `columnsA`: dense), so `A` can be a block of columns of a wider matrix. With `beta == 0`,
    /// C's old contents are ignored (BLAS semantics).
    @inlinable
    public static func multiply(
        _ a: UnsafePointer<Float>, transposeA: Bool, rowsA: Int, columnsA: Int, strideA: Int? = nil,
        _ b: UnsafePointer<Float>, transposeB: Bool, rowsB: Int, columnsB: Int,
        into c: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0
    ) {
        let m = transposeA ? columnsA : rowsA
        let k = transposeA ? rowsA : columnsA
        let n = transposeB ? rowsB : columnsB
        precondition(k == (transposeB ? columnsB : rowsB), "matrix product: inner dimensions differ")
        guard m > 0, n > 0, k > 0 else {
            if m > 0 && n > 0 {
                for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(strideA ?? columnsA), b, blasint(columnsB),
            beta, c, blasint(n))
    }
}

/// What the linked BLAS library is and how it runs.
public enum BLASInfo {
    /// The kernel family OpenBLAS chose for this CPU, such as "Haswell" or "SkylakeX".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The threads OpenBLAS runs one product on right now.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// The library's build description, such as "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64".
    public static var configuration: String {
        guard let text = openblas_get_config() else { return "OpenBLAS" }
        return String(cString: text).trimmingCharacters(in: .whitespaces)
    }

    /// The threads a product may use when it has the machine to itself: OpenBLAS's own choice at
    /// start-up (from `OPENBLAS_NUM_THREADS` or the core count) unless `setThreadCount` changed it.
    public static var preferredThreadCount: Int { preference.count }

    /// Sets the threads products use from now on, when they have the machine to themselves.
    public static func setThreadCount(_ count: Int) {
        preference.set(count)
        openblas_set_num_threads(Int32(count))
    }

    /// Runs the following products on their calling thread only, for code that calls BLAS from
    /// several threads at once. It stays so until `usePreferredThreads`: changing OpenBLAS's thread
    /// count wakes or parks its workers, which costs about a third of a millisecond, so a training
    /// loop must not switch back and forth at every step.
    public static func useSingleThread() {
        _ = preference.count  // read the start-up count before changing it
        if threadCount != 1 { openblas_set_num_threads(1) }
    }

    /// Lets the following products use the preferred thread count again.
    public static func usePreferredThreads() {
        let preferred = preference.count
        if threadCount != preferred { openblas_set_num_threads(Int32(preferred)) }
    }

    /// The preferred thread count, read from OpenBLAS the first time it is needed.
    private static let preference = ThreadPreference()

    private final class ThreadPreference: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Int?

        var count: Int {
            lock.withLock {
                if let value { return value }
                let current = Int(openblas_get_num_threads())
                value = current
                return current
            }
        }

        func set(_ count: Int) { lock.withLock { value = count } }
    }
}
