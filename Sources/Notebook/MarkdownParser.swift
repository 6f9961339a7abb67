import CCmark
import Foundation

/// A notebook's text split into prose and directive blocks, in document order.
public struct NotebookSource: Sendable, Equatable {
    public var path: String
    public var text: String
    /// The YAML between the opening and closing `---` lines, if the notebook has front matter.
    public var frontMatter: YAMLText?
    public var cells: [Cell]
}

/// YAML text and where it sits in the notebook, so YAML positions map back to notebook positions.
public struct YAMLText: Sendable, Equatable {
    public var text: String
    /// The notebook line of the YAML's first line.
    public var firstLine: Int
    /// Added to YAML columns (a fence indented by n spaces has its body shifted by n).
    public var columnOffset: Int
}

public enum Cell: Sendable, Equatable {
    /// Markdown shown as it is: every line between two directives (or the document's ends).
    case prose(Prose)
    case directive(DirectiveBlock)
}

public struct Prose: Sendable, Equatable {
    public var markdown: String
    public var firstLine: Int
}

/// A fenced code block whose info string is `{name}`: an executable directive with a YAML body.
public struct DirectiveBlock: Sendable, Equatable {
    public var name: String
    /// Where the `{name}` stands on the fence line.
    public var location: SourceLocation
    public var body: YAMLText
    /// The notebook line of the closing fence.
    public var lastLine: Int
    /// The block exactly as written, fences included, for the report.
    public var source: String
}

