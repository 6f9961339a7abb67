import CCmark
import Foundation

/// A heading of the notebook's prose, for the table of contents.
public struct Heading: Sendable, Equatable {
    public var level: Int
    public var text: String
    public var id: String
}

/// Renders Markdown prose to HTML with cmark: in safe mode (raw HTML and dangerous URLs dropped)
/// unless the notebook allows HTML, code blocks keeping their `language-*` class, and every heading
/// given an id so the table of contents can link to it.
struct ProseRenderer {
    var allowHTML: Bool
    /// The page's title: a first heading of level 1 that repeats it is left out, since the page
    /// already shows the title above the table of contents (notebooks keep such a heading so they
    /// read well as plain Markdown).
    var title: String?
    /// Ids handed out so far, so headings with the same text get distinct anchors.
    private var usedIDs: Set<String> = []
    private(set) var headings: [Heading] = []
    /// False once any heading has been seen: only the document's first one can repeat the title.
    private var atFirstHeading = true

    init(allowHTML: Bool, title: String? = nil) {
        self.allowHTML = allowHTML
        self.title = title
    }

    mutating func render(_ markdown: String) -> String {
        let bytes = Array(markdown.utf8)
        let options = allowHTML ? CMARK_OPT_UNSAFE : CMARK_OPT_DEFAULT
        guard let document = cmark_parse_document(bytes, bytes.count, options) else { return "" }
        defer { cmark_node_free(document) }

        var ids: [String] = []
        var repeatedTitle: OpaquePointer?
        if let iterator = cmark_iter_new(document) {
            defer { cmark_iter_free(iterator) }
            while cmark_iter_next(iterator) != CMARK_EVENT_DONE {
                guard cmark_iter_get_event_type(iterator) == CMARK_EVENT_ENTER,
                      let current = cmark_iter_get_node(iterator),
                      cmark_node_get_type(current) == CMARK_NODE_HEADING else { continue }
                let text = Self.plainText(current)
                let level = Int(cmark_node_get_heading_level(current))
                defer { atFirstHeading = false }
                if atFirstHeading, level == 1, let title, text.trimmingCharacters(in: .whitespaces) == title {
                    repeatedTitle = current
                    continue
                }
                let id = uniqueID(for: text)
                ids.append(id)
                headings.append(Heading(level: level, text: text, id: id))
            }
        }
        // Unlinked only after the walk: cmark's iterator must not see its tree change under it.
        if let repeatedTitle {
            cmark_node_unlink(repeatedTitle)
            cmark_node_free(repeatedTitle)
        }
        guard let rendered = cmark_render_html(document, options) else { return "" }
        defer { free(rendered) }
        return Self.addHeadingIDs(String(cString: rendered), ids: ids)
    }

    /// The text of a node's inline children, without markup.
    static func plainText(_ node: OpaquePointer) -> String {
        guard let iterator = cmark_iter_new(node) else { return "" }
        defer { cmark_iter_free(iterator) }
        var text = ""
        while cmark_iter_next(iterator) != CMARK_EVENT_DONE {
            guard cmark_iter_get_event_type(iterator) == CMARK_EVENT_ENTER,
                  let current = cmark_iter_get_node(iterator) else { continue }
            switch cmark_node_get_type(current) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE:
                if let literal = cmark_node_get_literal(current) { text += String(cString: literal) }
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK:
                text += " "
            default:
                break
            }
        }
        return text
    }

    mutating func uniqueID(for text: String) -> String {
        var slug = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                slug.append(character)
            } else if !slug.isEmpty && slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty { slug = "section" }
        var candidate = slug
        var suffix = 2
        while usedIDs.contains(candidate) {
            candidate = "\(slug)-\(suffix)"
            suffix += 1
        }
        usedIDs.insert(candidate)
        return candidate
    }

    /// Gives the headings of cmark's output, in document order, their ids: `<h2>` → `<h2 id="...">`.
    static func addHeadingIDs(_ html: String, ids: [String]) -> String {
        var result = ""
        var rest = Substring(html)
        var remaining = ids[...]
        while let id = remaining.first, let range = rest.firstRange(of: /<h[1-6]>/) {
            result += rest[..<range.lowerBound]
            let tag = rest[range].dropLast()
            result += "\(tag) id=\"\(id)\">"
            rest = rest[range.upperBound...]
            remaining = remaining.dropFirst()
        }
        return result + rest
    }
}
