import Foundation
import XCTest
@testable import Datasets

/// Pickles put together as `../shared/tools/cifar10-from-jpeg` writes CIFAR-10's Python version, which is
/// how Python 2's cPickle (protocol 2) wrote the original files: text as byte strings (SHORT_BINSTRING,
/// BINSTRING), arrays through numpy.core.multiarray._reconstruct.
enum Python2Pickle {
    static func string(_ bytes: [UInt8]) -> [UInt8] {
        bytes.count < 256 ? [0x55, UInt8(bytes.count)] + bytes : [0x54] + littleEndian32(bytes.count) + bytes
    }

    static func string(_ text: String) -> [UInt8] { string(Array(text.utf8)) }

    static func int(_ value: Int) -> [UInt8] {
        if (0..<256).contains(value) { return [0x4B, UInt8(value)] }
        if (0..<65536).contains(value) { return [0x4D] + littleEndian32(value).prefix(2) }
        return [0x4A] + littleEndian32(value)
    }

    static func array(_ data: [UInt8], shape: [Int]) -> [UInt8] {
        ascii("cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n") + int(0) + [0x85] + string("b")
            + ascii("\u{87}R")
            + ascii("(") + int(1) + ascii("(") + shape.flatMap(int) + ascii("t")
            + ascii("cnumpy\ndtype\n") + string("u1") + int(0) + int(1) + ascii("\u{87}R")
            + ascii("(") + int(3) + string("|") + ascii("NNN") + int(-1) + int(-1) + int(0) + ascii("tb")
            + [0x89] + string(data) + ascii("tb")
    }

    static func list(_ items: [[UInt8]]) -> [UInt8] { ascii("](") + items.joined() + ascii("e") }

    static func batch(name: String, labels: [Int], pixels: [UInt8]) -> [UInt8] {
        let filenames = labels.indices.map { string(name + "_" + String(format: "%05d", $0) + ".png") }
        let body = string("data") + array(pixels, shape: [labels.count, 3072])
            + string("labels") + list(labels.map(int))
            + string("batch_label") + string("\(name) of 6")
            + string("filenames") + list(filenames)
        return [0x80, 0x02] + ascii("}(") + body + ascii("u.")
    }

    static func meta(_ classes: [String]) -> [UInt8] {
        let body = string("num_cases_per_batch") + int(10000) + string("label_names") + list(classes.map(string))
            + string("num_vis") + int(3072)
        return [0x80, 0x02] + ascii("}(") + body + ascii("u.")
    }
}

/// Pickles as Python 3's `pickle` writes them at protocol 3: text as BINUNICODE, bytes as SHORT_BINBYTES
/// or BINBYTES, the dictionary memoized with BINPUT, and numpy 2's module names.
enum Python3Pickle {
    static func text(_ text: String) -> [UInt8] { [0x58] + littleEndian32(text.utf8.count) + Array(text.utf8) }

    static func bytes(_ bytes: [UInt8]) -> [UInt8] {
        bytes.count < 256 ? [0x43, UInt8(bytes.count)] + bytes : [0x42] + littleEndian32(bytes.count) + bytes
    }

    static func array(_ data: [UInt8], shape: [Int]) -> [UInt8] {
        ascii("cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\n") + Python2Pickle.int(0) + [0x85]
            + bytes(Array("b".utf8)) + ascii("\u{87}R(") + Python2Pickle.int(1)
            + ascii("(") + shape.flatMap(Python2Pickle.int) + ascii("t")
            + ascii("cnumpy\ndtype\n") + text("u1") + [0x89, 0x88, 0x87] + ascii("R(") + Python2Pickle.int(3)
            + text("|") + ascii("NNN") + Python2Pickle.int(-1) + Python2Pickle.int(-1) + Python2Pickle.int(0)
            + ascii("tb") + [0x89] + bytes(data) + ascii("tb")
    }

    static func batch(labels: [Int], pixels: [UInt8]) -> [UInt8] {
        [0x80, 0x03] + ascii("}q\u{0}(") + text("data") + array(pixels, shape: [labels.count, 3072])
            + text("labels") + ascii("](") + labels.flatMap(Python2Pickle.int) + ascii("eu.")
    }
}

