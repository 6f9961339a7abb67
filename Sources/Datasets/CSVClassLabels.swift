/// The label column's cells, over the training and the test file, and the classes they make.
///
/// The first label decides the kind. Numeric labels stay as they are: whole numbers 0 to 255 are
/// the class indices, with names "0", "1", ... up to the largest. Text labels become classes in
/// sorted order, the union of both files' labels, so the indices of train and test agree. A column
/// mixing numbers and text is an error rather than text classes, since sorted as text "10" would
/// come before "2" and quietly renumber classes meant as numbers.
struct CSVClassLabels {
    private enum Kind {
        case numbers
        case text
    }

    /// Where the first label was seen, for the message when a later one is of the other kind.
    private struct Sighting {
        var path: String
        var line: Int
        var text: String
    }

    static let maximumClassCount = 256

    /// The label column as messages name it ("label column 'species'").
    var column = "label column"
    private var kind: Kind?
    private var first: Sighting?
    private var textIDs: [String: UInt8] = [:]
    private var texts: [String] = []
    private var largestNumber: UInt8 = 0
    private var numbersSeen = Set<UInt8>()

    /// The label of one cell: its class index for numbers, a provisional id for text (turned into
    /// the class index by `classes()`, once every label is known).
    mutating func add(_ cell: String, path: String, line: Int) throws -> UInt8 {
        let text = String(CSVCell.trimmed(cell))
        let reading = CSVCell.read(cell)
        if reading == .empty { throw DatasetError(path: path, "\(column): the cell is empty", line: line) }
        let cellKind: Kind = if case .text = reading { .text } else { .numbers }
        if let kind, let first, kind != cellKind {
            let place = first.path == path ? "line \(first.line)" : "\(first.path) line \(first.line)"
            throw DatasetError(path: path, "\(column): '\(CSVCell.shown(cell))' is \(cellKind == .text ? "text" : "a number"), "
                               + "but the first label ('\(CSVCell.shown(first.text))', \(place)) is "
                               + "\(kind == .text ? "text" : "a number"); labels must be all class indices 0 to 255 "
                               + "or all text", line: line)
        }
        if kind == nil {
            kind = cellKind
            first = Sighting(path: path, line: line, text: text)
        }
        switch reading {
        case .number(let value):
            guard value >= 0, value <= 255, value.rounded() == value else {
                throw DatasetError(path: path, "\(column): '\(CSVCell.shown(cell))' is not a class index, a whole "
                                   + "number from 0 to 255", line: line)
            }
            let index = UInt8(value)
            largestNumber = max(largestNumber, index)
            numbersSeen.insert(index)
            return index
        case .notFinite:
            throw DatasetError(path: path, "\(column): '\(CSVCell.shown(cell))' is not a class index, a whole "
                               + "number from 0 to 255", line: line)
        case .text, .empty:
            if let id = textIDs[text] { return id }
            guard texts.count < Self.maximumClassCount else {
                throw DatasetError(path: path, "\(column): '\(CSVCell.shown(cell))' would be class number "
                                   + "\(Self.maximumClassCount + 1); at most \(Self.maximumClassCount) are supported",
                                   line: line)
            }
            let id = UInt8(texts.count)
            textIDs[text] = id
            texts.append(text)
            return id
        }
    }

    /// The class names, and what each label `add` returned becomes: itself for numbers, the text's
    /// place among the sorted texts for text. Fewer than two classes is an error of `path` (the training file).
    func classes(path: String) throws -> (names: [String], indexOfLabel: [UInt8]) {
        let distinct = kind == .numbers ? numbersSeen.count : texts.count
        guard distinct >= 2 else {
            throw DatasetError(path: path, "\(column) holds \(distinct == 0 ? "no classes" : "only one class, '\(first!.text)'"); "
                               + "a classifier needs at least two")
        }
        if kind == .numbers {
            return ((0...Int(largestNumber)).map(String.init), (0...255).map(UInt8.init))
        }
        let sorted = texts.indices.sorted { texts[$0] < texts[$1] }
        var indexOfLabel = [UInt8](repeating: 0, count: texts.count)
        for (index, id) in sorted.enumerated() { indexOfLabel[id] = UInt8(index) }
        return (sorted.map { texts[$0] }, indexOfLabel)
    }
}