/// Splits notebooks into front matter, prose and directives, using cmark (with source positions)
/// for the Markdown, so fences, indentation and nesting follow CommonMark exactly.
public enum MarkdownParser {
    public static func parse(_ bytes: [UInt8], path: String) -> (NotebookSource?, [Diagnostic]) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return (nil, [Diagnostic(invalidUTF8Location(bytes, path: path),
                                     "the notebook is not UTF-8 text")])
        }
        var diagnostics: [Diagnostic] = []
        // CommonMark ends lines at LF, CRLF or a lone CR; split the same way so line numbers agree with cmark's.
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let (frontMatter, frontMatterLines) = extractFrontMatter(&lines, path: path, diagnostics: &diagnostics)
        // Front matter lines are blanked, not removed, so cmark's line numbers are the file's.
        let markdown = lines.joined(separator: "\n")
        let directives = findDirectives(markdown, lines: lines, path: path, diagnostics: &diagnostics)

        var cells: [Cell] = []
        var nextLine = frontMatterLines + 1
        func addProse(upTo end: Int) {
            guard end >= nextLine else { return }
            let chunk = lines[(nextLine - 1)..<end].joined(separator: "\n")
            if !chunk.allSatisfy(\.isWhitespace) {
                cells.append(.prose(Prose(markdown: chunk, firstLine: nextLine)))
            }
        }
        for directive in directives {
            addProse(upTo: directive.location.line - 1)
            cells.append(.directive(directive))
            nextLine = directive.lastLine + 1
        }
        addProse(upTo: lines.count)
        return (NotebookSource(path: path, text: text, frontMatter: frontMatter, cells: cells), diagnostics)
    }

    /// The first invalid byte's line and column.
    static func invalidUTF8Location(_ bytes: [UInt8], path: String) -> SourceLocation {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0, line = 1, lineStart = 0
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = offset + 1
                }
                offset += encoded.count
            case .error(let length):
                _ = length
                break loop
            case .emptyInput:
                break loop
            }
        }
        return SourceLocation(file: path, line: line, column: offset - lineStart + 1)
    }

    /// Takes YAML front matter (`---` on the first line up to a closing `---` or `...`) out of `lines`,
    /// leaving blank lines in its place; also returns how many lines it spanned.
    static func extractFrontMatter(_ lines: inout [String], path: String,
                                   diagnostics: inout [Diagnostic]) -> (YAMLText?, Int) {
        guard let first = lines.first, first.trimmingTrailingSpaces == "---" else { return (nil, 0) }
        guard let close = lines.indices.dropFirst().first(where: {
            ["---", "..."].contains(lines[$0].trimmingTrailingSpaces)
        }) else {
            diagnostics.append(Diagnostic(SourceLocation(file: path, line: 1, column: 1),
                                          "the front matter opened here is never closed with '---'"))
            return (nil, 0)
        }
        let yaml = YAMLText(text: lines[1..<close].joined(separator: "\n"), firstLine: 2, columnOffset: 0)
        for index in 0...close { lines[index] = "" }
        return (yaml, close + 1)
    }

    static func findDirectives(_ markdown: String, lines: [String], path: String,
                               diagnostics: inout [Diagnostic]) -> [DirectiveBlock] {
        let utf8 = Array(markdown.utf8)
        guard let document = cmark_parse_document(utf8, utf8.count, CMARK_OPT_SOURCEPOS) else { return [] }
        defer { cmark_node_free(document) }
        guard let iterator = cmark_iter_new(document) else { return [] }
        defer { cmark_iter_free(iterator) }

        var directives: [DirectiveBlock] = []
        while cmark_iter_next(iterator) != CMARK_EVENT_DONE {
            guard cmark_iter_get_event_type(iterator) == CMARK_EVENT_ENTER,
                  let node = cmark_iter_get_node(iterator),
                  cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK,
                  let infoPointer = cmark_node_get_fence_info(node) else { continue }
            let info = String(cString: infoPointer)
            guard info.hasPrefix("{") else { continue }
            let startLine = Int(cmark_node_get_start_line(node))
            let endLine = Int(cmark_node_get_end_line(node))
            guard startLine >= 1, endLine >= startLine, endLine <= lines.count else { continue }
            let fenceColumn = Int(cmark_node_get_start_column(node))
            let fenceLine = lines[startLine - 1]
            let braceColumn = fenceLine.utf8.firstIndex(of: UInt8(ascii: "{"))
                .map { fenceLine.utf8.distance(from: fenceLine.utf8.startIndex, to: $0) + 1 } ?? fenceColumn
            let location = SourceLocation(file: path, line: startLine, column: braceColumn)

            guard let name = directiveName(info) else {
                diagnostics.append(Diagnostic(location, "malformed directive '\(info)': write {name}, such as {train}"))
                continue
            }
            if cmark_node_parent(node) != document {
                diagnostics.append(Diagnostic(location, "the {\(name)} block must stand at the top level of the "
                                              + "notebook, not inside a list or quote"))
                continue
            }
            if !isClosingFence(lines[endLine - 1], opening: fenceLine) || endLine == startLine {
                diagnostics.append(Diagnostic(location, "the {\(name)} block opened here is never closed"))
                continue
            }
            let literal = cmark_node_get_literal(node).map { String(cString: $0) } ?? ""
            directives.append(DirectiveBlock(
                name: name, location: location,
                body: YAMLText(text: literal, firstLine: startLine + 1, columnOffset: fenceColumn - 1),
                lastLine: endLine,
                source: lines[(startLine - 1)..<endLine].joined(separator: "\n")))
        }
        return directives
    }

    /// `train` from `{train}` (anything after the closing brace is ignored); nil if malformed.
    static func directiveName(_ info: String) -> String? {
        guard let close = info.firstIndex(of: "}") else { return nil }
        let name = info[info.index(after: info.startIndex)..<close]
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            return nil
        }
        return String(name)
    }

    /// Whether `line` closes a fence opened by `opening`: the same character, at least as many.
    static func isClosingFence(_ line: String, opening: String) -> Bool {
        let openingFence = opening.drop(while: { $0 == " " })
        guard let fenceCharacter = openingFence.first else { return false }
        let openingLength = openingFence.prefix(while: { $0 == fenceCharacter }).count
        let closing = line.trimmingTrailingSpaces.drop(while: { $0 == " " })
        return closing.count >= openingLength && closing.allSatisfy { $0 == fenceCharacter }
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        String(self.reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
