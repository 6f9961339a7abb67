/// The notebook's YAML front matter: what it is, its seed and its parameters.
public struct FrontMatter: Sendable, Equatable {
    public var title: String?
    public var description: String?
    public var seed: UInt64 = 0
    public var parameters: [Parameter] = []
    /// Whether raw HTML in the prose reaches the report (off: cmark's safe mode drops it).
    public var allowHTML = false

    static let keys = ["title", "description", "seed", "params", "allow_html"]

    init() {}

    init(_ node: YAMLNode?, diagnostics: inout [Diagnostic]) {
        guard let node else { return }
        guard case .mapping(let pairs, _) = node else {
            diagnostics.append(Diagnostic(node.location, "the front matter must be a mapping of keys to values, "
                                          + "not \(node.typeName)"))
            return
        }
        for (key, keyLocation, value) in pairs {
            switch (key, value) {
            case ("title", .scalar(let scalar, _)) where scalar != .null:
                title = scalar.description
            case ("description", .scalar(let scalar, _)) where scalar != .null:
                description = scalar.description
            case ("seed", .scalar(.int(let number), _)) where number >= 0:
                seed = UInt64(number)
            case ("seed", _):
                diagnostics.append(Diagnostic(value.location, "'seed' must be a non-negative integer, not \(value.typeName)"))
            case ("allow_html", .scalar(.bool(let allowed), _)):
                allowHTML = allowed
            case ("allow_html", _):
                diagnostics.append(Diagnostic(value.location, "'allow_html' must be true or false"))
            case ("params", .mapping(let declared, _)):
                parameters = Self.readParameters(declared, diagnostics: &diagnostics)
            case ("params", _):
                diagnostics.append(Diagnostic(value.location, "'params' must map each parameter name to its default value"))
            case ("title", _), ("description", _):
                diagnostics.append(Diagnostic(value.location, "'\(key)' must be text"))
            default:
                diagnostics.append(Diagnostic(keyLocation, "unknown front matter key '\(key)'",
                                              suggestion: Spelling.suggestion(for: key, among: Self.keys)))
            }
        }
    }

    static func readParameters(_ declared: [(key: String, keyLocation: SourceLocation, value: YAMLNode)],
                               diagnostics: inout [Diagnostic]) -> [Parameter] {
        var parameters: [Parameter] = []
        for (name, location, value) in declared {
            guard name.first.map({ $0.isLetter || $0 == "_" }) == true,
                  name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                diagnostics.append(Diagnostic(location, "parameter name '\(name)' must be letters, digits and '_'"))
                continue
            }
            guard case .scalar(let scalar, _) = value, scalar != .null else {
                diagnostics.append(Diagnostic(value.location, "parameter '\(name)' needs a default value "
                                              + "(a number, text or true/false), not \(value.typeName)"))
                continue
            }
            parameters.append(Parameter(name: name, value: scalar, location: location))
        }
        return parameters
    }
}
