import Foundation

/// Cuts Markdown into parts that cmark can parse one at a time and still see the same top-level
/// blocks, so the memory a parse takes is bounded by the largest part, not the whole text.
///
/// cmark keeps the whole tree of a document, inline nodes included: 16 MiB of `*a* *a* ...` took
/// 3 GB. A cut is made before an unindented line that follows a blank line, outside fenced code and
/// outside the HTML blocks that run across blank lines (`<pre>`, `<script>`, `<style>`,
/// `<textarea>`, comments, processing instructions, declarations, CDATA): there every open block
/// (a paragraph, a list, a quote, indented code) has ended or would end, so where a fenced block
/// stands, and whether it is at the top level, is the same in the part as in the whole. Inline
/// content is all that can differ (a link's reference defined in another part), which directive
/// finding does not read.
public enum MarkdownParts {
    public struct Part: Equatable, Sendable {
        /// The lines the part spans, counted as `split` was told the text's first line is.
        public var firstLine: Int
        public var lastLine: Int
        /// The part's bytes in the text.
        public var bytes: Range<Int>
        /// Its bytes outside fenced code and HTML blocks: the text cmark makes inline nodes of.
        public var inlineBytes: Int
    }

    /// The parts of `bytes` (lines ended by LF) from byte `start` on, which is the start of line
    /// `firstLine`, in order.
    public static func split(_ bytes: [UInt8], from start: Int = 0, firstLine: Int = 1) -> [Part] {
        guard start < bytes.count else { return [] }
        var parts: [Part] = []
        var partStart = (line: firstLine, byte: start)
        var previousBlank = false
        var fence: (character: UInt8, length: Int)?
        var htmlEnd: [UInt8]?
        var inlineBytes = 0
        var number = firstLine
        var lineStart = start
        while lineStart <= bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let line = bytes[lineStart..<lineEnd]
            defer {
                lineStart = lineEnd + 1
                number += 1
            }
            if let open = fence {
                if closesFence(line, open) { fence = nil }
                continue
            }
            if let end = htmlEnd {
                if contains(line, end, caseInsensitive: true) { htmlEnd = nil }
                continue
            }
            if previousBlank, number > partStart.line, let head = line.first, head != UInt8(ascii: " "),
               head != UInt8(ascii: "\t") {
                parts.append(Part(firstLine: partStart.line, lastLine: number - 1,
                                  bytes: partStart.byte..<(lineStart - 1), inlineBytes: inlineBytes))
                partStart = (number, lineStart)
                inlineBytes = 0
            }
            previousBlank = line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            fence = opensFence(line)
            if fence == nil { htmlEnd = htmlBlockEnd(line) }
            if fence == nil && htmlEnd == nil { inlineBytes += line.count + 1 }
        }
        parts.append(Part(firstLine: partStart.line, lastLine: number - 1, bytes: partStart.byte..<bytes.count,
                          inlineBytes: inlineBytes))
        return parts
    }

    /// Up to three spaces, then at least three backticks or tildes (a backtick fence's info string
    /// has no backtick): the fence's character and length.
    static func opensFence(_ line: ArraySlice<UInt8>) -> (character: UInt8, length: Int)? {
        let indent = line.prefix { $0 == UInt8(ascii: " ") }.count
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        guard let character = rest.first, character == UInt8(ascii: "`") || character == UInt8(ascii: "~") else { return nil }
        let length = rest.prefix { $0 == character }.count
        guard length >= 3 else { return nil }
        if character == UInt8(ascii: "`") && rest.dropFirst(length).contains(UInt8(ascii: "`")) { return nil }
        return (character, length)
    }

    /// Up to three spaces, at least as many of the fence's character, then only spaces or tabs.
    static func closesFence(_ line: ArraySlice<UInt8>, _ fence: (character: UInt8, length: Int)) -> Bool {
        let indent = line.prefix { $0 == UInt8(ascii: " ") }.count
        guard indent <= 3 else { return false }
        let rest = line.dropFirst(indent)
        let length = rest.prefix { $0 == fence.character }.count
        return length >= fence.length
            && rest.dropFirst(length).allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    /// For a line that starts one of CommonMark's HTML blocks 1 to 5 (which blank lines do not end)
    /// and does not end it on the same line: the text that ends it.
    static func htmlBlockEnd(_ line: ArraySlice<UInt8>) -> [UInt8]? {
        let indent = line.prefix { $0 == UInt8(ascii: " ") }.count
        // Most lines do not start with `<`: ruled out before anything is copied.
        guard indent <= 3, line.dropFirst(indent).first == UInt8(ascii: "<") else { return nil }
        let rest = Array(line.dropFirst(indent))
        let lower = rest.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        var end: [UInt8]?
        for tag in ["script", "pre", "style", "textarea"] {
            let opening = Array("<\(tag)".utf8)
            guard lower.starts(with: opening) else { continue }
            let after = lower.count > opening.count ? lower[opening.count] : UInt8(ascii: " ")
            if after == UInt8(ascii: " ") || after == UInt8(ascii: "\t") || after == UInt8(ascii: ">") {
                end = Array("</\(tag)>".utf8)
            }
        }
        if end == nil {
            if rest.starts(with: Array("<!--".utf8)) { end = Array("-->".utf8) }
            else if rest.starts(with: Array("<?".utf8)) { end = Array("?>".utf8) }
            else if rest.starts(with: Array("<![CDATA[".utf8)) { end = Array("]]>".utf8) }
            else if rest.count > 2, rest[1] == UInt8(ascii: "!"), (65...90).contains(rest[2]) || (97...122).contains(rest[2]) {
                end = Array(">".utf8)
            }
        }
        guard let end else { return nil }
        // Type 1's end is any of the four closing tags; checking the one that opened suffices for
        // well-formed prose and errs towards not cutting.
        return contains(rest[...].dropFirst(2), end, caseInsensitive: true) ? nil : end
    }

    static func contains(_ line: ArraySlice<UInt8>, _ needle: [UInt8], caseInsensitive: Bool) -> Bool {
        guard needle.count <= line.count else { return false }
        let bytes = caseInsensitive ? line.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 } : Array(line)
        return bytes.firstRange(of: needle) != nil
    }
}