func ascii(_ text: String) -> [UInt8] { text.unicodeScalars.map { UInt8($0.value) } }

func littleEndian32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }

final class PickleTests: XCTestCase {
    private let path = "test.pickle"

    private func hex(_ text: String) -> [UInt8] {
        stride(from: 0, to: text.count, by: 2).map { start in
            let digits = text.dropFirst(start).prefix(2)
            return UInt8(digits, radix: 16) ?? 0
        }
    }

    private func parse(_ bytes: [UInt8], limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        try Pickle.parse(bytes, path: path, limits: limits)
    }

    func testReadsAPython2BatchAsTheToolWritesIt() throws {
        let pixels = TestFiles.pattern(count: 2 * 3072)
        let value = try parse(Python2Pickle.batch(name: "data_batch_1", labels: [3, 9], pixels: pixels))
        XCTAssertEqual(value["data"], .ndarray(shape: [2, 3072], dtype: "|u1", data: pixels))
        XCTAssertEqual(value["labels"], .list([.int(3), .int(9)]))
        XCTAssertEqual(value["batch_label"], .bytes(Array("data_batch_1 of 6".utf8)))
        XCTAssertEqual(value["filenames"]?.kind, "a list")
        guard case .list(let names)? = value["filenames"] else { return XCTFail("no filenames") }
        XCTAssertEqual(names.map(\.text), ["data_batch_1_00000.png", "data_batch_1_00001.png"])
        XCTAssertNil(value["missing"])
    }

    func testReadsThePython2Meta() throws {
        let value = try parse(Python2Pickle.meta(["cat", "dog"]))
        XCTAssertEqual(value["label_names"], .list([.bytes(Array("cat".utf8)), .bytes(Array("dog".utf8))]))
        XCTAssertEqual(value["num_cases_per_batch"], .int(10000))
        XCTAssertEqual(value["num_vis"], .int(3072))
    }

    func testMemoReferencesSeeObjectsAsLaterOpcodesChangedThem() throws {
        // As cPickle writes a second array: its globals and dtype recalled with BINGET. `alias` recalls the
        // first array, memoized before BUILD gave it data.
        let dtype = ascii("cnumpy\ndtype\nq\u{06}") + Python2Pickle.string("u1")
            + ascii("K\u{0}K\u{1}\u{87}Rq\u{07}(K\u{03}") + Python2Pickle.string("|") + ascii("NNN")
            + Python2Pickle.int(-1) + Python2Pickle.int(-1) + ascii("K\u{0}tb")
        let bytes = ascii("\u{80}\u{02}}q\u{01}(U\u{04}dataq\u{02}")
            + ascii("cnumpy.core.multiarray\n_reconstruct\nq\u{03}cnumpy\nndarray\nq\u{04}")
            + ascii("K\u{0}\u{85}U\u{01}b\u{87}Rq\u{05}")
            + ascii("(K\u{01}(K\u{02}K\u{03}t") + dtype + ascii("\u{89}U\u{06}abcdeft") + ascii("b")
            + ascii("U\u{05}otherh\u{03}h\u{04}K\u{0}\u{85}U\u{01}b\u{87}R")
            + ascii("(K\u{01}(K\u{01}K\u{02}th\u{07}\u{89}U\u{02}xytb")
            + ascii("U\u{05}aliash\u{05}u.")
        let value = try parse(bytes)
        let first = PickleValue.ndarray(shape: [2, 3], dtype: "|u1", data: Array("abcdef".utf8))
        XCTAssertEqual(value["data"], first)
        XCTAssertEqual(value["alias"], first)
        XCTAssertEqual(value["other"], .ndarray(shape: [1, 2], dtype: "|u1", data: Array("xy".utf8)))
        // A list recalled after an APPEND to it holds the appended value, as in Python: ([5], [5]).
        XCTAssertEqual(try parse(ascii("\u{80}\u{02}(]q\u{01}h\u{01}K\u{05}at.")),
                       .tuple([.list([.int(5)]), .list([.int(5)])]))
    }

