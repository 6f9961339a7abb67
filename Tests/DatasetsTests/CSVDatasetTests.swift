import Foundation
import XCTest
@testable import Datasets

final class CSVDatasetTests: XCTestCase {
    static let penguins = """
        species,island,bill_length_mm,bill_depth_mm,sex
        Adelie,Torgersen,39.1,18.7,male
        Gentoo,Biscoe,46.1,13.2,female
        Chinstrap,Dream,46.5,17.9,female
        Adelie,Biscoe,37.8,18.3,male

        """

    var folder = ""

    override func setUpWithError() throws {
        folder = try TestFiles.makeFolder(for: self)
    }

    /// Writes `text` as the file `name` in the test's folder and returns its path.
    func write(_ text: String, _ name: String = "table.csv") throws -> String {
        let path = folder + "/" + name
        try TestFiles.write(Array(text.utf8), to: path)
        return path
    }

    func load(_ text: String, options: CSVTableOptions, test: String? = nil) throws
        -> (dataset: Dataset, featureNames: [String], encoder: CSVFeatureEncoder) {
        try CSVDataset.load(train: write(text), test: try test.map { try write($0, "test.csv") }, options: options)
    }

    func floats(_ storage: FeatureStorage) -> [Float] {
        guard case .floats(let values) = storage else { XCTFail("expected floats, got \(storage)"); return [] }
        return values
    }

