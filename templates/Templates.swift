import Foundation

/// The files in this folder, shipped inside LabBook as resources: `labbook new` starts notebooks from
/// `notebook.md`, and reports are rendered from `report.mustache` unless `--template` names another.
public enum Templates {
    /// The text of the template `name` (with its extension), or nil if it is not installed.
    public static func text(named name: String) -> String? {
        let file = name as NSString
        guard let url = Bundle.module.url(forResource: file.deletingPathExtension, withExtension: file.pathExtension) else {
            return nil
        }
        return try? String(contentsOf: url, encoding: .utf8)
    }
}
