import Yams

/// A typed YAML value: what a plain scalar means under YAML 1.2's core schema, or a quoted string.
public enum ScalarValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)

    /// Types a plain (unquoted) scalar as YAML 1.2's core schema does.
    init(plain text: String) {
        switch text {
        case "", "~", "null", "Null", "NULL": self = .null
        case "true", "True", "TRUE": self = .bool(true)
        case "false", "False", "FALSE": self = .bool(false)
        default:
            if let integer = Int(text) {
                self = .int(integer)
            } else if let number = Double(text), number.isFinite, text.contains(where: \.isNumber) {
                self = .float(number)
            } else {
                self = .string(text)
            }
        }
    }

    /// The name of the value's type, for messages.
    public var typeName: String {
        switch self {
        case .null: "nothing"
        case .bool: "a boolean"
        case .int: "an integer"
        case .float: "a number"
        case .string: "a string"
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): String(value)
        case .int(let value): String(value)
        case .float(let value): String(value)
        case .string(let value): value
        }
    }
}

/// A YAML tree whose every node knows where it stands in the notebook.
public indirect enum YAMLNode: Sendable, Equatable {
    case scalar(ScalarValue, SourceLocation)
    case mapping([(key: String, keyLocation: SourceLocation, value: YAMLNode)], SourceLocation)
    case sequence([YAMLNode], SourceLocation)

    public var location: SourceLocation {
        switch self {
        case .scalar(_, let location), .mapping(_, let location), .sequence(_, let location): location
        }
    }

    public static func == (a: YAMLNode, b: YAMLNode) -> Bool {
        switch (a, b) {
        case let (.scalar(x, l), .scalar(y, m)): x == y && l == m
        case let (.sequence(x, l), .sequence(y, m)): x == y && l == m
        case let (.mapping(x, l), .mapping(y, m)):
            l == m && x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// The node's kind, for messages.
    public var typeName: String {
        switch self {
        case .scalar(let value, _): value.typeName
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}

/// Parses YAML text from a notebook into `YAMLNode`s with notebook positions.
enum YAMLReader {
    /// More nodes than any notebook needs; bounds the work a hostile file (alias bombs) can cause.
    static let nodeLimit = 10_000
    static let depthLimit = 32

    /// The YAML's root node, or nil when the text holds no document.
    static func read(_ yaml: YAMLText, path: String) throws(Diagnostic) -> YAMLNode? {
        func location(_ mark: Mark?) -> SourceLocation {
            guard let mark else { return SourceLocation(file: path, line: yaml.firstLine) }
            return SourceLocation(file: path, line: yaml.firstLine + mark.line - 1,
                                  column: mark.column + yaml.columnOffset)
        }
        // libyaml's own parser recurses on nesting; refuse absurd nesting before handing it over.
        if maximumBracketDepth(yaml.text) > depthLimit {
            throw Diagnostic(location(nil), "the YAML is nested more than \(depthLimit) levels deep")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml.text)
        } catch let error as YamlError {
            throw diagnostic(for: error, at: location)
        } catch {
            throw Diagnostic(location(nil), "malformed YAML: \(error)")
        }
        guard let root else { return nil }
        var budget = nodeLimit
        return try convert(root, depth: 0, budget: &budget, location: location)
    }

    static func diagnostic(for error: YamlError, at location: (Mark?) -> SourceLocation) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " \($0.text)" } ?? ""
            return Diagnostic(location(mark), "malformed YAML: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(location(context.mark),
                              "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))")
        case .reader(let problem, _, _, _):
            return Diagnostic(location(nil), "malformed YAML: \(problem)")
        default:
            return Diagnostic(location(nil), "malformed YAML: \(error)")
        }
    }

    static func convert(
        _ node: Node, depth: Int, budget: inout Int, location: (Mark?) -> SourceLocation
    ) throws(Diagnostic) -> YAMLNode {
        budget -= 1
        guard budget >= 0 else {
            throw Diagnostic(location(node.mark), "the YAML holds more than \(nodeLimit) values "
                             + "(aliases expanding too far?)")
        }
        guard depth <= depthLimit else {
            throw Diagnostic(location(node.mark), "the YAML is nested more than \(depthLimit) levels deep")
        }
        switch node {
        case .scalar(let scalar):
            let value: ScalarValue = scalar.style == .plain ? ScalarValue(plain: scalar.string) : .string(scalar.string)
            return .scalar(value, location(scalar.mark))
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            for item in sequence {
                items.append(try convert(item, depth: depth + 1, budget: &budget, location: location))
            }
            return .sequence(items, location(sequence.mark))
        case .mapping(let mapping):
            var pairs: [(key: String, keyLocation: SourceLocation, value: YAMLNode)] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw Diagnostic(location(key.mark), "mapping keys must be plain names")
                }
                pairs.append((keyScalar.string, location(keyScalar.mark),
                              try convert(value, depth: depth + 1, budget: &budget, location: location)))
            }
            return .mapping(pairs, location(mapping.mark))
        case .alias(let alias):
            throw Diagnostic(location(alias.mark), "YAML aliases are not supported in notebooks")
        }
    }

    /// The deepest nesting of flow brackets, a cheap bound checked before libyaml recurses.
    static func maximumBracketDepth(_ text: String) -> Int {
        var depth = 0, deepest = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                depth += 1
                deepest = max(deepest, depth)
            } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth = max(0, depth - 1)
            }
        }
        return deepest
    }
}