    func testReadsAHandAssembledProtocol3Batch() throws {
        let pixels = TestFiles.pattern(count: 3 * 3072)
        let value = try parse(Python3Pickle.batch(labels: [0, 1, 9], pixels: pixels))
        XCTAssertEqual(value["data"], .ndarray(shape: [3, 3072], dtype: "|u1", data: pixels))
        XCTAssertEqual(value["labels"], .list([.int(0), .int(1), .int(9)]))
        guard case .dict(let entries) = value else { return XCTFail("not a dictionary") }
        XCTAssertEqual(Set(entries.keys), [.string("data"), .string("labels")])
    }

    /// What Python 3.11 with numpy 2 writes for {'data': np.array([[0, 1, 127], [128, 200, 255]], np.uint8),
    /// 'labels': [1, 2]}: protocol 2 (bytes through _codecs.encode), 4 (FRAME, MEMOIZE, STACK_GLOBAL) and
    /// 5 (numpy's _frombuffer with BYTEARRAY8).
    func testReadsWhatPython3WritesAtProtocols2To5() throws {
        let written = [
            """
                80027d7100285804000000646174617101636e756d70792e5f636f72652e6d756c746961727261790a5f7265636f6e73
                74727563740a7102636e756d70790a6e6461727261790a71034b00857104635f636f646563730a656e636f64650a7105
                580100000062710658060000006c6174696e31710786710852710987710a52710b284b014b024b0386710c636e756d70
                790a64747970650a710d58020000007531710e898887710f527110284b0358010000007c71114e4e4e4affffffff4aff
                ffffff4b0074711262896805580900000000017fc280c388c3bf711368078671145271157471166258060000006c6162
                656c7371175d7118284b014b0265752e
                """,
            """
                800495ad000000000000007d94288c0464617461948c166e756d70792e5f636f72652e6d756c74696172726179948c0c
                5f7265636f6e7374727563749493948c056e756d7079948c076e6461727261799493944b008594430162948794529428
                4b014b024b03869468058c0564747970659493948c02753194898887945294284b038c017c944e4e4e4affffffff4aff
                ffffff4b0074946289430600017f80c8ff947494628c066c6162656c73945d94284b014b0265752e
                """,
            """
                80059598000000000000007d94288c0464617461948c136e756d70792e5f636f72652e6e756d65726963948c0b5f6672
                6f6d6275666665729493942896060000000000000000017f80c8ff948c056e756d7079948c0564747970659493948c02
                753194898887945294284b038c017c944e4e4e4affffffff4affffffff4b007494624b024b0386948c01439474945294
                8c066c6162656c73945d94284b014b0265752e
                """,
        ]
        let expected = PickleValue.dict([
            .string("data"): .ndarray(shape: [2, 3], dtype: "|u1", data: [0, 1, 127, 128, 200, 255]),
            .string("labels"): .list([.int(1), .int(2)]),
        ])
        for bytes in written.map({ $0.filter { !$0.isWhitespace } }) {
            XCTAssertEqual(try parse(hex(bytes)), expected, String(bytes.prefix(4)))
        }
    }

    func testDisallowedGlobalsAreRefusedAtTheirByte() throws {
        let global = ascii("\u{80}\u{02}cos\nsystem\nU\u{02}ls\u{85}R.")
        assertDatasetError(try parse(global), path: path, contains: ["refusing to load global os.system"], offset: 2)
        let stackGlobal = ascii("\u{80}\u{04}\u{8c}\u{08}builtins\u{8c}\u{04}eval\u{93}.")
        assertDatasetError(try parse(stackGlobal), path: path, contains: ["refusing to load global builtins.eval"],
                           offset: 18)
        XCTAssertEqual(Pickle.allowedGlobals.contains("numpy.core.multiarray._reconstruct"), true)
        XCTAssertEqual(Pickle.allowedGlobals.contains("os.system"), false)
    }

