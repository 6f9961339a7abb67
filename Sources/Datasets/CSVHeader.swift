/// A CSV table's header row: the names that columns are found by, in this file and in the other files
/// (test, predict) read with the same columns.
struct CSVHeader: Equatable {
    let names: [String]
    /// The header's line (a blank line may come before it).
    let line: Int
    /// Each name's columns, so that a wide table's columns are found without a search each.
    private let columnsByName: [String: [Int]]

    init(names: [String], line: Int) {
        self.names = names
        self.line = line
        columnsByName = Dictionary(grouping: names.indices, by: { names[$0] })
    }

    /// The position of the column called `name`, or an error listing the names, with a "did you mean"
    /// when one is close.
    func index(of name: String, path: String, purpose: String = "") throws -> Int {
        let matches = columnsByName[name] ?? []
        if matches.count > 1 {
            throw DatasetError(path: path, "the header names '\(name)' more than once (columns "
                               + matches.map(String.init).joined(separator: ", ")
                               + "); give the columns distinct names", line: line)
        }
        if let index = matches.first { return index }
        let suggestion = closestName(to: name).map { "; did you mean '\($0)'?" } ?? "."
        throw DatasetError(path: path, "the header has no column '\(name)'\(purpose)\(suggestion) Its columns are: "
                           + listed, line: line)
    }

    /// The names for a message, the first 30 of a wide table.
    var listed: String {
        let shown = names.prefix(30).map { $0.isEmpty ? "''" : $0 }.joined(separator: ", ")
        return names.count > 30 ? shown + " and \(names.count - 30) more" : shown
    }

    /// The name a typo most likely meant: the same but for letter case, or within a third of its
    /// letters' edits (at least one).
    func closestName(to name: String) -> String? {
        let wanted = Array(name.lowercased())
        let allowed = max(1, wanted.count / 3)
        // Names whose lengths differ by more are farther apart anyway, and skipping them keeps a
        // runaway header cell from costing a long comparison.
        let candidates = names.filter { !$0.isEmpty && abs($0.count - wanted.count) <= allowed }
        let scored = candidates.map { ($0, Self.editDistance(wanted, Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= allowed else { return nil }
        return best.0
    }

    /// Levenshtein distance, by hand: the standard library and Foundation have none, and a whole
    /// package for one "did you mean" would cost more than these lines.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
