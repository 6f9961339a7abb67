/// The notebook's YAML front matter: what it is, its seed and its parameters.
public struct FrontMatter: Sendable, Equatable {
    public var title: String?
    public var description: String?
    public var seed: UInt64 = 0
    public var parameters: [Parameter] = []
    /// Whether raw HTML in the prose reaches the report (off: cmark's safe mode drops it).
    public var allowHTML = false
    /// `sweep:`: the axes `labbook sweep` runs without `-p`, and the metric that ranks its trials.
    public var sweep = SweepDefaults()

    public struct SweepDefaults: Sendable, Equatable {
        public var axes: [SweepAxis] = []
        public var metric: String?
        /// `max` or `min`.
        public var goal: String?
    }

    static let keys = ["title", "description", "seed", "params", "allow_html", "sweep", "metric", "goal"]

    init() {}

    init(_ node: YAMLNode?, diagnostics: inout [Diagnostic]) {
        guard let node else { return }
        guard case .mapping(let pairs, _) = node else {
            diagnostics.append(Diagnostic(node.location, "the front matter must be a mapping of keys to values, "
                                          + "not \(node.typeName)"))
            return
        }
        // The swept names with their places: `params` may come after `sweep`, so they are checked
        // against the declared parameters once all keys are read.
        var sweptNames: [(name: String, location: SourceLocation)] = []
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
            case ("sweep", .mapping(let entries, _)):
                sweptNames = readSweep(entries, diagnostics: &diagnostics)
            case ("sweep", _):
                diagnostics.append(Diagnostic(value.location, "'sweep' must map parameter names to values to sweep "
                                              + "(a list, or uniform(A,B), log-uniform(A,B), int-uniform(A,B))"))
            case ("metric", _), ("goal", _):
                readRanking(key, value, diagnostics: &diagnostics)
            case ("title", _), ("description", _):
                diagnostics.append(Diagnostic(value.location, "'\(key)' must be text"))
            default:
                diagnostics.append(Diagnostic(keyLocation, "unknown front matter key '\(key)'",
                                              suggestion: Spelling.suggestion(for: key, among: Self.keys)))
            }
        }
        for (name, location) in sweptNames where !parameters.contains(where: { $0.name == name }) {
            diagnostics.append(Diagnostic(location, "sweep: '\(name)' is not a parameter of this notebook",
                                          suggestion: Spelling.suggestion(for: name, among: parameters.map(\.name))))
        }
    }

    /// `sweep:`'s axes, each in `-p`'s syntax or as a YAML list, and its `metric` and `goal` (which
    /// may also stand at the top level).
    /// Returns the swept names and their places, for checking against the declared parameters.
    private mutating func readSweep(_ entries: [(key: String, keyLocation: SourceLocation, value: YAMLNode)],
                                    diagnostics: inout [Diagnostic]) -> [(name: String, location: SourceLocation)] {
        var names: [(name: String, location: SourceLocation)] = []
        for (name, location, value) in entries {
            if name == "metric" || name == "goal" {
                readRanking(name, value, diagnostics: &diagnostics)
                continue
            }
            names.append((name, location))
            let text: String
            switch value {
            case .scalar(let scalar, _) where scalar != .null:
                text = scalar.description
            case .sequence(let items, _) where !items.isEmpty:
                guard let values = items.map({ item -> String? in
                    if case .scalar(let scalar, _) = item, scalar != .null { scalar.description } else { nil }
                }) as? [String] else {
                    diagnostics.append(Diagnostic(value.location, "sweep: '\(name)' must list plain values"))
                    continue
                }
                text = values.joined(separator: ",")
            default:
                diagnostics.append(Diagnostic(value.location, "sweep: '\(name)' needs values: a list, or uniform(A,B), "
                                              + "log-uniform(A,B), int-uniform(A,B)"))
                continue
            }
            do {
                sweep.axes.append(try SweepAxis(parsing: "\(name)=\(text)", origin: "sweep:"))
            } catch {
                diagnostics.append(Diagnostic(value.location, error.description))
            }
        }
        return names
    }

    private mutating func readRanking(_ key: String, _ value: YAMLNode, diagnostics: inout [Diagnostic]) {
        switch (key, value) {
        case ("metric", .scalar(.string(let name), _)) where !name.isEmpty:
            sweep.metric = name
        case ("goal", .scalar(.string(let goal), _)) where goal == "max" || goal == "min":
            sweep.goal = goal
        case ("metric", _):
            diagnostics.append(Diagnostic(value.location, "'metric' must name a metric, such as test_accuracy or validation_accuracy"))
        default:
            diagnostics.append(Diagnostic(value.location, "'goal' must be max or min"))
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
