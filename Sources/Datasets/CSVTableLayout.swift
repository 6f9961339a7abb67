/// Where the label and the features are in a training table: whether its first record is a header,
/// and which columns the options name.
///
/// The first record is a header when the options name any column by text (`label: species`), or when
/// none of its cells is a number while the next record has a number in at least one of its columns
/// (`species,bill_length_mm` over `Adelie,39.1`). A first record with a number in it is data, so a
/// headerless table whose first row has a missing value (`NA`) is not mistaken for one with a header
/// and silently loses that row; its error then says how to mark line 1 as a header.
struct CSVTableLayout {
    struct FeatureColumn: Equatable {
        var index: Int
        var categorical: Bool
    }

    var header: CSVHeader?
    var columnCount: Int
    var labelIndex: Int
    var features: [FeatureColumn]

    init(path: String, first: CSVRecord, second: CSVRecord?, options: CSVTableOptions, maximumColumnCount: Int) throws {
        columnCount = first.cells.count
        guard columnCount <= maximumColumnCount else {
            throw DatasetError(path: path, "this row has \(columnCount) cells, over the limit of \(maximumColumnCount) "
                               + "columns for a table", line: first.line)
        }
        if Self.firstRecordIsHeader(first.cells, second?.cells, options: options) {
            header = CSVHeader(names: first.cells.map { String(CSVCell.trimmed($0)) }, line: first.line)
        }
        let resolve = { [header, columnCount] (column: CSVColumn) throws -> Int in
            switch column {
            case .name(let name):
                // A named column makes the first record a header, so `header` is set.
                return try header!.index(of: name, path: path)
            case .index(let index):
                guard (0..<columnCount).contains(index) else {
                    throw DatasetError(path: path, "there is no column \(index): the table has \(columnCount) "
                                       + "columns, numbered 0 to \(columnCount - 1)", line: first.line)
                }
                return index
            }
        }
        let labelIndex = try resolve(options.label)
        self.labelIndex = labelIndex
        let featureIndices = try options.features.map { try $0.map(resolve) }
            ?? (0..<columnCount).filter { $0 != labelIndex }
        let categoricalIndices = try options.categorical.map(resolve)
        let categorical = Set(categoricalIndices)
        features = featureIndices.map { FeatureColumn(index: $0, categorical: categorical.contains($0)) }
        try check(path: path, featureIndices: featureIndices, categoricalIndices: categoricalIndices, line: first.line)
    }

    static func firstRecordIsHeader(_ first: [String], _ second: [String]?, options: CSVTableOptions) -> Bool {
        if options.namesColumns { return true }
        guard let second, !first.contains(where: CSVCell.isNumber) else { return false }
        return zip(first, second).contains { CSVCell.isNumber($0.1) }
    }

    /// A column as messages name it: by its header name, or by its position without one.
    func describe(column index: Int) -> String {
        guard let name = header?.names[index], !name.isEmpty else { return "column \(index)" }
        return "column '\(name)'"
    }

    private func check(path: String, featureIndices: [Int], categoricalIndices: [Int], line: Int) throws {
        guard !featureIndices.isEmpty else {
            throw DatasetError(path: path, "there are no feature columns besides the label, \(describe(column: labelIndex))",
                               line: line)
        }
        for (list, indices) in [("features", featureIndices), ("categorical", categoricalIndices)] {
            var listed = Set<Int>()
            for index in indices {
                guard index != labelIndex else {
                    throw DatasetError(path: path, "\(list) lists \(describe(column: index)), which is the label",
                                       line: line)
                }
                guard listed.insert(index).inserted else {
                    throw DatasetError(path: path, "\(list) lists \(describe(column: index)) twice", line: line)
                }
            }
        }
        let features = Set(featureIndices)
        if let stray = categoricalIndices.first(where: { !features.contains($0) }) {
            throw DatasetError(path: path, "categorical lists \(describe(column: stray)), which is not among the features",
                               line: line)
        }
        // Test and predict files find the columns by name, so each must name only one.
        if let header {
            for index in [labelIndex] + featureIndices {
                _ = try header.index(of: header.names[index], path: path)
            }
        }
    }
}
