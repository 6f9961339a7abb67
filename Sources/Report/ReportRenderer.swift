import Foundation
import Mustache
import RunRecords
import Templates

/// A report that could not be rendered.
public struct ReportError: Error, CustomStringConvertible {
    public var description: String
}

/// Renders a run's `report.html`: one self-contained page (inline CSS and SVG, images as data URIs)
/// from a Mustache template, built from the run's record and the notebook it executed alone, so a
/// report can be re-rendered without training anything. The record says where each block stands
/// in the notebook, so the report needs no notebook parser.
public enum ReportRenderer {
    /// The page for `record`, run from `notebookText` (the notebook as executed).
    ///
    /// - template: Mustache source to use instead of templates/report.mustache.
    /// - runFiles: the run folder's other files, linked from the footer.
    public static func render(record: RunRecord, notebookText: String, template: String? = nil,
                              runFiles: [String] = []) throws -> String {
        var builder = ReportModelBuilder(record: record, notebookText: notebookText,
                                         allowHTML: record.rawHtml ?? false, runFiles: runFiles)
        let page = builder.page()
        guard let source = template ?? Templates.text(named: "report.mustache") else {
            throw ReportError(description: "the report template is missing from this installation")
        }
        let compiled: MustacheTemplate
        do {
            compiled = try MustacheTemplate(string: source)
        } catch {
            throw ReportError(description: "the report template does not parse: \(error)")
        }
        return compiled.render(page)
    }
}
