import Foundation
import XCTest
@testable import Datasets

/// The NumPy reader against files NumPy wrote (`NumPyFixtures`), and against those files damaged.
final class NumPyTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try TestFiles.makeFolder(for: self)
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = folder + "/" + name
        try TestFiles.write(bytes, to: path)
        return path
    }

    /// A version 1.0 .npy file with `header` (padded as NumPy pads it) and `data`, for header forms
    /// NumPy does not write itself.
    func npy(header: String, data: [UInt8]) -> [UInt8] {
        var text = Array(header.utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0a)
        return NumPyArray.magic + [1, 0, UInt8(text.count & 0xff), UInt8(text.count >> 8)] + text + data
    }

    /// The value the fixtures' `np.arange(count) * step % 256` holds at `flatIndex`.
    func arangeByte(_ flatIndex: Int, step: Int) -> UInt8 { UInt8((flatIndex * step) % 256) }

    // MARK: - .npy files as NumPy writes them

    func testVersion1HeaderUInt8Images() throws {
        let array = try NumPyArray.parse(NumPyFixtures.rgbImages, path: "rgb.npy")
        XCTAssertEqual(array.dtype, .uint8)
        XCTAssertEqual(array.shape, [2, 2, 3, 3])
        XCTAssertEqual(array.dataOffset, 128, "version 1.0 pads the header to 64-byte alignment")
        XCTAssertEqual(array.values, .uint8((0..<36).map { arangeByte($0, step: 7) }))
    }

    func testVersion2HeaderFloat64Table() throws {
        XCTAssertEqual(NumPyFixtures.tableVersion2[6], 2, "the fixture is a version 2.0 file")
        let array = try NumPyArray.parse(NumPyFixtures.tableVersion2, path: "table.npy")
        XCTAssertEqual(array.dtype, .float64)
        XCTAssertEqual(array.shape, [4, 3])
        XCTAssertEqual(array.values, .float64((0..<12).map { Double($0) / 4 - 1 }))
    }

    func testVersion3HeaderInt8() throws {
        XCTAssertEqual(NumPyFixtures.int8Version3[6], 3, "the fixture is a version 3.0 file")
        let array = try NumPyArray.parse(NumPyFixtures.int8Version3, path: "small.npy")
        XCTAssertEqual(array.shape, [3])
        XCTAssertEqual(array.values, .int8([-1, 5, 7]))
    }

    func testOtherSupportedTypes() throws {
        XCTAssertEqual(try NumPyArray.parse(NumPyFixtures.int64Labels, path: "y.npy").values, .int64([2, 0, 1, 2]))
        let table = try NumPyArray.parse(NumPyFixtures.int32Table, path: "t.npy")
        XCTAssertEqual(table.shape, [2, 2])
        XCTAssertEqual(table.values, .int32([1, -2, 3, 4]))
        XCTAssertEqual(try NumPyArray.parse(NumPyFixtures.boolLabels, path: "b.npy").values, .bool([true, false, true]))
        let floats = try NumPyArray.parse(NumPyFixtures.float32Labels, path: "f.npy")
        XCTAssertEqual(floats.shape, [2, 1])
        XCTAssertEqual(floats.values, .float32([1, 0]))
    }

    func testHeaderSpacingQuotesOrderAndTrailingCommasAreTolerated() throws {
        let data: [UInt8] = [7, 0, 0, 0, 9, 0, 0, 0]
        for header in [
            "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
            "{\"descr\":\"<i4\",\"fortran_order\":False,\"shape\":(2,)}",
            "{ 'shape' : ( 2 , ) ,\t'fortran_order' : False , 'descr' : '<i4' }",
            "{'descr': '<i4', 'fortran_order': False, 'shape': (2L,)}",
        ] {
            let array = try NumPyArray.parse(npy(header: header, data: data), path: "h.npy")
            XCTAssertEqual(array.values, .int32([7, 9]), header)
        }
        let scalar = try NumPyArray.parse(npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': ()}",
                                              data: Array(withUnsafeBytes(of: 2.5, Array.init))), path: "s.npy")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.values, .float64([2.5]))
    }

    func testMalformedHeadersAreRefused() {
        let cases: [(header: String, message: String)] = [
            ("{'descr': '<i4', 'shape': (2,)}", "has no 'fortran_order'"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'"),
            ("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (2,)}", "gives 'descr' twice"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (2)}", "'shape' is the integer 2, not a tuple"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': [2]}", "'shape' is a list"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (-2,)}", "negative size -2"),
            ("{'descr': '<i4', 'fortran_order': 0, 'shape': (2,)}", "not True or False"),
            ("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,)}", "structured"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)} x", "after the header's dictionary"),
            ("{'descr': '<i4, 'fortran_order': False, 'shape': (2,)}", "expected ',' or '}'"),
            ("{'descr' '<i4', 'fortran_order': False, 'shape': (2,)}", "expected ':'"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "too large"),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (2.0,)}", "not a plain integer"),
            ("{'descr': '<i4', 'fortran_order': __import__('os'), 'shape': (2,)}", "unexpected '_'"),
            ("[1, 2]", "not a dictionary"),
            (String(repeating: "(", count: 100), "nests more than"),
        ]
        for (header, message) in cases {
            assertDatasetError(try NumPyArray.parse(npy(header: header, data: [7, 0, 0, 0, 9, 0, 0, 0]), path: "h.npy"),
                               path: "h.npy", contains: [message])
        }
    }

    // MARK: - .npy files refused

    func testFortranOrderIsRefused() {
        assertDatasetError(try NumPyArray.parse(NumPyFixtures.fortranOrder, path: "f.npy"), path: "f.npy",
                           contains: ["Fortran", "np.ascontiguousarray"])
    }

    func testObjectArraysAreRefusedWithoutUnpickling() throws {
        let bytes = NumPyFixtures.objectArray
        let descrOffset = try XCTUnwrap(bytes.firstRange(of: Array("'|O'".utf8))).lowerBound
        assertDatasetError(try NumPyArray.parse(bytes, path: "o.npy"), path: "o.npy",
                           contains: ["'|O'", "object", "never unpickles"], offset: descrOffset)
    }

    func testBigEndianIsRefused() {
        assertDatasetError(try NumPyArray.parse(NumPyFixtures.bigEndian, path: "b.npy"), path: "b.npy",
                           contains: ["'>i4'", "big-endian", "x.astype('<i4')"])
    }

    func testUnsupportedTypesAreNamed() {
        let bytes = npy(header: "{'descr': '<u2', 'fortran_order': False, 'shape': (1,)}", data: [1, 0])
        assertDatasetError(try NumPyArray.parse(bytes, path: "u.npy"), path: "u.npy",
                           contains: ["'<u2'", "unsigned integers", "float64"])
    }

    func testTruncatedDataAreRefused() {
        let bytes = Array(NumPyFixtures.int64Labels.dropLast(5))
        assertDatasetError(try NumPyArray.parse(bytes, path: "y.npy"), path: "y.npy",
                           contains: ["after 27 bytes", "needs 32", "truncated"], offset: bytes.count)
        let headerCut = Array(NumPyFixtures.int64Labels.prefix(40))
        assertDatasetError(try NumPyArray.parse(headerCut, path: "y.npy"), path: "y.npy",
                           contains: ["ends after 30 of the header's 118 bytes"])
    }

    func testShapeAndSizeMustAgree() throws {
        let extra = NumPyFixtures.int64Labels + [0, 0, 0, 0, 0, 0, 0, 0]
        assertDatasetError(try NumPyArray.parse(extra, path: "y.npy"), path: "y.npy",
                           contains: ["8 bytes follow the 32 bytes of data", "(4,)"],
                           offset: NumPyFixtures.int64Labels.count)
        var larger = NumPyFixtures.int64Labels
        let shape = try XCTUnwrap(larger.firstRange(of: Array("(4,)".utf8)))
        larger.replaceSubrange(shape, with: Array("(5,)".utf8))
        assertDatasetError(try NumPyArray.parse(larger, path: "y.npy"), path: "y.npy",
                           contains: ["needs 40", "(5,)"])
    }

    func testOtherFilesAreNotTakenForNpy() {
        assertDatasetError(try NumPyArray.parse(Array("x,y\n1,2\n".utf8), path: "c.npy"), path: "c.npy",
                           contains: ["not an .npy file", "'x,y\\x0a1,'"], offset: 0)
        var version = NumPyFixtures.int64Labels
        version[6] = 4
        assertDatasetError(try NumPyArray.parse(version, path: "v.npy"), path: "v.npy", contains: ["version 4.0"])
    }
}