    func testUnsupportedOpcodesAreNamedWithTheirByte() throws {
        let cases: [([UInt8], String, Int)] = [
            (ascii("\u{80}\u{02}(ios\nsystem\n."), "unsupported pickle opcode 0x69 'i' (INST)", 3),
            (ascii("\u{80}\u{02}(K\u{01}o."), "unsupported pickle opcode 0x6f 'o' (OBJ)", 5),
            (ascii("\u{80}\u{02}K\u{01}K\u{02}\u{81}."), "unsupported pickle opcode 0x81 (NEWOBJ)", 6),
            (ascii("\u{80}\u{02}S'text'\n."), "unsupported pickle opcode 0x53 'S' (STRING)", 2),
            ([0x80, 0x02, 0xFF], "unsupported pickle opcode 0xff (not a pickle opcode)", 2),
            (ascii("(I1\n."), "unsupported pickle opcode 0x49 'I' (INT)", 1),
            ([0x80, 0x01, 0x4E, 0x2E], "pickle protocol 1 is not supported (only 2 to 5)", 0),
            ([0x80, 0x06, 0x4E, 0x2E], "pickle protocol 6 is not supported", 0),
        ]
        for (bytes, message, offset) in cases {
            assertDatasetError(try parse(bytes), path: path, contains: [message], offset: offset)
        }
    }

    func testReduceAndBuildApplyOnlyToTheNumpyGlobals() throws {
        assertDatasetError(try parse(ascii("\u{80}\u{02}K\u{01})R.")), path: path,
                           contains: ["REDUCE may only apply an allowed numpy function, not an int"], offset: 5)
        assertDatasetError(try parse(ascii("\u{80}\u{02}cnumpy\nndarray\n)R.")), path: path,
                           contains: ["numpy.ndarray may only be an argument of _reconstruct"], offset: 18)
        assertDatasetError(try parse(ascii("\u{80}\u{02}]}b.")), path: path,
                           contains: ["BUILD may only set the state of a new numpy array or dtype, not a list"])
        var floats = ascii("\u{80}\u{02}") + Python2Pickle.array([0, 0, 0, 0], shape: [1]) + ascii(".")
        let typeName = try XCTUnwrap(floats.firstRange(of: Python2Pickle.string("u1")))
        floats.replaceSubrange(typeName, with: Python2Pickle.string("f4"))
        assertDatasetError(try parse(floats), path: path,
                           contains: ["numpy dtype 'f4' is not supported: arrays must hold uint8 ('u1')"])
    }

    func testArraysMustBeCOrderWithDataMatchingTheirShape() throws {
        let short = ascii("\u{80}\u{02}") + Python2Pickle.array(Array(repeating: 7, count: 6143), shape: [2, 3072])
            + ascii(".")
        assertDatasetError(try parse(short), path: path,
                           contains: ["a numpy uint8 array of shape [2, 3072] needs 6144 bytes of data, finds 6143"])
        var fortran = ascii("\u{80}\u{02}") + Python2Pickle.array([1, 2], shape: [2]) + ascii(".")
        if let index = fortran.lastIndex(of: 0x89) { fortran[index] = 0x88 }
        assertDatasetError(try parse(fortran), path: path, contains: ["only C-order numpy arrays are supported"])
        let unbuilt = ascii("\u{80}\u{02}cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n")
            + ascii("K\u{0}\u{85}U\u{01}b\u{87}R.")
        assertDatasetError(try parse(unbuilt), path: path, contains: ["never receives its data"])
    }

    func testLengthsAreCheckedAgainstTheBytesThatRemain() throws {
        let batch = Python2Pickle.batch(name: "b", labels: [1, 2], pixels: TestFiles.pattern(count: 6144))
        let dataOpcode = try XCTUnwrap(batch.firstIndex(of: 0x54))  // BINSTRING, the pixels
        let cut = Array(batch.prefix(dataOpcode + 100))
        assertDatasetError(try parse(cut), path: path,
                           contains: ["BINSTRING claims 6144 bytes, but only 95 remain"], offset: dataOpcode)
        let huge: [UInt8] = [0x80, 0x04, 0x8E] + Array(repeating: 0xFF, count: 7) + [0x7F, 0x2E]
        assertDatasetError(try parse(huge), path: path,
                           contains: ["BINBYTES8 claims 9223372036854775807 bytes, but only 1 remain"], offset: 2)
        assertDatasetError(try parse([0x80, 0x02, 0x71]), path: path,
                           contains: ["the file ends inside the argument of BINPUT"], offset: 2)
        assertDatasetError(try parse([0x80, 0x02, 0x54, 0xFF, 0xFF, 0xFF, 0xFF]), path: path,
                           contains: ["BINSTRING claims 4294967295 bytes"], offset: 2)
        assertDatasetError(try parse(ascii("\u{80}\u{02}X\u{02}\u{0}\u{0}\u{0}\u{C3}(.")), path: path,
                           contains: ["BINUNICODE holds text that is not UTF-8"], offset: 2)
        assertDatasetError(try parse(ascii("\u{80}\u{02}cnumpy")), path: path,
                           contains: ["GLOBAL needs two UTF-8 names"], offset: 2)
    }