    /// Asserts that `body` throws a `DatasetError` for `path` at `line` whose message contains each of `fragments`.
    func assertError<T>(
        _ body: @autoclosure () throws -> T, path: String, line: Int?, contains fragments: [String],
        file: StaticString = #filePath, sourceLine: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: sourceLine) { error in
            guard let error = error as? DatasetError else {
                return XCTFail("expected a DatasetError, got \(error)", file: file, line: sourceLine)
            }
            XCTAssertEqual(error.path, path, "\(error)", file: file, line: sourceLine)
            XCTAssertEqual(error.line, line, "\(error)", file: file, line: sourceLine)
            for fragment in fragments {
                XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"",
                              file: file, line: sourceLine)
            }
        }
    }

    // MARK: - Headers, columns and labels

    func testDetectsAHeaderAndTakesEveryOtherColumnAsFeatures() throws {
        let path = try write("x,y,class\n1.5,-2,cat\n3,4e1,dog\n0.25,0,cat\n")
        let (dataset, featureNames, _) = try CSVDataset.load(train: path, test: nil, options: .init(label: 2))
        XCTAssertEqual(featureNames, ["x", "y"])
        XCTAssertEqual(dataset.name, "table")
        XCTAssertEqual(dataset.classNames, ["cat", "dog"])
        XCTAssertNil(dataset.imageShape)
        XCTAssertEqual(dataset.files, [path])
        XCTAssertEqual(dataset.featureCount, 2)
        XCTAssertEqual(floats(dataset.train.features), [1.5, -2, 3, 40, 0.25, 0])
        XCTAssertEqual(dataset.train.labels, [0, 1, 0])
        XCTAssertEqual(dataset.test.count, 0)
        XCTAssertEqual(dataset.test.featureCount, 2)
    }

    func testATableWithoutHeaderIsAllData() throws {
        let (dataset, featureNames, encoder) = try load("1,2,0\n3,4,1\n5,6,1\n", options: .init(label: 2))
        XCTAssertEqual(featureNames, ["column 0", "column 1"])
        XCTAssertNil(encoder.header)
        XCTAssertEqual(floats(dataset.train.features), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(dataset.train.labels, [0, 1, 1])
        XCTAssertEqual(dataset.classNames, ["0", "1"])
    }

    func testHeaderDetectionRule() {
        let byIndex = CSVTableOptions(label: 0)
        XCTAssertTrue(CSVTableLayout.firstRecordIsHeader(["a", "b"], ["1", "2"], options: byIndex))
        XCTAssertTrue(CSVTableLayout.firstRecordIsHeader(["species", "island", "mass"], ["Adelie", "Dream", "3750"],
                                                         options: byIndex))
        // A first row holding a number is data, even with a missing value in it.
        XCTAssertFalse(CSVTableLayout.firstRecordIsHeader(["1", "NA"], ["2", "3"], options: byIndex))
        // Text over text says nothing; one row says nothing.
        XCTAssertFalse(CSVTableLayout.firstRecordIsHeader(["a", "b"], ["c", "d"], options: byIndex))
        XCTAssertFalse(CSVTableLayout.firstRecordIsHeader(["a", "b"], nil, options: byIndex))
        // Naming a column by text says there is a header, whatever the rows hold.
        XCTAssertTrue(CSVTableLayout.firstRecordIsHeader(["1", "2"], ["3", "4"], options: .init(label: "1")))
        XCTAssertTrue(CSVTableLayout.firstRecordIsHeader(["a", "b"], ["c", "d"], options: .init(label: 0, categorical: ["a"])))
    }

    func testLabelByNameAndAFeatureSubsetInItsOrder() throws {
        let (dataset, featureNames, _) = try load(
            Self.penguins, options: .init(label: "species", features: ["bill_depth_mm", 2]))
        XCTAssertEqual(featureNames, ["bill_depth_mm", "bill_length_mm"])
        XCTAssertEqual(floats(dataset.train.features), [18.7, 39.1, 13.2, 46.1, 17.9, 46.5, 18.3, 37.8])
        XCTAssertEqual(dataset.classNames, ["Adelie", "Chinstrap", "Gentoo"])
        XCTAssertEqual(dataset.train.labels, [0, 2, 1, 0])
    }

    func testTextLabelsAreTheSortedUnionOfTrainAndTest() throws {
        let (dataset, _, _) = try load("f,label\n1,beta\n2,gamma\n3,beta\n", options: .init(label: "label"),
                                       test: "f,label\n4,alpha\n5,gamma\n")
        XCTAssertEqual(dataset.classNames, ["alpha", "beta", "gamma"])
        XCTAssertEqual(dataset.train.labels, [1, 2, 1])
        XCTAssertEqual(dataset.test.labels, [0, 2])
        XCTAssertEqual(floats(dataset.test.features), [4, 5])
        XCTAssertEqual(dataset.files, [folder + "/table.csv", folder + "/test.csv"])
    }

    func testNumericLabelsAreClassIndicesUpToTheLargest() throws {
        let (dataset, _, _) = try load("0.5,3\n1.5,0\n2.5,3.0\n", options: .init(label: 1), test: "9,5\n")
        XCTAssertEqual(dataset.classNames, ["0", "1", "2", "3", "4", "5"])
        XCTAssertEqual(dataset.train.labels, [3, 0, 3])
        XCTAssertEqual(dataset.test.labels, [5])
    }

    func testTestFileFindsColumnsByHeaderName() throws {
        let (dataset, _, _) = try load(Self.penguins, options: .init(label: "species", features: ["bill_length_mm"]),
                                       test: "sex,bill_length_mm,species\nmale,50.5,Gentoo\n")
        XCTAssertEqual(floats(dataset.test.features), [50.5])
        XCTAssertEqual(dataset.test.labels, [2])
    }

    func testBlankLinesAreSkippedAndStillCounted() throws {
        let path = try write("a,label\n\n1,x\n   \n2,y\n\nNA,x\n")
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: 1)), path: path, line: 7,
                    contains: ["column 'a': 'NA' is not a number"])
    }

    // MARK: - Quoting, line ends, byte order mark

    func testQuotedCommasQuotesAndLineBreaksAndLineNumbersAfterThem() throws {
        let text = #"""
            name,value,label
            "Smith, Jo",1,"say ""hi"""
            "two
            lines",2,plain
            x,3,"a,b"

            """#
        let (dataset, featureNames, _) = try load(text, options: .init(label: "label", features: ["value", "name"],
                                                                       categorical: ["name"]))
        XCTAssertEqual(featureNames, ["value", "name=Smith, Jo", "name=two\nlines", "name=x"])
        XCTAssertEqual(dataset.classNames, ["a,b", "plain", "say \"hi\""])
        XCTAssertEqual(dataset.train.labels, [2, 1, 0])
        XCTAssertEqual(floats(dataset.train.features), [1, 1, 0, 0, 2, 0, 1, 0, 3, 0, 0, 1])

        // The record after the two-line one starts on line 5.
        let bad = try write(text.replacingOccurrences(of: "x,3,", with: "x,three,"), "bad.csv")
        assertError(try CSVDataset.load(train: bad, test: nil, options: .init(label: "label", features: ["value"])),
                    path: bad, line: 5, contains: ["column 'value': 'three' is not a number"])
    }

    func testCRLFLineEndsReadAsLF() throws {
        let crlf = Self.penguins.replacingOccurrences(of: "\n", with: "\r\n")
        let options = CSVTableOptions(label: "species", categorical: ["island", "sex"])
        let fromLF = try load(Self.penguins, options: options)
        let fromCRLF = try load(crlf, options: options)
        XCTAssertEqual(fromCRLF.featureNames, fromLF.featureNames)
        XCTAssertEqual(fromCRLF.dataset.train, fromLF.dataset.train)
        XCTAssertEqual(fromCRLF.dataset.classNames, fromLF.dataset.classNames)

        let bad = try write("label,a\r\n\"quoted\r\nbreak\",1\r\ny,2\r\n,3\r\n", "bad.csv")
        assertError(try CSVDataset.load(train: bad, test: nil, options: .init(label: "label")), path: bad, line: 5,
                    contains: ["label column 'label': the cell is empty"])
    }

    func testSkipsAUTF8ByteOrderMark() throws {
        let (dataset, featureNames, _) = try load("\u{FEFF}a,b,label\n1,2,x\n3,4,y\n", options: .init(label: "label", features: ["a"]))
        XCTAssertEqual(featureNames, ["a"])
        XCTAssertEqual(floats(dataset.train.features), [1, 3])
    }

    // MARK: - Categorical columns and the encoder

    func testCategoricalColumnsAreOneHotOverSortedTrainingValues() throws {
        let (dataset, featureNames, encoder) = try load(
            Self.penguins, options: .init(label: "species", features: ["island", "bill_length_mm", "sex"],
                                          categorical: ["sex", "island"]))
        XCTAssertEqual(featureNames, ["island=Biscoe", "island=Dream", "island=Torgersen", "bill_length_mm",
                                      "sex=female", "sex=male"])
        XCTAssertEqual(encoder.featureCount, 6)
        XCTAssertEqual(floats(dataset.train.features), [
            0, 0, 1, 39.1, 0, 1,
            1, 0, 0, 46.1, 1, 0,
            0, 1, 0, 46.5, 1, 0,
            1, 0, 0, 37.8, 0, 1,
        ])
        XCTAssertEqual(encoder.columns.map(\.categories), [["Biscoe", "Dream", "Torgersen"], nil, ["female", "male"]])
    }

    func testEncoderReadsFilesToPredictLikeTheTrainingFile() throws {
        let options = CSVTableOptions(label: "species", categorical: ["island", "sex"])
        let (dataset, _, encoder) = try load(Self.penguins, options: options)
        // Columns in another order, no label: found by name.
        let predict = try write("""
            sex,bill_depth_mm,island,bill_length_mm
            female,13.2,Biscoe,46.1
            male,18.7,Torgersen,39.1

            """, "predict.csv")
        let rows = try encoder.encodeRows(ofFile: predict)
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.lines, [2, 3])
        XCTAssertEqual(rows.featureCount, dataset.featureCount)
        XCTAssertEqual(rows.features, floats(dataset.train.examples(at: [1, 0]).features))

        // Through a checkpoint's JSON and back, the same.
        let decoded = try JSONDecoder().decode(CSVFeatureEncoder.self, from: JSONEncoder().encode(encoder))
        XCTAssertEqual(decoded, encoder)
        XCTAssertEqual(try decoded.encodeRows(ofFile: predict), rows)
    }

    func testEncoderWithoutHeaderTakesRowsWithOrWithoutTheLabel() throws {
        let (dataset, _, encoder) = try load("1,a,10\n2,b,20\n", options: .init(label: 1))
        XCTAssertEqual(floats(dataset.train.features), [1, 10, 2, 20])
        let withLabel = try encoder.encodeRows(ofFile: write("3,a,30\n", "with.csv"))
        let withoutLabel = try encoder.encodeRows(ofFile: write("3,30\n4,40\n", "without.csv"))
        XCTAssertEqual(withLabel.features, [3, 30])
        XCTAssertEqual(withoutLabel.features, [3, 30, 4, 40])
        let wrong = try write("1,2,3,4\n", "wrong.csv")
        assertError(try encoder.encodeRows(ofFile: wrong), path: wrong, line: 1,
                    contains: ["this row has 4 cells, but the training table has 3 (or 2 without the label) columns"])
    }

    func testDecodingRefusesAnInconsistentEncoder() throws {
        let (_, _, encoder) = try load(Self.penguins, options: .init(label: "species", categorical: ["island", "sex"]))
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(encoder)) as? [String: Any])
        json["labelIndex"] = 9
        XCTAssertThrowsError(try JSONDecoder().decode(CSVFeatureEncoder.self,
                                                      from: JSONSerialization.data(withJSONObject: json))) { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.debugDescription, "label column 9 of 5")
        }
        XCTAssertThrowsError(try CSVFeatureEncoder(header: encoder.header, columnCount: 5, labelIndex: 0, columns: [
            .init(index: 1, categories: ["Dream", "Biscoe"]),
        ], path: "t.csv")) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(path: "t.csv", "makes an inconsistent feature encoder: "
                                                                + "the categories of column 1 are not distinct, sorted and at least one"))
        }
    }

    // MARK: - Errors

    func testANonNumberNamesFileLineAndColumn() throws {
        let path = try write(Self.penguins.replacingOccurrences(of: "46.5", with: "NA"), "penguins.csv")
        XCTAssertThrowsError(try CSVDataset.load(train: path, test: nil, options: .init(label: "species", features: ["bill_length_mm"]))) {
            XCTAssertEqual(($0 as? DatasetError)?.description, "\(path):4: column 'bill_length_mm': 'NA' is not a number; "
                           + "list the column under categorical to one-hot encode text")
        }
    }

    func testAnEmptyCellOrANonFiniteNumber() throws {
        let path = try write("a,b,label\n1,2,x\n3,,y\n")
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: "label")), path: path, line: 3,
                    contains: ["column 'b': the cell is empty"])
        let infinite = try write("a,label\n1e39,x\n", "infinite.csv")
        assertError(try CSVDataset.load(train: infinite, test: nil, options: .init(label: "label")), path: infinite,
                    line: 2, contains: ["column 'a': '1e39' is not a finite number"])
    }

    func testARaggedRow() throws {
        let path = try write("a,b,label\n1,2,x\n3,y\n")
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: "label")), path: path, line: 3,
                    contains: ["this row has 2 cells, but the header (line 1) has 3"])
        // An unclosed quote runs on: the message says where to look.
        let unclosed = try write("a,b,label\n1,\"2,x\n3,4,y\n", "unclosed.csv")
        assertError(try CSVDataset.load(train: unclosed, test: nil, options: .init(label: "label")), path: unclosed,
                    line: 2, contains: ["this row has 2 cells", "run on to line 4: is a quote misplaced?"])
    }

    func testAnUnknownColumnNameListsTheHeaderWithASuggestion() throws {
        let path = try write(Self.penguins)
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: "species", features: ["bil_length_mm"])),
                    path: path, line: 1,
                    contains: ["the header has no column 'bil_length_mm'; did you mean 'bill_length_mm'?",
                               "Its columns are: species, island, bill_length_mm, bill_depth_mm, sex"])
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: "weight")), path: path, line: 1,
                    contains: ["the header has no column 'weight'. Its columns are: species, island"])
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: 5)), path: path, line: 1,
                    contains: ["there is no column 5: the table has 5 columns, numbered 0 to 4"])
    }

    func testColumnListsThatContradictThemselves() throws {
        let path = try write(Self.penguins)
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: "species", features: [0, 2])),
                    path: path, line: 1, contains: ["features lists column 'species', which is the label"])
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: 0, features: [2, "bill_length_mm"])),
                    path: path, line: 1, contains: ["features lists column 'bill_length_mm' twice"])
        assertError(try CSVDataset.load(train: path, test: nil,
                                        options: .init(label: 0, features: [2], categorical: ["island"])),
                    path: path, line: 1, contains: ["categorical lists column 'island', which is not among the features"])
        let twice = try write("a,a,label\n1,2,x\n3,4,y\n", "twice.csv")
        assertError(try CSVDataset.load(train: twice, test: nil, options: .init(label: 2)), path: twice, line: 1,
                    contains: ["the header names 'a' more than once (columns 0, 1)"])
    }

    func testNumericLabelsOutsideClassIndices() throws {
        for (label, line) in [("300", 3), ("-1", 3), ("2.5", 3)] {
            let path = try write("f,y\n1,0\n2,\(label)\n3,1\n")
            assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: "y")), path: path, line: line,
                        contains: ["label column 'y': '\(label)' is not a class index, a whole number from 0 to 255"])
        }
    }

    func testLabelsMixingNumbersAndTextOrOfOneClass() throws {
        let path = try write("f,y\n1,0\n2,1\n3,NA\n")
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: "y")), path: path, line: 4,
                    contains: ["label column 'y': 'NA' is text, but the first label ('0', line 2) is a number"])
        let single = try write("f,y\n1,cat\n2,cat\n", "single.csv")
        assertError(try CSVDataset.load(train: single, test: nil, options: .init(label: "y")), path: single, line: nil,
                    contains: ["label column 'y' holds only one class, 'cat'; a classifier needs at least two"])
    }

    func testMoreThan256TextClasses() throws {
        let path = try write("f,y\n" + (0...256).map { "\($0),class\($0)\n" }.joined())
        assertError(try CSVDataset.load(train: path, test: nil, options: .init(label: "y")), path: path, line: 258,
                    contains: ["'class256' would be class number 257; at most 256 are supported"])
    }

    func testACategoricalValueTheTrainingFileLacks() throws {
        let train = try write(Self.penguins)
        let test = try write("species,island,bill_length_mm,bill_depth_mm,sex\nAdelie,Dream,40,18,male\n"
                             + "Gentoo,Atlantis,41,17,female\n", "test.csv")
        assertError(try CSVDataset.load(train: train, test: test,
                                        options: .init(label: "species", categorical: ["island", "sex"])),
                    path: test, line: 3,
                    contains: ["column 'island': 'Atlantis' is not among the values the training table has for this "
                               + "categorical column: 'Biscoe', 'Dream', 'Torgersen'"])
    }

    func testATestFileWithoutTheLabelOrAColumn() throws {
        let train = try write(Self.penguins)
        let test = try write("island,bill_length_mm,bill_depth_mm,sex\nDream,40,18,male\n", "test.csv")
        assertError(try CSVDataset.load(train: train, test: test, options: .init(label: "species", features: ["bill_depth_mm"])),
                    path: test, line: 1, contains: ["the header has no column 'species', which the training table has as its label"])
        let withoutIsland = try write("species,bill_length_mm,bill_depth_mm,sex\nAdelie,40,18,male\n", "test2.csv")
        assertError(try CSVDataset.load(train: train, test: withoutIsland,
                                        options: .init(label: "species", categorical: ["island", "sex"])),
                    path: withoutIsland, line: 1, contains: ["the header has no column 'island', which the training table has."])
    }

    func testAHeaderlessFirstRowOfTextSaysHowToMarkAHeader() throws {
        // A header over a number is found; a header over text in every column is not, and line 1's text
        // then fails as a number.
        let path = try write("length,label\n1.5,cat\n2,dog\n")
        XCTAssertEqual(try CSVDataset.load(train: path, test: nil, options: .init(label: 1)).featureNames, ["length"])
        let textFirst = try write("width,label\nwide,cat\n2,dog\n", "text.csv")
        assertError(try CSVDataset.load(train: textFirst, test: nil, options: .init(label: 1)), path: textFirst,
                    line: 1, contains: ["column 0: 'width' is not a number",
                                        "if line 1 is a header, name the label column by its header name to say so"])
    }

    func testEmptyFilesAndHeadersAlone() throws {
        let empty = try write("", "empty.csv")
        assertError(try CSVDataset.load(train: empty, test: nil, options: .init(label: 0)), path: empty, line: nil,
                    contains: ["holds no rows"])
        let headerOnly = try write("\na,label\n", "header.csv")
        assertError(try CSVDataset.load(train: headerOnly, test: nil, options: .init(label: "label")), path: headerOnly,
                    line: 2, contains: ["holds a header but no data rows"])
    }

    func testTextThatIsNotUTF8() throws {
        let latin1 = folder + "/latin1.csv"
        try TestFiles.write(Array("a,label\n1,x\n2,caf".utf8) + [0xE9] + Array("\n".utf8), to: latin1)
        assertError(try CSVDataset.load(train: latin1, test: nil, options: .init(label: "label")), path: latin1, line: 3,
                    contains: ["this row is not UTF-8 text; save the table as UTF-8"])
        let utf16 = folder + "/utf16.csv"
        try TestFiles.write([0xFF, 0xFE] + Array("a,label\n".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, to: utf16)
        assertError(try CSVDataset.load(train: utf16, test: nil, options: .init(label: "label")), path: utf16, line: nil,
                    contains: ["is UTF-16 or UTF-32 text; save the table as UTF-8"])
    }

    func testAFolderOrAFIFOIsRefusedWithoutBlocking() throws {
        assertError(try CSVDataset.load(train: folder, test: nil, options: .init(label: 0)), path: folder, line: nil,
                    contains: ["is a folder, not a file"])
        let fifo = folder + "/table.fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        assertError(try CSVDataset.load(train: fifo, test: nil, options: .init(label: 0)), path: fifo, line: nil,
                    contains: ["is a named pipe (FIFO), not a regular file"])
        let missing = folder + "/missing.csv"
        assertError(try CSVDataset.load(train: try write(Self.penguins), test: missing,
                                        options: .init(label: "species", features: ["bill_length_mm"])),
                    path: missing, line: nil, contains: ["no such file"])
    }

    // MARK: - Limits

    func testARecordPastTheLimitIsRefusedAsItIsRead() throws {
        // An unclosed quote swallows the rest of the file into one record.
        let path = try write("a,label\n1,x\n\"" + String(repeating: "2,y\n", count: 100_000))
        let records = try CSVRecords(path: path, maximumFileBytes: CSVDataset.maximumFileBytes,
                                     maximumRecordBytes: 1 << 17)
        XCTAssertEqual(try records.next(), CSVRecord(cells: ["a", "label"], line: 1))
        XCTAssertEqual(try records.next(), CSVRecord(cells: ["1", "x"], line: 2))
        XCTAssertThrowsError(try records.next()) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(
                path: path, "a record longer than 131072 bytes starts here; is a closing quote missing?", line: 3))
        }
    }

    func testFilesAndTablesPastTheLimits() throws {
        let path = try write(Self.penguins)
        let size = Self.penguins.utf8.count
        XCTAssertThrowsError(try CSVRecords(path: path, maximumFileBytes: size - 1, maximumRecordBytes: 1 << 20)) { error in
            XCTAssertEqual(error as? DatasetError, DatasetError(
                path: path, "is \(size) bytes, over the \(size - 1)-byte limit for a table"))
        }
        let first = CSVRecord(cells: ["a", "b", "c"], line: 1)
        assertError(try CSVTableLayout(path: path, first: first, second: nil, options: .init(label: 0), maximumColumnCount: 2),
                    path: path, line: 1, contains: ["this row has 3 cells, over the limit of 2 columns for a table"])
    }
}
