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

/// A YAML text read into nodes, with what the nodes alone do not say.
struct YAMLDocument {
    var root: YAMLNode?
    /// Scalars tagged `!!str` that hold a `${...}` reference: text whatever the parameter's type.
    var explicitStrings: Set<SourceLocation> = []
}

/// Parses YAML text from a notebook into `YAMLNode`s with notebook positions.
enum YAMLReader {
    /// The YAML's nodes (no root when the text holds no document).
    static func read(_ yaml: YAMLText, path: String) throws(Diagnostic) -> YAMLDocument {
        var positions = YAMLPositions(yaml, path: path)
        let limit = NotebookLimits.maximumYAMLBytes
        let size = yaml.text.utf8.count
        if size > limit {
            throw Diagnostic(positions.start, "this YAML is \(NotebookLimits.describe(bytes: size)); the front "
                             + "matter and each block may hold at most \(NotebookLimits.describe(bytes: limit))")
        }
        // libyaml's own parser recurses on flow nesting; refuse absurd nesting before handing it over.
        if let offset = firstBracketTooDeep(yaml.text) {
            throw Diagnostic(positions.location(ofByte: offset), tooDeep)
        }
        let root: Node?
        do {
            // Typing is LabBook's own (ScalarValue), so Yams resolves no tags: its resolver would run
            // regular expressions over every mapping key. The encoding is given, not read from the
            // environment for every block.
            root = try Yams.compose(yaml: yaml.text, .basic, .default, .utf8)
        } catch let error as YamlError {
            throw diagnostic(for: error, positions: &positions)
        } catch {
            throw Diagnostic(positions.start, "malformed YAML: \(error)")
        }
        guard let root else { return YAMLDocument() }
        var reader = NodeReader(positions: positions)
        return YAMLDocument(root: try reader.convert(root, depth: 0), explicitStrings: reader.explicitStrings)
    }

    static let tooDeep = "the YAML is nested more than \(NotebookLimits.maximumYAMLDepth) levels deep"

    static func diagnostic(for error: YamlError, positions: inout YAMLPositions) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            // libyaml's own nesting limit names its C setter; say what it means instead.
            if problem.contains("nesting level") {
                return Diagnostic(positions.location(mark), tooDeep)
            }
            let detail = context.map { " \($0.text)" } ?? ""
            return Diagnostic(positions.location(mark), "malformed YAML: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(positions.location(context.mark),
                              "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))")
        case .reader(let problem, _, _, _):
            return Diagnostic(positions.start, "malformed YAML: \(problem)")
        default:
            return Diagnostic(positions.start, "malformed YAML: \(error)")
        }
    }

    /// Where flow brackets first nest deeper than the limit: a cheap bound checked before libyaml recurses.
    static func firstBracketTooDeep(_ text: String) -> Int? {
        var depth = 0
        for (offset, byte) in text.utf8.enumerated() {
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                depth += 1
                if depth > NotebookLimits.maximumYAMLDepth { return offset }
            } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth = max(0, depth - 1)
            }
        }
        return nil
    }
}

/// Turns Yams' nodes into `YAMLNode`s, typing each scalar by its tag or, untagged, by its style and
/// YAML 1.2's core schema.
private struct NodeReader {
    var positions: YAMLPositions
    var budget = NotebookLimits.maximumYAMLValues
    var explicitStrings: Set<SourceLocation> = []

    mutating func convert(_ node: Node, depth: Int) throws(Diagnostic) -> YAMLNode {
        // The node's own position first: positions are found fastest in document order.
        let at = positions.location(node.mark)
        budget -= 1
        guard budget >= 0 else {
            throw Diagnostic(at, "the YAML holds more than \(NotebookLimits.maximumYAMLValues) values "
                             + "(aliases expanding too far?)")
        }
        guard depth <= NotebookLimits.maximumYAMLDepth else { throw Diagnostic(at, YAMLReader.tooDeep) }
        switch node {
        case .scalar(let scalar):
            let value = try YAMLTag(scalar.tag).value(of: scalar, at: at)
            if YAMLTag(scalar.tag).isExplicitString, scalar.string.contains("${") { explicitStrings.insert(at) }
            return .scalar(value, at)
        case .sequence(let sequence):
            try YAMLTag(sequence.tag).check(collection: "a list", fitting: .seq, at: at)
            var items: [YAMLNode] = []
            for item in sequence {
                items.append(try convert(item, depth: depth + 1))
            }
            return .sequence(items, at)
        case .mapping(let mapping):
            try YAMLTag(mapping.tag).check(collection: "a mapping", fitting: .map, at: at)
            var pairs: [(key: String, keyLocation: SourceLocation, value: YAMLNode)] = []
            for (key, value) in mapping {
                let keyLocation = positions.location(key.mark)
                guard case .scalar(let keyScalar) = key else {
                    throw Diagnostic(keyLocation, "mapping keys must be plain names")
                }
                try YAMLTag(keyScalar.tag).checkKey(at: keyLocation)
                pairs.append((keyScalar.string, keyLocation, try convert(value, depth: depth + 1)))
            }
            return .mapping(pairs, at)
        case .alias(let alias):
            throw Diagnostic(positions.location(alias.mark), "YAML aliases are not supported in notebooks")
        }
    }
}

/// A node's tag as written: none, the non-specific `!`, one of YAML's standard `!!` tags or another.
/// An explicit tag decides the value's type; one that the value does not fit, and any tag LabBook
/// has no type for, is an error.
struct YAMLTag {
    var name: Tag.Name

    init(_ tag: Tag) {
        name = Tag.Name(rawValue: tag.rawValue)
    }