    func testStructureErrorsAreReported() throws {
        let cases: [([UInt8], String, Int?)] = [
            (ascii("\u{80}\u{02}N"), "the pickle ends without a STOP opcode", 3),
            (ascii("\u{80}\u{02}N.N"), "1 unexpected bytes follow STOP", 4),
            (ascii("\u{80}\u{02}NN."), "STOP finds 2 values on the stack and 0 open MARKs", 4),
            (ascii("\u{80}\u{02}h\u{03}."), "memo entry 3 was never stored", 2),
            (ascii("\u{80}\u{02}a."), "APPEND needs 1 value on the stack, finds 0", 2),
            (ascii("\u{80}\u{02}](a."), "APPEND needs 1 value on the stack, finds 0", 4),
            (ascii("\u{80}\u{02}K\u{01}K\u{02}e."), "APPENDS without a MARK before it", 6),
            (ascii("\u{80}\u{02}K\u{01}(K\u{02}e."), "APPENDS needs a list to append to, finds an int", 7),
            (ascii("\u{80}\u{02}}(K\u{01}u."), "SETITEMS has an odd number of values", 6),
            (ascii("\u{80}\u{02}}]K\u{01}s."), "a dictionary key must be a number, string or bytes, not a list", 6),
            (ascii("\u{80}\u{02}q\u{01}."), "BINPUT needs a value on the stack, finds none", 2),
            (ascii("\u{80}\u{02}]q\u{0}h\u{0}a."), "a list contains itself", nil),
        ]
        for (bytes, message, offset) in cases {
            assertDatasetError(try parse(bytes), path: path, contains: [message], offset: offset)
        }
    }

    func testStackMemoObjectsAndNestingAreBounded() throws {
        let limits = PickleLimits(stackDepth: 10, memoEntries: 3, objects: 5, nesting: 4)
        assertDatasetError(try parse(ascii("\u{80}\u{02}(") + Array(repeating: 0x4E, count: 11), limits: limits),
                           path: path, contains: ["the stack grows beyond 10 values"], offset: 13)
        assertDatasetError(try parse(ascii("\u{80}\u{02}N\u{94}\u{94}\u{94}\u{94}"), limits: limits),
                           path: path, contains: ["more than 3 memo entries"], offset: 6)
        assertDatasetError(try parse(ascii("\u{80}\u{02}]]]]]]"), limits: limits),
                           path: path, contains: ["more than 5 objects"], offset: 7)
        XCTAssertEqual(try parse(ascii("\u{80}\u{02}N\u{85}\u{85}\u{85}\u{85}."), limits: limits),
                       .tuple([.tuple([.tuple([.tuple([.none])])])]))
        assertDatasetError(try parse(ascii("\u{80}\u{02}N\u{85}\u{85}\u{85}\u{85}\u{85}."), limits: limits),
                           path: path, contains: ["values nest more than 4 levels deep"])
        let deep = ascii("\u{80}\u{02}]") + Array(repeating: 0x85, count: 10_000) + ascii(".")
        assertDatasetError(try parse(deep), path: path, contains: ["values nest more than 64 levels deep"])
    }

    func testSharedReferencesAreConvertedOnce() throws {
        // x = []; 60 times x = (x, x): 2^60 leaves if each reference were copied out.
        let doubling = ascii("\u{80}\u{02}]") + (0..<60).flatMap { _ in ascii("q\u{0}h\u{0}\u{86}") } + ascii(".")
        var value = try parse(doubling)
        var depth = 0
        while case .tuple(let pair) = value, pair.count == 2 {
            value = pair[1]
            depth += 1
        }
        XCTAssertEqual(depth, 60)
        XCTAssertEqual(value, .list([]))
    }
}
