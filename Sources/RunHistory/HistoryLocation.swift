import Foundation

/// Where the run history lives: `--history FILE`, else `$LABBOOK_HISTORY`, else
/// `labbook-history.sqlite` in the current folder, beside `runs/`.
public enum HistoryLocation {
    public static let defaultFileName = "labbook-history.sqlite"
    public static let environmentVariable = "LABBOOK_HISTORY"

    /// The history file for `option` (the `--history` value, if given), `environment` and the
    /// current folder `directory`; relative paths are taken from `directory`. An empty
    /// `LABBOOK_HISTORY` counts as unset.
    public static func resolve(option: String?, environment: [String: String], directory: URL) -> URL {
        let named = option ?? environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultFileName
        return FigureText.absolute(named, from: directory)
    }
}
