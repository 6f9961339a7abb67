/// A notebook parameter: declared with a default in the front matter's `params`, its type fixed by that
/// default, and overridable from the command line with `-p name=value`.
public struct Parameter: Sendable, Equatable {
    public var name: String
    public var value: ScalarValue
    public var location: SourceLocation
}

/// A `-p` override that could not be applied: a usage error, not a notebook error.
public struct ParameterOverrideError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

public enum ParameterOverrides {
    /// Applies `NAME=VALUE` overrides to `parameters`, parsing each value as its parameter's type.
    public static func apply(_ overrides: [String], to parameters: inout [Parameter]) throws(ParameterOverrideError) {
        for override in overrides {
            guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
                throw ParameterOverrideError(description: "-p expects NAME=VALUE, got '\(override)'")
            }
            let name = String(override[..<equals])
            let text = String(override[override.index(after: equals)...])
            guard let index = parameters.firstIndex(where: { $0.name == name }) else {
                let known = parameters.map(\.name)
                let hint = Spelling.suggestion(for: name, among: known).map { "; did you mean '\($0)'?" }
                    ?? (known.isEmpty ? "; the notebook declares no parameters"
                        : "; declared: \(known.joined(separator: ", "))")
                throw ParameterOverrideError(description: "-p \(name): the notebook has no parameter '\(name)'\(hint)")
            }
            guard let value = parse(text, as: parameters[index].value) else {
                // An integer default makes the parameter an integer; a fraction needs a default written as one.
                var hint = ""
                if case .int(let number) = parameters[index].value, Double(text)?.isFinite == true {
                    hint = "; to give it fractions, write its default as \(number).0 in the front matter"
                }
                throw ParameterOverrideError(description:
                    "-p \(name)=\(text): '\(name)' is \(parameters[index].value.typeName), and '\(text)' is not\(hint)")
            }
            parameters[index].value = value
        }
    }

    /// `text` read as the same type as `example`.
    static func parse(_ text: String, as example: ScalarValue) -> ScalarValue? {
        switch example {
        case .int: Int(text).map(ScalarValue.int)
        case .float: Double(text).flatMap { $0.isFinite ? ScalarValue.float($0) : nil }
        case .bool: ["true": true, "false": false][text.lowercased()].map(ScalarValue.bool)
        case .string: .string(text)
        case .null: nil
        }
    }
}

/// Replaces `${name}` references in directive values with parameter values.
struct ParameterSubstitution {
    var parameters: [String: ScalarValue]
    /// Scalars tagged `!!str`: they stay text even when they are a single reference.
    var explicitStrings: Set<SourceLocation> = []
    /// Which parameters each substituted value used, by the value's location.
    private(set) var references: [SourceLocation: [String]] = [:]

    init(parameters: [String: ScalarValue], explicitStrings: Set<SourceLocation> = []) {
        self.parameters = parameters
        self.explicitStrings = explicitStrings
    }

    /// The node with every reference replaced. A value that is exactly `${name}` takes the parameter's
    /// type; a reference inside longer text is spliced in as text. Unknown names are diagnosed.
    mutating func apply(_ node: YAMLNode, diagnostics: inout [Diagnostic]) -> YAMLNode {
        switch node {
        case .scalar(.string(let text), let location) where text.contains("${"):
            var value = substitute(text, at: location, diagnostics: &diagnostics)
            if explicitStrings.contains(location) { value = .string(value.description) }
            return .scalar(value, location)
        case .scalar:
            return node
        case .sequence(let items, let location):
            var substituted: [YAMLNode] = []
            for item in items { substituted.append(apply(item, diagnostics: &diagnostics)) }
            return .sequence(substituted, location)
        case .mapping(let pairs, let location):
            var substituted: [(key: String, keyLocation: SourceLocation, value: YAMLNode)] = []
            for pair in pairs {
                substituted.append((pair.key, pair.keyLocation, apply(pair.value, diagnostics: &diagnostics)))
            }
            return .mapping(substituted, location)
        }
    }

    private mutating func substitute(_ text: String, at location: SourceLocation,
                            diagnostics: inout [Diagnostic]) -> ScalarValue {
        var result = ""
        var rest = Substring(text)
        var whole: ScalarValue?
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                diagnostics.append(Diagnostic(location, "unterminated parameter reference in '\(text)'"))
                return .string(text)
            }
            let name = String(rest[start.upperBound..<end])
            let offset = text.utf8.distance(from: text.startIndex, to: start.lowerBound)
            guard let value = parameters[name] else {
                var at = location
                if at.column > 0 { at.column += offset }
                diagnostics.append(Diagnostic(at, "undeclared parameter '\(name)'",
                                              suggestion: Spelling.suggestion(for: name, among: parameters.keys)))
                return .string(text)
            }
            references[location, default: []].append(name)
            if start.lowerBound == text.startIndex && end == text.index(before: text.endIndex) {
                whole = value
            }
            result += value.description
            rest = rest[rest.index(after: end)...]
        }
        return whole ?? .string(result + rest)
    }
}

extension ParameterValue {
    /// A resolved parameter as run.json records it.
    init(_ scalar: ScalarValue) {
        switch scalar {
        case .int(let v): self = .int(v)
        case .float(let v): self = .float(v)
        case .bool(let v): self = .bool(v)
        case .string(let v): self = .string(v)
        case .null: self = .string("")
        }
    }
}
