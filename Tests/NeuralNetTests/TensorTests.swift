import XCTest
@testable import NeuralNet

final class TensorTests: XCTestCase {
    func naiveProduct(_ a: [[Float]], _ b: [[Float]]) -> [[Float]] {
        a.map { row in (0..<b[0].count).map { j in zip(row, b.map { $0[j] }).reduce(0) { $0 + $1.0 * $1.1 } } }
    }

    func transpose(_ m: [[Float]]) -> [[Float]] {
        (0..<m[0].count).map { j in m.map { $0[j] } }
    }

    func testMatrixProductWithEveryTransposeFlag() {
        let a: [[Float]] = [[1, 2, 3], [4, 5, 6]]
        let b: [[Float]] = [[7, 8], [9, 10], [11, 12]]
        let expected = Tensor(rows: naiveProduct(a, b))
        XCTAssertEqual(Tensor(rows: a).matmul(Tensor(rows: b)), expected)
        XCTAssertEqual(Tensor(rows: transpose(a)).matmul(Tensor(rows: b), transposeSelf: true), expected)
        XCTAssertEqual(Tensor(rows: a).matmul(Tensor(rows: transpose(b)), transposeOther: true), expected)
        XCTAssertEqual(Tensor(rows: transpose(a)).matmul(Tensor(rows: transpose(b)), transposeSelf: true,
                                                         transposeOther: true), expected)
        XCTAssertEqual(expected, Tensor(rows: [[58, 64], [139, 154]]))
    }

    func testShapesAndSubscripts() {
        var t = Tensor(shape: [2, 3, 4])
        XCTAssertEqual(t.count, 24)
        XCTAssertEqual(t.rows, 2)
        XCTAssertEqual(t.columns, 12)
        t[1, 5] = 3
        XCTAssertEqual(t.scalars[17], 3)
        XCTAssertEqual(Tensor(shape: [0, 3]).matmul(Tensor(shape: [3, 2])).shape, [0, 2])
    }
}
