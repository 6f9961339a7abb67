/// How a table's rows become feature vectors: which columns, in which order, and each categorical
/// column's values, as the training file fixed them. `CSVDataset.load` builds it and reads the test
/// file with it; it is Codable so that a checkpoint can keep it and `labbook predict` can read new
/// files the same way.
///
/// Other files find the columns by the training header's names (their order and extra columns do
/// not matter), or by position when the training file had no header. The label column may be left
/// out of files to predict.
public struct CSVFeatureEncoder: Sendable, Equatable, Codable {
    /// A feature column: a number, or a categorical column one-hot encoded over its training values.
    public struct Column: Sendable, Equatable, Codable {
        /// Its position in the training file.
        public var index: Int
        /// The training file's values of a categorical column, sorted: one feature each, in this
        /// order. `nil` for a column of numbers.
        public var categories: [String]?

        public init(index: Int, categories: [String]?) {
            self.index = index
            self.categories = categories
        }

        var featureCount: Int { categories?.count ?? 1 }
    }

    /// The training file's header, or `nil` when it had none.
    public let header: [String]?
    /// The training file's number of columns.
    public let columnCount: Int
    /// The label's position in the training file.
    public let labelIndex: Int
    /// The feature columns, in the order of the features.
    public let columns: [Column]

    /// Builds the encoder of the training file at `path`, checking that its parts fit together (as
    /// decoding does too); its parts are constants, so that encoding can rely on the check.
    init(header: [String]?, columnCount: Int, labelIndex: Int, columns: [Column], path: String) throws {
        self.header = header
        self.columnCount = columnCount
        self.labelIndex = labelIndex
        self.columns = columns
        if let problem = inconsistency {
            throw DatasetError(path: path, "makes an inconsistent feature encoder: \(problem)")
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        header = try container.decodeIfPresent([String].self, forKey: .header)
        columnCount = try container.decode(Int.self, forKey: .columnCount)
        labelIndex = try container.decode(Int.self, forKey: .labelIndex)
        columns = try container.decode([Column].self, forKey: .columns)
        // A checkpoint's metadata may be edited or damaged; encoding trusts these values.
        if let problem = inconsistency {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
    }

    public var featureCount: Int { columns.reduce(0) { $0 + $1.featureCount } }

    /// A name per feature, for reports and predictions: the header name of a number column
    /// (`bill_length_mm`), `name=value` for each value of a categorical one (`island=Biscoe`), and
    /// `column 3` for a column without a header name.
    public var featureNames: [String] {
        columns.flatMap { column in
            let name = columnName(column.index)
            return column.categories.map { $0.map { "\(name)=\($0)" } } ?? [name]
        }
    }

    /// The label column's name, as `featureNames` names columns.
    public var labelName: String { columnName(labelIndex) }

    func columnName(_ index: Int) -> String {
        guard let name = header?[index], !name.isEmpty else { return "column \(index)" }
        return name
    }

    private var inconsistency: String? {
        guard (1...CSVDataset.maximumColumnCount).contains(columnCount) else {
            return "a table of \(columnCount) columns"
        }
        if let header, header.count != columnCount { return "a header of \(header.count) names for \(columnCount) columns" }
        guard (0..<columnCount).contains(labelIndex) else { return "label column \(labelIndex) of \(columnCount)" }
        guard !columns.isEmpty else { return "no feature columns" }
        var seen = Set([labelIndex])
        for column in columns {
            guard (0..<columnCount).contains(column.index), seen.insert(column.index).inserted else {
                return "feature column \(column.index) is out of range or used twice"
            }
            if let categories = column.categories {
                guard !categories.isEmpty, zip(categories, categories.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    return "the categories of column \(column.index) are not distinct, sorted and at least one"
                }
            }
        }
        guard featureCount <= CSVDataset.maximumFeatureValues else { return "\(featureCount) features" }
        return nil
    }

    /// Every data row of the CSV file at `path`, as features. The label column may be there or not.
    public func encodeRows(ofFile path: String) throws -> CSVEncodedRows {
        try readRows(ofFile: path, labelRequired: false) { _, _ in }
    }

    /// Reads every data row of `path` into features, handing each row's label cell (when the file has
    /// the label column) and line to `label`.
    func readRows(ofFile path: String, labelRequired: Bool, label: (String, Int) throws -> Void) throws -> CSVEncodedRows {
        let records = try CSVDataset.records(path)
        guard let first = try records.next() else { throw DatasetError(path: path, "holds no rows") }
        let encoder = try CSVRowEncoder(self, firstRecord: first, path: path, labelRequired: labelRequired)
        let featureCount = self.featureCount  // summed over the columns, so not once per row
        var rows = CSVEncodedRows(features: [], featureCount: featureCount, lines: [])
        var next = encoder.firstRecordIsHeader ? try records.next() : first
        while let record = next {
            guard (rows.count + 1) * featureCount <= CSVDataset.maximumFeatureValues else {
                throw DatasetError(path: path, "this row takes the table past the limit of "
                                   + "\(CSVDataset.maximumFeatureValues) feature values (rows × features)", line: record.line)
            }
            try encoder.encode(record, into: &rows.features)
            if let cell = encoder.labelCell(of: record) { try label(cell, record.line) }
            rows.lines.append(record.line)
            next = try records.next()
        }
        guard rows.count > 0 else { throw DatasetError(path: path, "holds a header but no data rows", line: first.line) }
        return rows
    }
}

/// Rows of a CSV file as features, `featureCount` per row, in the file's order.
public struct CSVEncodedRows: Sendable, Equatable {
    public var features: [Float]
    public var featureCount: Int
    /// The line each row starts on, for messages about a row.
    public var lines: [Int]

    public var count: Int { lines.count }
}
