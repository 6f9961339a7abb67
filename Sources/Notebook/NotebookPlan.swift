import Foundation

/// A parsed, parameter-resolved and validated notebook: everything the runner needs, in order.
public struct NotebookPlan: Sendable, Equatable {
    public var source: NotebookSource
    public var frontMatter: FrontMatter
    /// Parameters as resolved: defaults with the command line's overrides applied.
    public var parameters: [Parameter]
    public var cells: [PlannedCell]

    public enum PlannedCell: Sendable, Equatable {
        case prose(Prose)
        case block(PlannedBlock)
    }

    public var blocks: [PlannedBlock] {
        cells.compactMap { if case .block(let block) = $0 { block } else { nil } }
    }

    public var title: String {
        frontMatter.title ?? URL(fileURLWithPath: source.path).deletingPathExtension().lastPathComponent
    }
}

extension NotebookPlan {
    /// The name of a {network}: its `name`, else `network-<n>` for the notebook's n-th network.
    public static func networkName(_ network: NetworkDirective, ordinal: Int) -> String {
        network.name ?? "network-\(ordinal)"
    }

    /// For each block, the SHA-256 of what the notebook computes up to and including it: a chain
    /// from the seed through each block's directive after parameter substitution. A checkpoint
    /// carries its block's link, so it depends on nothing written after that block, and prose
    /// edits keep it.
    public func codeHashChain() -> [String] {
        var link = SHA256Hex.of("seed \(frontMatter.seed)".utf8)
        return blocks.map { block in
            link = SHA256Hex.of((link + "\n{\(block.directive.kind.rawValue)} "
                                 + (block.resolvedBody.map(BlockCache.canonical) ?? "-")).utf8)
            return link
        }
    }
}

public struct PlannedBlock: Sendable, Equatable {
    public var block: DirectiveBlock
    public var directive: Directive
    /// The body after parameter substitution, as the runner and the cache see it.
    public var resolvedBody: YAMLNode?

    public var line: Int { block.location.line }
}

extension NotebookPlan {
    /// Parses and validates notebook `bytes`, applying `overrides` (`NAME=VALUE`) to its parameters,
    /// and `seed` in place of the front matter's when given (a sweep's repeats). Every problem found is thrown together as `Diagnostics`; a bad override, or a value from one
    /// that the notebook's checks refuse, as `ParameterOverrideError`.
    public static func make(bytes: [UInt8], path: String, overrides: [String] = [], seed: UInt64? = nil,
                            memoryLimit: UInt64 = ProcessInfo.processInfo.physicalMemory) throws -> NotebookPlan {
        let (parsed, parseDiagnostics) = MarkdownParser.parse(bytes, path: path)
        var diagnostics = parseDiagnostics
        guard let source = parsed else { throw Diagnostics(diagnostics) }

        var frontMatterNode: YAMLNode?
        if let yaml = source.frontMatter {
            do { frontMatterNode = try YAMLReader.read(yaml, path: path).root } catch { diagnostics.append(error) }
        }
        var frontMatter = FrontMatter(frontMatterNode, diagnostics: &diagnostics)
        if let seed { frontMatter.seed = seed }
        var parameters = frontMatter.parameters
        if diagnostics.isEmpty {
            try ParameterOverrides.apply(overrides, to: &parameters)
        }

        // Each block's YAML is read once; parameters are substituted into what was read.
        var cells: [ReadCell] = []
        for cell in source.cells {
            switch cell {
            case .prose(let prose):
                cells.append(.prose(prose))
            case .directive(let block):
                guard let kind = DirectiveKind(rawValue: block.name) else {
                    diagnostics.append(Diagnostic(block.location, "unknown directive '{\(block.name)}'",
                        suggestion: Spelling.suggestion(for: block.name, among: DirectiveKind.allCases.map(\.rawValue))
                            .map { "{\($0)}" }))
                    continue
                }
                do {
                    cells.append(.block(block, kind, try YAMLReader.read(block.body, path: path)))
                } catch {
                    diagnostics.append(error)
                }
            }
        }
        let checkDependencies = diagnostics.isEmpty
        let resolved = resolve(cells, source: source, frontMatter: frontMatter, parameters: parameters,
                               dependencies: checkDependencies ? .whenValid : .never, memoryLimit: memoryLimit)
        diagnostics += resolved.diagnostics
        guard !diagnostics.isEmpty else { return resolved.plan }
        if checkDependencies && parameters != frontMatter.parameters {
            // Were the problems there with the notebook's own defaults? Those that were not came from `-p`.
            // Dependencies are checked even where the defaults fail, so none of the notebook's own
            // problems is taken for the overrides'.
            let withDefaults = resolve(cells, source: source, frontMatter: frontMatter,
                                       parameters: frontMatter.parameters, dependencies: .always,
                                       memoryLimit: memoryLimit)
            let blame = OverrideBlame(overrides: overrides, defaults: frontMatter.parameters,
                                      resolved: parameters, references: resolved.references) { trial in
                resolve(cells, source: source, frontMatter: frontMatter, parameters: trial, dependencies: .always,
                        memoryLimit: memoryLimit).diagnostics
            }
            if let misuse = blame.misuse(diagnostics, withDefaults: withDefaults.diagnostics) { throw misuse }
        }
        throw Diagnostics(diagnostics)
    }

