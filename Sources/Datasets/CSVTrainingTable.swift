/// The training file read in one pass: its layout, its features and its rows' labels, and the
/// encoder it fixes for other files.
///
/// Categorical cells are kept as ids in the order their values first appear, and turned into one-hot
/// features at the end, when every value, and so their sorted order, is known.
struct CSVTrainingTable {
    var encoder: CSVFeatureEncoder
    var features: [Float]
    /// As `CSVClassLabels.add` returned them.
    var labels: [UInt8]

    init(path: String, options: CSVTableOptions, labels classLabels: inout CSVClassLabels) throws {
        let records = try CSVDataset.records(path)
        guard let first = try records.next() else { throw DatasetError(path: path, "holds no rows") }
        let second = try records.next()
        let layout = try CSVTableLayout(path: path, first: first, second: second, options: options,
                                        maximumColumnCount: CSVDataset.maximumColumnCount)
        classLabels.column = "label " + layout.describe(column: layout.labelIndex)
        let numberColumns = layout.features.filter { !$0.categorical }.map(\.index)
        let categoricalColumns = layout.features.filter(\.categorical).map(\.index)
        let valuesPerRow = numberColumns.count + categoricalColumns.count
        let categoricalHint = "; list the column under categorical to one-hot encode text"
        // Said with the first row's errors when it was taken for data, as a header's text fails as numbers.
        let headerHint = layout.header == nil
            ? "; if line \(first.line) is a header, name the label column by its header name to say so" : ""

        var numbers: [Float] = []
        var categoryIDs: [Int] = []
        var categoryValues = [[String]](repeating: [], count: categoricalColumns.count)
        var categoryIDByValue = [[String: Int]](repeating: [:], count: categoricalColumns.count)
        var labels: [UInt8] = []
        var pending = layout.header == nil ? [first, second].compactMap { $0 } : [second].compactMap { $0 }
        while let record = try pending.isEmpty ? records.next() : pending.removeFirst() {
            guard (labels.count + 1) * valuesPerRow <= CSVDataset.maximumFeatureValues else {
                throw DatasetError(path: path, "this row takes the table past the limit of "
                                   + "\(CSVDataset.maximumFeatureValues) feature values (rows × features)", line: record.line)
            }
            try record.requireCellCount(layout.columnCount, headerLine: layout.header?.line, path: path)
            labels.append(try classLabels.add(record.cells[layout.labelIndex], path: path, line: record.line))
            for index in numberColumns {
                numbers.append(try CSVCell.number(record.cells[index], column: layout.describe(column: index),
                                                  path: path, line: record.line,
                                                  textHint: categoricalHint + (record.line == first.line ? headerHint : "")))
            }
            for (position, index) in categoricalColumns.enumerated() {
                let value = String(CSVCell.trimmed(record.cells[index]))
                guard !value.isEmpty else {
                    throw DatasetError(path: path, "\(layout.describe(column: index)): the cell is empty", line: record.line)
                }
                if let id = categoryIDByValue[position][value] {
                    categoryIDs.append(id)
                } else {
                    categoryIDByValue[position][value] = categoryValues[position].count
                    categoryIDs.append(categoryValues[position].count)
                    categoryValues[position].append(value)
                }
            }
        }
        guard !labels.isEmpty else {
            throw DatasetError(path: path, "holds a header but no data rows", line: first.line)
        }

        // Each categorical column's values sorted, and each value's place among them, by id.
        let orders = categoryValues.map { values in values.indices.sorted { values[$0] < values[$1] } }
        var sortedValues = zip(categoryValues, orders).map { values, order in order.map { values[$0] } }.makeIterator()
        let places = orders.map { order in
            var places = [Int](repeating: 0, count: order.count)
            for (place, id) in order.enumerated() { places[id] = place }
            return places
        }
        let featureCount = numberColumns.count + categoryValues.reduce(0) { $0 + $1.count }
        guard labels.count * featureCount <= CSVDataset.maximumFeatureValues else {
            // Only one-hot encoding can grow the features past the limit the rows were read within.
            let widest = categoricalColumns.indices.max { categoryValues[$0].count < categoryValues[$1].count }
            throw DatasetError(path: path, "one-hot encoding makes \(featureCount) features for \(labels.count) rows, past "
                               + "the limit of \(CSVDataset.maximumFeatureValues) feature values"
                               + (widest.map { "; \(layout.describe(column: categoricalColumns[$0])) alone has "
                                   + "\(categoryValues[$0].count) distinct values: is it really categorical?" } ?? ""))
        }
        let columns = layout.features.map { feature in
            CSVFeatureEncoder.Column(index: feature.index, categories: feature.categorical ? sortedValues.next()! : nil)
        }
        encoder = try CSVFeatureEncoder(header: layout.header?.names, columnCount: layout.columnCount,
                                        labelIndex: layout.labelIndex, columns: columns, path: path)
        self.labels = labels
        guard !categoricalColumns.isEmpty else {
            // Then the numbers, row by row in the features' order, are the features: no copy.
            features = numbers
            return
        }

        var features = [Float](repeating: 0, count: labels.count * featureCount)
        var (nextNumber, nextCategory, target) = (0, 0, 0)
        for _ in labels.indices {
            var position = 0  // among the categorical columns
            for feature in layout.features {
                if feature.categorical {
                    features[target + places[position][categoryIDs[nextCategory + position]]] = 1
                    target += places[position].count
                    position += 1
                } else {
                    features[target] = numbers[nextNumber]
                    nextNumber += 1
                    target += 1
                }
            }
            nextCategory += categoricalColumns.count
        }
        self.features = features
    }
}