    static let standardPrefix = "tag:yaml.org,2002:"
    /// The standard tags LabBook has a type for.
    static let knownTags: [Tag.Name] = [.str, .int, .float, .bool, .null, .map, .seq]

    /// As the author would write it: `!!int`, `!custom`.
    var written: String {
        name.rawValue.hasPrefix(Self.standardPrefix) ? "!!" + name.rawValue.dropFirst(Self.standardPrefix.count)
            : name.rawValue
    }

    /// `!!str` written out (quoted scalars carry it implicitly, but their `${...}` keep the parameter's type).
    var isExplicitString: Bool { name == .str }

    func value(of scalar: Node.Scalar, at location: SourceLocation) throws(Diagnostic) -> ScalarValue {
        let text = scalar.string
        switch name {
        case .implicit:
            return scalar.style == .plain ? ScalarValue(plain: text) : .string(text)
        case .nonSpecific, .str:
            return .string(text)
        case .int, .float, .bool, .null:
            // A tagged value must be written as that type's plain value would be.
            let plain = ScalarValue(plain: text)
            switch (name, plain) {
            case (.int, .int), (.float, .float), (.bool, .bool), (.null, .null): return plain
            case (.float, .int(let integer)): return .float(Double(integer))
            default:
                throw Diagnostic(location, "'\(text)' is tagged \(written), but is not \(Self.typeName(name))")
            }
        default:
            throw unsupported(at: location)
        }
    }

    func check(collection: String, fitting own: Tag.Name, at location: SourceLocation) throws(Diagnostic) {
        switch name {
        case .implicit, .nonSpecific, own: return
        case _ where Self.knownTags.contains(name):
            throw Diagnostic(location, "\(collection) can not be tagged \(written)")
        default:
            throw unsupported(at: location)
        }
    }

    func checkKey(at location: SourceLocation) throws(Diagnostic) {
        switch name {
        case .implicit, .nonSpecific, .str: return
        case _ where Self.knownTags.contains(name):
            throw Diagnostic(location, "mapping keys must be plain names, not \(Self.typeName(name)) tagged \(written)")
        default:
            throw unsupported(at: location)
        }
    }

    private func unsupported(at location: SourceLocation) -> Diagnostic {
        Diagnostic(location, "unsupported tag '\(written)': LabBook knows !!str, !!int, !!float, !!bool, !!null, "
                   + "!!map and !!seq")
    }

    static func typeName(_ name: Tag.Name) -> String {
        switch name {
        case .int: "an integer"
        case .float: "a number"
        case .bool: "true or false"
        case .null: "null"
        case .str: "text"
        case .map: "a mapping"
        case .seq: "a list"
        default: "a value"
        }
    }
}

/// Maps libyaml's positions in a YAML text to notebook positions. libyaml counts columns in
/// characters and also ends lines at NEL, LS and PS; notebooks count columns in UTF-8 bytes and end
/// lines at LF only. Positions are found by walking forwards from the last one, so asking in document
/// order costs one pass over the text.
struct YAMLPositions {
    private let bytes: [UInt8]
    private let path: String
    private let firstLine: Int
    private let columnOffset: Int
    /// Whether libyaml's positions are the notebook's already: ASCII text (LF-only by then).
    private let isPlain: Bool

    // The walk's state: libyaml's line and column, and the notebook's line and the offset it starts at.
    private var offset = 0
    private var yamlLine = 1, yamlColumn = 1
    private var line = 0, lineStart = 0

    init(_ yaml: YAMLText, path: String) {
        self.path = path
        firstLine = yaml.firstLine
        columnOffset = yaml.columnOffset
        bytes = Array(yaml.text.utf8)
        isPlain = bytes.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "\r") }
    }

    /// The YAML's first position, for problems with the text as a whole.
    var start: SourceLocation {
        SourceLocation(file: path, line: firstLine, column: 1 + columnOffset)
    }

    /// The notebook position of the text's byte at `offset`.
    func location(ofByte offset: Int) -> SourceLocation {
        let before = bytes.prefix(offset)
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        return SourceLocation(file: path, line: firstLine + before.count { $0 == UInt8(ascii: "\n") },
                              column: offset - lineStart + 1 + columnOffset)
    }

    mutating func location(_ mark: Mark?) -> SourceLocation {
        guard let mark else { return start }
        guard !isPlain else {
            return SourceLocation(file: path, line: firstLine + mark.line - 1, column: mark.column + columnOffset)
        }
        if (mark.line, mark.column) < (yamlLine, yamlColumn) {
            (offset, yamlLine, yamlColumn, line, lineStart) = (0, 1, 1, 0, 0)
        }
        while offset < bytes.count && (yamlLine, yamlColumn) < (mark.line, mark.column) {
            let byte = bytes[offset]
            let width = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
            let isLibYAMLBreak = byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                || (byte == 0xC2 && offset + 1 < bytes.count && bytes[offset + 1] == 0x85)
                || (byte == 0xE2 && offset + 2 < bytes.count && bytes[offset + 1] == 0x80
                    && (bytes[offset + 2] == 0xA8 || bytes[offset + 2] == 0xA9))
            offset += min(width, bytes.count - offset)
            if byte == UInt8(ascii: "\r") && offset < bytes.count && bytes[offset] == UInt8(ascii: "\n") {
                offset += 1
            }
            if isLibYAMLBreak {
                (yamlLine, yamlColumn) = (yamlLine + 1, 1)
            } else {
                yamlColumn += 1
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                (line, lineStart) = (line + 1, offset)
            }
        }
        return SourceLocation(file: path, line: firstLine + line, column: offset - lineStart + 1 + columnOffset)
    }
}
