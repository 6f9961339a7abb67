import Foundation

/// A classification table in CSV: one row per example, a label column and feature columns, read
/// into `FeatureStorage.floats` (numbers as they are, categorical text one-hot encoded).
///
/// The limits keep a damaged or hostile file from exhausting memory before it is refused.
public enum CSVDataset {
    /// The largest table file read: 2 GiB.
    public static let maximumFileBytes = 1 << 31
    /// The longest record (row, with any quoted line breaks): about 4 MiB, room for the widest table's
    /// numbers. A longer one is almost always an unclosed quote running on through the file, and the
    /// CSV library holds a record's cells at 16 bytes each before it can be refused.
    public static let maximumRecordBytes = 1 << 22
    /// The most columns a table may have.
    public static let maximumColumnCount = 100_000
    /// The most feature values (rows × features, after one-hot encoding) of one file: 2 GiB as Float.
    public static let maximumFeatureValues = 1 << 29

    /// Reads the training table at `train` and, if given, the test table at `test`, with the same
    /// columns (found by the training header's names, or by position without a header). Without
    /// `test` the test split is empty; `Dataset.holdingOutTest` then draws one from the training rows.
    ///
    /// Returns the dataset, named after the training file, its feature names (as `encoder.featureNames`)
    /// and the encoder that reads other files' rows into the same features.
    public static func load(train: String, test: String?, options: CSVTableOptions) throws
        -> (dataset: Dataset, featureNames: [String], encoder: CSVFeatureEncoder)
    {
        var classLabels = CSVClassLabels()
        let training = try CSVTrainingTable(path: train, options: options, labels: &classLabels)
        let encoder = training.encoder
        var testLabels: [UInt8] = []
        let testRows = try test.map { path in
            try encoder.readRows(ofFile: path, labelRequired: true) { cell, line in
                testLabels.append(try classLabels.add(cell, path: path, line: line))
            }
        }
        let classes = try classLabels.classes(path: train)
        let dataset = Dataset(
            name: URL(fileURLWithPath: train).deletingPathExtension().lastPathComponent,
            classNames: classes.names,
            imageShape: nil,
            train: LabeledExamples(features: .floats(training.features),
                                   labels: training.labels.map { classes.indexOfLabel[Int($0)] },
                                   featureCount: encoder.featureCount),
            test: LabeledExamples(features: .floats(testRows?.features ?? []),
                                  labels: testLabels.map { classes.indexOfLabel[Int($0)] },
                                  featureCount: encoder.featureCount),
            files: [train] + (test.map { [$0] } ?? []))
        return (dataset, encoder.featureNames, encoder)
    }

    /// Every data row of the CSV file at `path` as `featureCount` numbers, for a network trained on a
    /// table that came without an encoder (the columns of an .npy or .npz array, the spiral's
    /// coordinates). The first row is a header, and skipped, when none of its cells is a number;
    /// every other row must hold exactly `featureCount` finite numbers.
    public static func numberRows(ofFile path: String, featureCount: Int) throws -> CSVEncodedRows {
        precondition(featureCount > 0, "rows of \(featureCount) features")
        let records = try records(path)
        guard let first = try records.next() else { throw DatasetError(path: path, "holds no rows") }
        var rows = CSVEncodedRows(features: [], featureCount: featureCount, lines: [])
        let isHeader = !first.cells.contains(where: CSVCell.isNumber)
        var next = isHeader ? try records.next() : first
        while let record = next {
            guard record.cells.count == featureCount else {
                throw DatasetError(path: path, "this row has \(record.cells.count) cells, but the network reads "
                                   + "\(featureCount) feature\(featureCount == 1 ? "" : "s") per row", line: record.line)
            }
            guard (rows.count + 1) * featureCount <= maximumFeatureValues else {
                throw DatasetError(path: path, "this row takes the table past the limit of \(maximumFeatureValues) "
                                   + "feature values (rows × features)", line: record.line)
            }
            for (index, cell) in record.cells.enumerated() {
                rows.features.append(try CSVCell.number(cell, column: "column \(index)", path: path, line: record.line))
            }
            rows.lines.append(record.line)
            next = try records.next()
        }
        guard rows.count > 0 else { throw DatasetError(path: path, "holds a header but no data rows", line: first.line) }
        return rows
    }

    /// The records of the CSV file at `path`, within the limits.
    static func records(_ path: String) throws -> CSVRecords {
        try CSVRecords(path: path, maximumFileBytes: maximumFileBytes, maximumRecordBytes: maximumRecordBytes)
    }
}
