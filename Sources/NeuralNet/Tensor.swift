/// A dense Float32 tensor: a shape and its scalars in one contiguous, row-major array.
///
/// Matrices are rank-2 tensors `[rows, columns]`. Storage is a Swift array, so copies are cheap until one
/// of them is written (copy on write), and `withUnsafeBufferPointer` hands the scalars to BLAS directly.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    public let shape: [Int]
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// A matrix from its rows; every row must have the same length.
    public init(rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "rows of different lengths")
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The number of rows of a matrix (the first dimension).
    public var rows: Int { shape[0] }
    /// The number of columns of a matrix: the product of every dimension after the first.
    public var columns: Int { shape.dropFirst().reduce(1, *) }

    public subscript(row: Int, column: Int) -> Float {
        get { scalars[row * columns + column] }
        set { scalars[row * columns + column] = newValue }
    }

    public var description: String {
        "Tensor(shape: \(shape), scalars: \(scalars.prefix(8))\(scalars.count > 8 ? "..." : ""))"
    }

    /// The matrix product `self · other`, either side optionally transposed (by flag, not by copy).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        let m = transposeSelf ? columns : rows
        let k = transposeSelf ? rows : columns
        let otherK = transposeOther ? other.columns : other.rows
        let n = transposeOther ? other.rows : other.columns
        precondition(k == otherK, "matmul: inner dimensions \(k) and \(otherK) differ")
        var result = Tensor(shape: [m, n])
        guard m > 0, n > 0, k > 0 else { return result }
        scalars.withUnsafeBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                result.scalars.withUnsafeMutableBufferPointer { c in
                    MatrixProduct.multiply(
                        a.baseAddress!, transposeA: transposeSelf, rowsA: rows, columnsA: columns,
                        b.baseAddress!, transposeB: transposeOther, rowsB: other.rows, columnsB: other.columns,
                        into: c.baseAddress!, alpha: 1, beta: 0)
                }
            }
        }
        return result
    }
}
