/// Tells a notebook's own problems from those a `-p` override brought in. A value of the right type
/// can still be refused by a directive (`-p hidden_units=-3`); that is a misuse of the command line,
/// to be reported against the flag, while a bad default stays an error at its line in the notebook.
struct OverrideBlame {
    /// `-p NAME=VALUE` as given, by parameter name (the last one given wins, as when applied).
    var flags: [String: String] = [:]
    var defaults: [Parameter]
    /// The parameters as overridden, and which of them the overrides changed.
    var resolved: [Parameter]
    var changed: [String]
    /// Which parameters each substituted value used, by the value's location.
    var references: [SourceLocation: [String]]
    /// Validates the notebook with the given parameters.
    var diagnose: ([Parameter]) -> [Diagnostic]

    /// Above this many changed parameters, a problem no value names is put on all of them rather than
    /// validating the notebook once per parameter to find its own.
    static let separateTrials = 8

    init(overrides: [String], defaults: [Parameter], resolved: [Parameter],
         references: [SourceLocation: [String]], diagnose: @escaping ([Parameter]) -> [Diagnostic]) {
        for override in overrides {
            if let equals = override.firstIndex(of: "=") { flags[String(override[..<equals])] = "-p \(override)" }
        }
        self.defaults = defaults
        self.resolved = resolved
        changed = zip(defaults, resolved).filter { $0.value != $1.value }.map(\.1.name)
        self.references = references
        self.diagnose = diagnose
    }

    /// The problems in `diagnostics` that the notebook's defaults do not have, each against the flags
    /// that caused it; nil when every problem is the notebook's own.
    func misuse(_ diagnostics: [Diagnostic], withDefaults: [Diagnostic]) -> ParameterOverrideError? {
        let own = Set(withDefaults.map(\.description))
        let caused = Diagnostics(diagnostics).all.filter { !own.contains($0.description) }
        guard !caused.isEmpty else { return nil }
        var trials: [String: Set<String>]?
        let lines = caused.map { diagnostic in
            var culprits = (references[diagnostic.location] ?? []).filter(changed.contains)
            if culprits.isEmpty {
                // Nothing at the refused value came from a flag (a problem between blocks): find the
                // flags that bring it in on their own.
                trials = trials ?? trialsOneOverrideAtATime()
                culprits = changed.filter { trials?[$0]?.contains(diagnostic.description) == true }
            }
            if culprits.isEmpty { culprits = changed }
            let written = Set(culprits).sorted().compactMap { flags[$0] }
            return "\(written.joined(separator: " ")): \(diagnostic.text) (at \(diagnostic.location))"
        }
        return ParameterOverrideError(description: lines.joined(separator: "\n"))
    }

    /// The problems with each changed parameter overridden alone, by its name.
    private func trialsOneOverrideAtATime() -> [String: Set<String>] {
        guard changed.count <= Self.separateTrials else { return [:] }
        var trials: [String: Set<String>] = [:]
        for name in changed {
            let parameters = defaults.map { parameter in
                parameter.name == name ? resolved.first { $0.name == name } ?? parameter : parameter
            }
            trials[name] = Set(diagnose(parameters).map(\.description))
        }
        return trials
    }
}
