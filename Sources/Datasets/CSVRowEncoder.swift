/// A `CSVFeatureEncoder` applied to one file: where that file keeps each feature column and the
/// label, found from its first record, and each categorical value's feature.
struct CSVRowEncoder {
    let path: String
    let firstRecordIsHeader: Bool
    private let encoder: CSVFeatureEncoder
    /// The number of cells every data row of this file has.
    private let cellCount: Int
    /// Per feature column of the encoder, the cell that holds it in this file.
    private let featureCells: [Int]
    private let labelCell: Int?
    /// Per feature column, for a categorical one, each value's place among its features.
    private let categoryPlaces: [[String: Int]?]
    private let header: [String]?
    private let headerLine: Int?

    init(_ encoder: CSVFeatureEncoder, firstRecord first: CSVRecord, path: String, labelRequired: Bool) throws {
        self.encoder = encoder
        self.path = path
        categoryPlaces = encoder.columns.map { column in
            column.categories.map { Dictionary(uniqueKeysWithValues: $0.enumerated().map { ($1, $0) }) }
        }
        if let trainingHeader = encoder.header {
            // Then this file's first record is its header, and the columns are found by name.
            let header = CSVHeader(names: first.cells.map { String(CSVCell.trimmed($0)) }, line: first.line)
            let purpose = ", which the training table has"
            firstRecordIsHeader = true
            self.header = header.names
            headerLine = first.line
            cellCount = header.names.count
            featureCells = try encoder.columns.map { try header.index(of: trainingHeader[$0.index], path: path, purpose: purpose) }
            let labelName = trainingHeader[encoder.labelIndex]
            if labelRequired || header.names.contains(labelName) {
                labelCell = try header.index(of: labelName, path: path, purpose: purpose + " as its label")
            } else {
                labelCell = nil
            }
        } else {
            // No header: the columns are where they were in training, but for a missing label column.
            firstRecordIsHeader = false
            header = nil
            headerLine = nil
            cellCount = first.cells.count
            let labelIndex = encoder.labelIndex
            if cellCount == encoder.columnCount {
                labelCell = labelIndex
                featureCells = encoder.columns.map(\.index)
            } else if cellCount == encoder.columnCount - 1, !labelRequired {
                labelCell = nil
                featureCells = encoder.columns.map { $0.index > labelIndex ? $0.index - 1 : $0.index }
            } else {
                let expected = labelRequired ? "\(encoder.columnCount)" : "\(encoder.columnCount) (or \(encoder.columnCount - 1) without the label)"
                throw DatasetError(path: path, "this row has \(cellCount) cells, but the training table has \(expected) "
                                   + "columns", line: first.line)
            }
        }
    }

    /// Appends `record`'s features to `features`.
    func encode(_ record: CSVRecord, into features: inout [Float]) throws {
        try record.requireCellCount(cellCount, headerLine: headerLine, path: path)
        for (column, (cell, places)) in zip(encoder.columns, zip(featureCells, categoryPlaces)) {
            let text = record.cells[cell]
            guard let places, let categories = column.categories else {
                features.append(try CSVCell.number(text, column: describe(cell: cell), path: path, line: record.line))
                continue
            }
            let value = String(CSVCell.trimmed(text))
            guard !value.isEmpty else {
                throw DatasetError(path: path, "\(describe(cell: cell)): the cell is empty", line: record.line)
            }
            guard let place = places[value] else {
                let known = categories.prefix(20).map { "'\($0)'" }.joined(separator: ", ")
                    + (categories.count > 20 ? " and \(categories.count - 20) more" : "")
                throw DatasetError(path: path, "\(describe(cell: cell)): '\(CSVCell.shown(text))' is not among the "
                                   + "values the training table has for this categorical column: \(known)", line: record.line)
            }
            features.append(contentsOf: repeatElement(0, count: categories.count))
            features[features.count - categories.count + place] = 1
        }
    }

    /// The label cell of `record`, when this file has the label column.
    func labelCell(of record: CSVRecord) -> String? {
        labelCell.map { record.cells[$0] }
    }

    /// A cell's column as messages name it: by header name, or by its position in this file.
    func describe(cell: Int) -> String {
        guard let name = header?[cell], !name.isEmpty else { return "column \(cell)" }
        return "column '\(name)'"
    }
}
