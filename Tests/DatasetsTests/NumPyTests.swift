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
        assertDatasetError(try NumPyArray.parse(NumPyFixtures.storedArchive, path: "a.npy"), path: "a.npy",
                           contains: ["zip archive", ".npz"], offset: 0)
        assertDatasetError(try NumPyArray.parse(Array("x,y\n1,2\n".utf8), path: "c.npy"), path: "c.npy",
                           contains: ["not an .npy file", "'x,y\\x0a1,'"], offset: 0)
        var version = NumPyFixtures.int64Labels
        version[6] = 4
        assertDatasetError(try NumPyArray.parse(version, path: "v.npy"), path: "v.npy", contains: ["version 4.0"])
    }

    // MARK: - Datasets from .npy pairs

    func testChannelsLastImagesBecomePlanarBytes() throws {
        let features = try write(NumPyFixtures.rgbImages, "rgb.npy")
        let labels = try write(NumPyFixtures.float32Labels, "labels.npy")
        let dataset = try NumPyDataset.load(features: features, labels: labels)
        XCTAssertEqual(dataset.name, "rgb")
        XCTAssertEqual(dataset.imageShape, ImageShape(channels: 3, height: 2, width: 3))
        XCTAssertEqual(dataset.train.labels, [1, 0])
        XCTAssertEqual(dataset.classNames, ["0", "1"])
        XCTAssertEqual(dataset.test.count, 0)
        XCTAssertEqual(dataset.files, [features, labels])
        guard case .bytes(let pixels) = dataset.train.features else { return XCTFail("uint8 images are kept as bytes") }
        XCTAssertEqual(pixels.count, 36)
        for example in 0..<2 {
            for channel in 0..<3 {
                for row in 0..<2 {
                    for column in 0..<3 {
                        let numpyIndex = ((example * 2 + row) * 3 + column) * 3 + channel
                        XCTAssertEqual(pixels[example * 18 + channel * 6 + row * 3 + column],
                                       arangeByte(numpyIndex, step: 7), "pixel \(example) \(channel) \(row) \(column)")
                    }
                }
            }
        }
    }

    func testGreyImagesWithATestSplit() throws {
        let images = try write(NumPyFixtures.greyImages, "grey.npy")
        let labels = try write(NumPyFixtures.boolLabels, "labels.npy")
        let dataset = try NumPyDataset.load(features: images, labels: labels, testFeatures: images, testLabels: labels)
        XCTAssertEqual(dataset.imageShape, ImageShape(channels: 1, height: 2, width: 2))
        let pixels = FeatureStorage.bytes((0..<12).map { arangeByte($0, step: 20) })
        XCTAssertEqual(dataset.train, LabeledExamples(features: pixels, labels: [1, 0, 1], featureCount: 4))
        XCTAssertEqual(dataset.test, dataset.train)
        XCTAssertEqual(dataset.files, [images, labels, images, labels])
    }

    func testFloat64TableWithInt64Labels() throws {
        let table = try write(NumPyFixtures.tableVersion2, "table.npy")
        let labels = try write(NumPyFixtures.int64Labels, "labels.npy")
        let dataset = try NumPyDataset.load(features: table, labels: labels)
        XCTAssertNil(dataset.imageShape)
        XCTAssertEqual(dataset.featureCount, 3)
        XCTAssertEqual(dataset.train.features, .floats((0..<12).map { Float($0) / 4 - 1 }))
        XCTAssertEqual(dataset.train.labels, [2, 0, 1, 2])
        XCTAssertEqual(dataset.classNames, ["0", "1", "2"])
    }

    func testLabelsMustMatchTheExamples() throws {
        let images = try write(NumPyFixtures.rgbImages, "rgb.npy")
        let labels = try write(NumPyFixtures.int64Labels, "labels.npy")
        assertDatasetError(try NumPyDataset.load(features: images, labels: labels), path: labels,
                           contains: ["holds 4 labels, but rgb.npy holds 2 examples"])
    }

    func testLabelsAboveTheClassLimitAreRefused() throws {
        let images = try write(NumPyFixtures.rgbImages, "rgb.npy")
        let labels = try write(NumPyFixtures.label300, "labels.npy")
        assertDatasetError(try NumPyDataset.load(features: images, labels: labels), path: labels,
                           contains: ["label 300 of example 1", "outside 0...255"], offset: 128 + 8)
    }

    func testTestSplitMustMatchTheTrainingExamples() throws {
        let rgb = try write(NumPyFixtures.rgbImages, "rgb.npy")
        let grey = try write(NumPyFixtures.greyImages, "grey.npy")
        let twoLabels = try write(NumPyFixtures.float32Labels, "two.npy")
        let threeLabels = try write(NumPyFixtures.boolLabels, "three.npy")
        assertDatasetError(
            try NumPyDataset.load(features: rgb, labels: twoLabels, testFeatures: grey, testLabels: threeLabels),
            path: grey, contains: ["2x2 images of 1 channel", "training examples (rgb.npy) are 2x3 images of 3 channels"])
        assertDatasetError(try NumPyDataset.load(features: rgb, labels: twoLabels, testFeatures: grey),
                           path: grey, contains: ["without test labels"])
    }

    func testFeatureAndLabelShapesAreChecked() throws {
        func located(_ shape: [Int], _ values: NumPyArray.Values) -> NumPyDataset.LocatedArray {
            (NumPyArray(shape: shape, values: values), ArrayLocation(path: "a.npz", member: "x.npy"))
        }
        assertDatasetError(try NumPyDataset.convertFeatures(located([2, 3, 4, 4], .uint8(Array(repeating: 0, count: 96)))),
                           path: "a.npz", contains: ["x.npy: ", "1 or 3 channels last", "channels-first"])
        assertDatasetError(try NumPyDataset.convertFeatures(located([4], .uint8([1, 2, 3, 4]))),
                           path: "a.npz", contains: ["(4,)", "(N, F)"])
        assertDatasetError(try NumPyDataset.convertFeatures(located([2, 0], .float32([]))),
                           path: "a.npz", contains: ["holds no values"])
        assertDatasetError(try NumPyDataset.convertFeatures(located([1, 2], .float64([1, .nan]))),
                           path: "a.npz", contains: ["value 1 is nan", "finite"], offset: 8)
        assertDatasetError(try NumPyDataset.convertFeatures(located([1, 2], .float64([1e300, 1]))),
                           path: "a.npz", contains: ["value 0 is 1e+300, beyond Float's range"], offset: 0)
        assertDatasetError(try NumPyDataset.convertLabels(located([2, 3], .uint8([1, 0, 0, 0, 1, 0])),
                                                          exampleCount: 2, featuresName: "x"),
                           path: "a.npz", contains: ["(2, 3)", "one-hot", "argmax"])
        assertDatasetError(try NumPyDataset.convertLabels(located([2], .float64([1, 0.5])), exampleCount: 2,
                                                          featuresName: "x"),
                           path: "a.npz", contains: ["label 0.5 of example 1 is not a whole number"], offset: 8)
        assertDatasetError(try NumPyDataset.convertLabels(located([2], .int32([-1, 0])), exampleCount: 2,
                                                          featuresName: "x"),
                           path: "a.npz", contains: ["label -1 of example 0 is outside 0...255"], offset: 0)
        XCTAssertEqual(try NumPyDataset.convertLabels(located([3, 1], .float64([255, 0, 7])), exampleCount: 3,
                                                      featuresName: "x"), [255, 0, 7])
    }

    func testFloatImagesKeepTheirShapeAsFloats() throws {
        let values = (0..<12).map { Float($0) / 2 }
        let features = try NumPyDataset.convertFeatures(
            (NumPyArray(shape: [1, 2, 2, 3], values: .float32(values)), ArrayLocation(path: "f.npy", member: nil)))
        XCTAssertEqual(features.layout, .image(ImageShape(channels: 3, height: 2, width: 2)))
        let planar = (0..<3).flatMap { channel in (0..<4).map { pixel in values[pixel * 3 + channel] } }
        XCTAssertEqual(features.storage, .floats(planar))
    }

    // MARK: - .npz archives

    func testDeflatedArchiveFromSavezCompressed() throws {
        let path = try write(NumPyFixtures.deflatedArchive, "digits.npz")
        XCTAssertEqual(try ZipArchive(path: path).members.map(\.method), [8, 8, 8, 8], "every member is deflated")
        let dataset = try NumPyDataset.load(archive: path)
        XCTAssertEqual(dataset.name, "digits")
        XCTAssertEqual(dataset.files, [path])
        XCTAssertEqual(dataset.imageShape, ImageShape(channels: 3, height: 2, width: 2))
        let planar = (0..<2).flatMap { example in
            (0..<3).flatMap { channel in (0..<4).map { pixel in arangeByte(example * 12 + pixel * 3 + channel, step: 5) } }
        }
        XCTAssertEqual(dataset.train, LabeledExamples(features: .bytes(planar), labels: [1, 0], featureCount: 12))
        XCTAssertEqual(dataset.test, LabeledExamples(features: .bytes(Array(repeating: 200, count: 12)), labels: [3],
                                                     featureCount: 12))
        XCTAssertEqual(dataset.classNames, ["0", "1", "2", "3"], "classes run to the highest label of either split")
    }

    func testStoredArchiveFromSavezWithNamedArrays() throws {
        let path = try write(NumPyFixtures.storedArchive, "table.npz")
        XCTAssertEqual(try ZipArchive(path: path).members.map(\.method), [0, 0], "every member is stored")
        let names = NumPyArrayNames(trainFeatures: "inputs", trainLabels: "targets", testFeatures: "x_test",
                                    testLabels: "y_test")
        let dataset = try NumPyDataset.load(archive: path, names: names)
        XCTAssertNil(dataset.imageShape)
        XCTAssertEqual(dataset.train, LabeledExamples(features: .floats([0.5, -1.5, 2.0, 0.25, 3.0, 4.0]),
                                                      labels: [0, 1, 1], featureCount: 2))
        XCTAssertEqual(dataset.test, LabeledExamples(features: .floats([]), labels: [], featureCount: 2),
                       "an archive without test arrays gives an empty test split")
    }

    func testZip64RecordsAreRead() throws {
        let path = try write(NumPyFixtures.zip64Archive, "zip64.npz")
        let dataset = try NumPyDataset.load(archive: path)
        XCTAssertEqual(dataset.train, LabeledExamples(features: .floats((0..<6).map(Float.init)), labels: [0, 1, 0],
                                                      featureCount: 2))
    }

    func testMissingArraysAreListed() throws {
        let path = try write(NumPyFixtures.storedArchive, "table.npz")
        assertDatasetError(try NumPyDataset.load(archive: path), path: path,
                           contains: ["no array 'x_train'", "Its arrays: inputs, targets."])
        let halfTest = NumPyArrayNames(trainFeatures: "inputs", trainLabels: "targets", testFeatures: "inputs",
                                       testLabels: "y_test")
        assertDatasetError(try NumPyDataset.load(archive: path, names: halfTest), path: path,
                           contains: ["test array 'inputs' but not 'y_test'"])
    }

    func testNpyIsNotTakenForNpz() throws {
        let path = try write(NumPyFixtures.int64Labels, "labels.npz")
        assertDatasetError(try NumPyDataset.load(archive: path), path: path, contains: ["a single .npy array"])
    }

    func testOnlyRegularFilesAreRead() {
        assertDatasetError(try NumPyDataset.load(archive: folder), path: folder, contains: ["is a folder"])
        let missing = folder + "/missing.npz"
        assertDatasetError(try NumPyDataset.load(archive: missing), path: missing, contains: ["no such file"])
        assertDatasetError(try NumPyDataset.load(features: missing, labels: missing), path: missing,
                           contains: ["no such file"])
    }

    // MARK: - .npz archives damaged or lying

    /// Where the central directory entry of the `index`th member starts.
    func centralEntry(_ bytes: [UInt8], _ index: Int) throws -> Int {
        var start = 0
        var found: [Int] = []
        while let range = bytes[start...].firstRange(of: ZipArchive.centralHeaderSignature) {
            found.append(range.lowerBound)
            start = range.upperBound
        }
        return try XCTUnwrap(found.dropFirst(index).first)
    }

    func setUInt32(_ bytes: inout [UInt8], at offset: Int, _ value: UInt32) {
        for byte in 0..<4 { bytes[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * byte)) }
    }

    func testDeclaredSizesAreCheckedBeforeInflating() throws {
        let original = NumPyFixtures.deflatedArchive
        let entry = try centralEntry(original, 0)
        let declared = Int(original[entry + 24]) | Int(original[entry + 25]) << 8
        let cases: [(size: UInt32, message: String)] = [
            (0x7fff_0000, "more than deflate can produce"),
            (0xffff_fffe, "more than the 2147483648"),
            (UInt32(declared + 1), "inflates to only \(declared) of the \(declared + 1) bytes"),
            (UInt32(declared - 1), "inflates to more than the \(declared - 1) bytes"),
        ]
        for (size, message) in cases {
            var bytes = original
            setUInt32(&bytes, at: entry + 24, size)
            let path = try write(bytes, "lying.npz")
            assertDatasetError(try NumPyDataset.load(archive: path), path: path,
                               contains: ["member x_train.npy: ", message])
        }
    }

    func testCorruptAndTruncatedArchivesAreRefused() throws {
        var corrupt = NumPyFixtures.storedArchive
        corrupt[200] ^= 0x10
        let corruptPath = try write(corrupt, "corrupt.npz")
        let names = NumPyArrayNames(trainFeatures: "inputs", trainLabels: "targets", testFeatures: "a", testLabels: "b")
        assertDatasetError(try NumPyDataset.load(archive: corruptPath, names: names), path: corruptPath,
                           contains: ["member inputs.npy", "CRC-32"])

        let truncated = try write(Array(NumPyFixtures.deflatedArchive.dropLast(30)), "truncated.npz")
        assertDatasetError(try NumPyDataset.load(archive: truncated), path: truncated,
                           contains: ["no end-of-central-directory record"])

        var manyMembers = NumPyFixtures.deflatedArchive
        let end = manyMembers.count - ZipArchive.endRecordSize
        XCTAssertEqual(Array(manyMembers[end..<(end + 4)]), ZipArchive.endSignature)
        for field in [8, 10] { manyMembers[end + field] = 0xfe; manyMembers[end + field + 1] = 0xff }
        let many = try write(manyMembers, "many.npz")
        assertDatasetError(try NumPyDataset.load(archive: many), path: many, contains: ["claims 65534 members"])

        var outside = NumPyFixtures.deflatedArchive
        setUInt32(&outside, at: try centralEntry(outside, 1) + 42, 0x00ff_0000)
        let outsidePath = try write(outside, "outside.npz")
        assertDatasetError(try NumPyDataset.load(archive: outsidePath), path: outsidePath,
                           contains: ["central directory entry 1", "do not lie before the central directory"])
    }
}
