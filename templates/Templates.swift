/// The other files in this folder, compiled into LabBook by the EmbedTemplates build-tool plugin:
/// `labbook new` starts notebooks from `notebook.md`, and reports are rendered from `report.mustache`
/// unless `--template` names another. Being string literals in the binary rather than bundle
/// resources, they are there wherever the binary is installed, with no build folder beside it.
public enum Templates {
    /// The text of the template `name` (its file name, with the extension), or nil if there is none.
    public static func text(named name: String) -> String? { embedded[name] }

    /// The file names of every template, sorted.
    public static var names: [String] { embedded.keys.sorted() }
}
