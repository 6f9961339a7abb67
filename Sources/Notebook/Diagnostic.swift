/// A problem found in a notebook, printed compiler style:
/// `notebook.md:12:3: error: unknown key 'stpes' in {train}; did you mean 'steps'?`
public struct Diagnostic: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable {
        case error
        case warning
    }

    public var location: SourceLocation
    public var severity: Severity
    public var message: String
    /// A replacement the author probably meant, shown as "did you mean '...'?".
    public var suggestion: String?

    public init(_ location: SourceLocation, _ message: String, suggestion: String? = nil,
                severity: Severity = .error) {
        self.location = location
        self.severity = severity
        self.message = message
        self.suggestion = suggestion
    }

    /// The message with its suggestion, without the location prefix.
    public var text: String {
        message + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
    }

    public var description: String {
        "\(location): \(severity.rawValue): \(text)"
    }
}

/// Several diagnostics found together, thrown when validation fails.
public struct Diagnostics: Error, Sendable, CustomStringConvertible {
    public var all: [Diagnostic]

    public init(_ all: [Diagnostic]) {
        self.all = all.sorted { $0.location < $1.location }
    }

    public var description: String {
        all.map(\.description).joined(separator: "\n")
    }
}

/// Finds the closest of a set of known words to a misspelt one.
enum Spelling {
    /// The candidate nearest to `word` by edit distance, if it is close enough to be a likely typo.
    static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let limit = max(2, word.count / 3)
        let ranked = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
            .filter { $0.1 <= limit }
            .min { $0.1 < $1.1 }
        return ranked?.0
    }

    /// Levenshtein distance, with a transposition of neighbours counting as one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
