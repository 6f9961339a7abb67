/// Reads a directive's YAML mapping key by key, collecting every problem rather than stopping at the
/// first, so validation can report all of a notebook's errors at once.
struct DirectiveFields {
    let directive: String
    let location: SourceLocation
    private var values: [String: (keyLocation: SourceLocation, value: YAMLNode)] = [:]
    private(set) var diagnostics: [Diagnostic] = []

    /// Checks the body is a mapping whose keys are all among `allowed`.
    init(_ body: YAMLNode?, directive: String, location: SourceLocation, allowed: [String]) {
        self.directive = directive
        self.location = location
        guard let body else { return }
        guard case .mapping(let pairs, _) = body else {
            diagnostics.append(Diagnostic(body.location, "the body of {\(directive)} must be YAML keys and values, "
                                          + "not \(body.typeName)"))
            return
        }
        for (key, keyLocation, value) in pairs {
            if allowed.contains(key) {
                values[key] = (keyLocation, value)
            } else {
                diagnostics.append(Diagnostic(keyLocation, "unknown key '\(key)' in {\(directive)}",
                                              suggestion: Spelling.suggestion(for: key, among: allowed)))
            }
        }
    }

    func has(_ key: String) -> Bool { values[key] != nil }

    /// Where a key's value stands (or the directive, when the key is absent).
    func location(of key: String) -> SourceLocation { values[key]?.value.location ?? location }

    func node(_ key: String) -> YAMLNode? { values[key]?.value }

    /// Takes over the problems another reader found (one reading a nested mapping).
    mutating func absorb(_ other: DirectiveFields) {
        diagnostics += other.diagnostics
    }

    mutating func report(_ location: SourceLocation, _ message: String, suggestion: String? = nil) {
        diagnostics.append(Diagnostic(location, message, suggestion: suggestion))
    }

    private mutating func scalar(_ key: String, required: Bool) -> (ScalarValue, SourceLocation)? {
        guard let (_, value) = values[key] else {
            if required { report(location, "{\(directive)} needs '\(key)'") }
            return nil
        }
        guard case .scalar(let scalar, let at) = value else {
            report(value.location, "'\(key)' must be a single value, not \(value.typeName)")
            return nil
        }
        return (scalar, at)
    }

    mutating func int(_ key: String, required: Bool = false, in range: ClosedRange<Int>) -> Int? {
        guard let (scalar, at) = scalar(key, required: required) else { return nil }
        guard case .int(let number) = scalar else {
            report(at, "'\(key)' must be an integer, not \(scalar.typeName) ('\(scalar)')")
            return nil
        }
        guard range.contains(number) else {
            report(at, "'\(key)' is \(number), but must be \(Self.describe(range))")
            return nil
        }
        return number
    }

    mutating func float(_ key: String, required: Bool = false, in range: ClosedRange<Double>,
                        excludingLowerBound: Bool = false, excludingUpperBound: Bool = false) -> Double? {
        guard let (scalar, at) = scalar(key, required: required) else { return nil }
        let number: Double
        switch scalar {
        case .int(let integer): number = Double(integer)
        case .float(let value): number = value
        default:
            report(at, "'\(key)' must be a number, not \(scalar.typeName) ('\(scalar)')")
            return nil
        }
        guard range.contains(number), !(excludingLowerBound && number == range.lowerBound),
              !(excludingUpperBound && number == range.upperBound) else {
            let lower = excludingLowerBound ? "above \(range.lowerBound)" : "at least \(range.lowerBound)"
            let upper = excludingUpperBound ? "below \(range.upperBound)" : "at most \(range.upperBound)"
            report(at, "'\(key)' is \(number), but must be \(lower)" + (range.upperBound.isFinite ? " and \(upper)" : ""))
            return nil
        }
        return number
    }

    mutating func string(_ key: String, required: Bool = false) -> String? {
        guard let (scalar, at) = scalar(key, required: required) else { return nil }
        guard case .string(let text) = scalar, !text.isEmpty else {
            report(at, "'\(key)' must be text, not \(scalar.typeName)")
            return nil
        }
        return text
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let (scalar, at) = scalar(key, required: false) else { return nil }
        guard case .bool(let value) = scalar else {
            report(at, "'\(key)' must be true or false, not \(scalar.typeName)")
            return nil
        }
        return value
    }

    /// One of an enumeration's raw values, with a "did you mean" for near misses.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String, required: Bool = false
    ) -> Choice? where Choice.RawValue == String {
        guard let (scalar, at) = scalar(key, required: required) else { return nil }
        let names = Choice.allCases.map(\.rawValue)
        guard let choice = Choice(rawValue: scalar.description) else {
            report(at, "'\(scalar)' is not a valid '\(key)' (choose from \(names.joined(separator: ", ")))",
                   suggestion: Spelling.suggestion(for: scalar.description, among: names))
            return nil
        }
        return choice
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "at least \(range.lowerBound)"
            : "between \(range.lowerBound) and \(range.upperBound)"
    }
}
