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
    /// Parses and validates notebook `bytes`, applying `overrides` (`NAME=VALUE`) to its parameters.
    /// Every problem found is thrown together as `Diagnostics`; a bad override as
    /// `ParameterOverrideError`.
    public static func make(bytes: [UInt8], path: String, overrides: [String] = [],
                            memoryLimit: UInt64 = ProcessInfo.processInfo.physicalMemory) throws -> NotebookPlan {
        let (parsed, parseDiagnostics) = MarkdownParser.parse(bytes, path: path)
        var diagnostics = parseDiagnostics
        guard let source = parsed else { throw Diagnostics(diagnostics) }

        var frontMatterNode: YAMLNode?
        if let yaml = source.frontMatter {
            do { frontMatterNode = try YAMLReader.read(yaml, path: path) } catch { diagnostics.append(error) }
        }
        let frontMatter = FrontMatter(frontMatterNode, diagnostics: &diagnostics)
        var parameters = frontMatter.parameters
        if diagnostics.isEmpty {
            try ParameterOverrides.apply(overrides, to: &parameters)
        }
        let substitution = ParameterSubstitution(
            parameters: Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }))

        var cells: [PlannedCell] = []
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
                var body: YAMLNode?
                var substitutionProblems: [Diagnostic] = []
                do {
                    body = try YAMLReader.read(block.body, path: path)
                } catch {
                    diagnostics.append(error)
                    continue
                }
                body = body.map { substitution.apply($0, diagnostics: &substitutionProblems) }
                diagnostics += substitutionProblems
                let (directive, problems) = Directive.read(kind, body: body, location: block.location)
                // A value whose parameter reference failed is already reported; its type error is noise.
                let failedLines = Set(substitutionProblems.map(\.location.line))
                diagnostics += problems.filter { !failedLines.contains($0.location.line) }
                if let directive {
                    cells.append(.block(PlannedBlock(block: block, directive: directive, resolvedBody: body)))
                }
            }
        }
        let plan = NotebookPlan(source: source, frontMatter: frontMatter, parameters: parameters, cells: cells)
        if diagnostics.isEmpty {
            diagnostics += DependencyCheck(memoryLimit: memoryLimit).check(plan)
        }
        guard diagnostics.isEmpty else { throw Diagnostics(diagnostics) }
        return plan
    }
}
