import CommonMark
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

    /// Prose longer than this is rendered part by part (`MarkdownParts`), so cmark's tree stays
    /// small whatever the notebook; shorter prose in one piece, where a link's reference definition
    /// reaches across the whole of it.
    static let wholeRenderLimit = 256 << 10

    mutating func render(_ markdown: String) -> String {
        let bytes = Array(markdown.utf8)
        guard bytes.count > Self.wholeRenderLimit else { return renderPart(bytes[...]) }
        return MarkdownParts.split(bytes).map { renderPart(bytes[$0.bytes]) }.joined()
    }

    mutating func renderPart(_ bytes: ArraySlice<UInt8>) -> String {
        guard let document = MarkdownDocument(bytes, options: allowHTML ? .unsafe : []) else { return "" }
        var ids: [String] = []
        var repeatedTitle: MarkdownNode?
        document.forEachNode { node in
            guard node.kind == .heading else { return }
            let text = node.plainText
            defer { atFirstHeading = false }
            if atFirstHeading, node.headingLevel == 1, let title, text.trimmingCharacters(in: .whitespaces) == title {
                repeatedTitle = node
                return
            }
            let id = uniqueID(for: text)
            ids.append(id)
            headings.append(Heading(level: node.headingLevel, text: text, id: id))
        }
        // Removed only after the walk: cmark's iterator must not see its tree change under it.
        if let repeatedTitle { document.remove(repeatedTitle) }
        return Self.addHeadingIDs(document.html(), ids: ids)
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