    /// A cell whose YAML has been read, before parameters are substituted.
    private enum ReadCell {
        case prose(Prose)
        case block(DirectiveBlock, DirectiveKind, YAMLDocument)
    }

    /// When `resolve` checks what each directive needs from the blocks before it.
    private enum DependencyChecking {
        case never
        /// Once every directive is valid (reports about invalid ones' neighbours would be noise).
        case whenValid
        case always
    }

    /// The plan with `parameters` substituted and every directive checked, what each substituted value
    /// referenced, and the problems found.
    private static func resolve(_ cells: [ReadCell], source: NotebookSource, frontMatter: FrontMatter,
                                parameters: [Parameter], dependencies: DependencyChecking, memoryLimit: UInt64)
        -> (plan: NotebookPlan, diagnostics: [Diagnostic], references: [SourceLocation: [String]]) {
        let values = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        var planned: [PlannedCell] = []
        var diagnostics: [Diagnostic] = []
        var references: [SourceLocation: [String]] = [:]
        for cell in cells {
            switch cell {
            case .prose(let prose):
                planned.append(.prose(prose))
            case .block(let block, let kind, let document):
                var substitution = ParameterSubstitution(parameters: values, explicitStrings: document.explicitStrings)
                var substitutionProblems: [Diagnostic] = []
                let body = document.root.map { substitution.apply($0, diagnostics: &substitutionProblems) }
                references.merge(substitution.references) { first, _ in first }
                diagnostics += substitutionProblems
                var (directive, problems) = Directive.read(kind, body: body, location: block.location)
                // A value whose parameter reference failed is already reported; its type error is noise.
                let failedLines = Set(substitutionProblems.map(\.location.line))
                diagnostics += problems.filter { !failedLines.contains($0.location.line) }
                // The user's own files are read now, so that what the later blocks need from them is checked
                // with everything else, before anything runs.
                if case .data(var data) = directive, data.dataset.isUserData, problems.isEmpty {
                    let folder = URL(fileURLWithPath: source.path).deletingLastPathComponent()
                    do {
                        data.preview = try UserData.preview(data, seed: frontMatter.seed) { written in
                            InputPath.resolve(written, against: folder).path
                        }
                        directive = .data(data)
                    } catch {
                        diagnostics.append(Diagnostic(data.pathLocation, "cannot read the \(data.dataset.rawValue) data: "
                                                      + PlainErrorText.of(error)))
                    }
                }
                if let directive {
                    planned.append(.block(PlannedBlock(block: block, directive: directive, resolvedBody: body)))
                }
            }
        }
        let plan = NotebookPlan(source: source, frontMatter: frontMatter, parameters: parameters, cells: planned)
        if dependencies == .always || (dependencies == .whenValid && diagnostics.isEmpty) {
            diagnostics += DependencyCheck(memoryLimit: memoryLimit).check(plan)
        }
        return (plan, diagnostics, references)
    }
}
