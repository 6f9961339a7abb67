import Foundation
import PackagePlugin

/// Compiles the text files of a target's folder (everything that is not Swift) into the target as
/// string literals, regenerated whenever one of them changes: the files stay the source of truth
/// people edit, and the built binary needs no resource bundle, so it runs from wherever it is copied.
@main
struct EmbedTemplates: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        let templates = module.sourceFiles
            .filter { $0.type == .unknown && !$0.url.lastPathComponent.hasPrefix(".") }
            .map(\.url)
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedTemplates.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(templates.map(\.lastPathComponent).joined(separator: ", ")) in \(target.name)",
                executable: try context.tool(named: "TemplateEmbedder").url,
                arguments: [output.path] + templates.map(\.path),
                inputFiles: templates,
                outputFiles: [output]
            )
        ]
    }
}
