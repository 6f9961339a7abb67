import CommonMark
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
///
/// The work is linear in the notebook's size: the text is read as bytes, lines are found by cursors
/// that only move forwards, and nothing is copied more than once.
public enum MarkdownParser {
    /// UTF-8's byte-order mark, which some editors write at the start of a file.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public static func parse(_ bytes: [UInt8], path: String) -> (NotebookSource?, [Diagnostic]) {
        // The mark says how the file is encoded; it is not text, and left in it would hide the front
        // matter's opening `---`. Columns on the first line are counted without it, as editors do.
        let content = bytes.starts(with: byteOrderMark) ? bytes[byteOrderMark.count...] : bytes[...]
        let limit = NotebookLimits.maximumNotebookBytes
        if content.count > limit {
            return (nil, [Diagnostic(SourceLocation(file: path, offset: limit, in: content),
                                     "the notebook is larger than \(NotebookLimits.describe(bytes: limit)), "
                                     + "the most LabBook reads; it passes the limit here")])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return (nil, [Diagnostic(invalidUTF8Location(content, path: path), "the notebook is not UTF-8 text")])
        }
        var diagnostics: [Diagnostic] = []
        // CommonMark ends lines at LF, CRLF or a lone CR; end them all with LF so line numbers agree with cmark's.
        let lines = LineText(normalizingLineEndings(content))
        let (frontMatter, frontMatterLines) = extractFrontMatter(lines, path: path, diagnostics: &diagnostics)
        let directives = findDirectives(lines, after: frontMatterLines, path: path, diagnostics: &diagnostics)

        var cells: [Cell] = []
        var cursor = LineCursor(lines)
        var nextLine = frontMatterLines + 1
        func addProse(upTo end: Int) {
            guard end >= nextLine else { return }
            let chunk = cursor.range(fromLine: nextLine, throughLine: end)
            if !lines.bytes[chunk].allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t")
                                                 || $0 == UInt8(ascii: "\n") }) {
                cells.append(.prose(Prose(markdown: lines.string(chunk), firstLine: nextLine)))
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
    static func invalidUTF8Location(_ bytes: ArraySlice<UInt8>, path: String) -> SourceLocation {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .error, .emptyInput: break loop
            }
        }
        return SourceLocation(file: path, offset: offset, in: bytes)
    }

    /// `bytes` with every CRLF and lone CR replaced by LF (the same array when there are none).
    static func normalizingLineEndings(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "\r")) else { return Array(bytes) }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var previousWasCR = false
        for byte in bytes {
            if byte == UInt8(ascii: "\n") && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = byte == UInt8(ascii: "\r")
            result.append(previousWasCR ? UInt8(ascii: "\n") : byte)
        }
        return result
    }

    /// YAML front matter: `---` on the first line up to a closing `---` or `...`; also returns how
    /// many lines it spans (0 without front matter), which the Markdown after it starts below.
    static func extractFrontMatter(_ lines: LineText, path: String,
                                   diagnostics: inout [Diagnostic]) -> (YAMLText?, Int) {
        var cursor = LineCursor(lines)
        guard lines.trimmingTrailingSpaces(cursor.range(ofLine: 1)).elementsEqual("---".utf8) else { return (nil, 0) }
        if lines.count >= 2 {
            let yamlStart = cursor.range(ofLine: 2).lowerBound
            var yamlEnd = yamlStart
            for line in 2...lines.count {
                let range = cursor.range(ofLine: line)
                let content = lines.trimmingTrailingSpaces(range)
                if content.elementsEqual("---".utf8) || content.elementsEqual("...".utf8) {
                    return (YAMLText(text: lines.string(yamlStart..<yamlEnd), firstLine: 2, columnOffset: 0), line)
                }
                yamlEnd = range.upperBound
            }
        }
        diagnostics.append(Diagnostic(SourceLocation(file: path, line: 1, column: 1),
                                      "the front matter opened here is never closed with '---'"))
        return (nil, 0)
    }

    /// The directive blocks cmark finds in the lines after the front matter's `skippedLines`.
    static func findDirectives(_ lines: LineText, after skippedLines: Int, path: String,
                               diagnostics: inout [Diagnostic]) -> [DirectiveBlock] {
        var cursor = LineCursor(lines)
        var directives: [DirectiveBlock] = []
        var tooMany = false
        // One part at a time, so the tree cmark builds is bounded by a part, not the notebook.
        let markdownStart = skippedLines == 0 ? 0 : cursor.range(ofLine: skippedLines).upperBound + 1
        for segment in MarkdownParts.split(lines.bytes, from: markdownStart, firstLine: skippedLines + 1) where !tooMany {
            guard segment.inlineBytes <= NotebookLimits.maximumMarkdownPartBytes else {
                diagnostics.append(Diagnostic(
                    SourceLocation(file: path, line: segment.firstLine, column: 1),
                    "the Markdown from here to line \(segment.lastLine) has more than "
                    + "\(NotebookLimits.describe(bytes: NotebookLimits.maximumMarkdownPartBytes)) of text with no blank line "
                    + "followed by an unindented line, the most LabBook parses at once; break it up with blank lines"))
                continue
            }
            let offset = segment.firstLine - 1
            guard let document = MarkdownDocument(lines.bytes[segment.bytes], options: .sourcePositions) else { continue }
            document.forEachNode { node in
                guard !tooMany, node.kind == .codeBlock, let info = node.fenceInfo, info.hasPrefix("{") else { return }
                let startLine = node.startLine + offset
                let endLine = node.endLine + offset
                guard startLine > offset, endLine >= startLine, endLine <= lines.count else { return }
                let fenceColumn = node.startColumn
                let fenceLine = cursor.range(ofLine: startLine)
                let braceColumn = lines.bytes[fenceLine].firstIndex(of: UInt8(ascii: "{")).map { $0 - fenceLine.lowerBound + 1 }
                    ?? fenceColumn
                let location = SourceLocation(file: path, line: startLine, column: braceColumn)

                guard let name = directiveName(info) else {
                    diagnostics.append(Diagnostic(location, "malformed directive '\(info)': write {name}, such as {train}"))
                    return
                }
                if node.parent != document.document {
                    diagnostics.append(Diagnostic(location, "the {\(name)} block must stand at the top level of the "
                                                  + "notebook, not inside a list or quote"))
                    return
                }
                let closingLine = cursor.range(ofLine: endLine)
                if !isClosingFence(lines.bytes[closingLine], opening: lines.bytes[fenceLine]) || endLine == startLine {
                    diagnostics.append(Diagnostic(location, "the {\(name)} block opened here is never closed"))
                    return
                }
                if directives.count == NotebookLimits.maximumBlocks {
                    diagnostics.append(Diagnostic(location, "the notebook has more than \(NotebookLimits.maximumBlocks) "
                                                  + "directive blocks, the most LabBook reads; this is the first one over"))
                    tooMany = true
                    return
                }
                directives.append(DirectiveBlock(
                    name: name, location: location,
                    body: YAMLText(text: node.literal ?? "", firstLine: startLine + 1, columnOffset: fenceColumn - 1),
                    lastLine: endLine,
                    source: lines.string(fenceLine.lowerBound..<closingLine.upperBound)))
            }
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
    static func isClosingFence(_ line: ArraySlice<UInt8>, opening: ArraySlice<UInt8>) -> Bool {
        let openingFence = opening.drop(while: { $0 == UInt8(ascii: " ") })
        guard let fenceCharacter = openingFence.first else { return false }
        let openingLength = openingFence.prefix(while: { $0 == fenceCharacter }).count
        let closing = LineText.trimmingTrailingSpaces(line).drop(while: { $0 == UInt8(ascii: " ") })
        return closing.count >= openingLength && closing.allSatisfy { $0 == fenceCharacter }
    }
}

/// A text with LF line endings, as bytes, and how many lines it has (a final LF starts an empty last line).
struct LineText {
    let bytes: [UInt8]
    let count: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var lines = 1
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer where byte == UInt8(ascii: "\n") { lines += 1 }
        }
        count = lines
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    func trimmingTrailingSpaces(_ range: Range<Int>) -> ArraySlice<UInt8> {
        Self.trimmingTrailingSpaces(bytes[range])
    }

    static func trimmingTrailingSpaces(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = line.endIndex
        while end > line.startIndex && (line[end - 1] == UInt8(ascii: " ") || line[end - 1] == UInt8(ascii: "\t")) {
            end -= 1
        }
        return line[..<end]
    }
}

/// Finds lines of a `LineText` by moving forwards from the last line asked for, so visiting lines in
/// increasing order costs one pass over the text however many are asked for.
struct LineCursor {
    private let text: LineText
    private var line = 1
    private var start = 0

    init(_ text: LineText) {
        self.text = text
    }

    /// The bytes of line `target` (1-based), without its LF.
    mutating func range(ofLine target: Int) -> Range<Int> {
        if target < line {
            // Never needed in order; starting over keeps an unexpected order correct, if slower.
            (line, start) = (1, 0)
        }
        while line < target {
            start = endOfLine(from: start) + 1
            line += 1
        }
        return start..<endOfLine(from: start)
    }

    /// The bytes from the start of line `first` to the end of line `last`, LFs between them included.
    mutating func range(fromLine first: Int, throughLine last: Int) -> Range<Int> {
        let lower = range(ofLine: first).lowerBound
        return lower..<range(ofLine: last).upperBound
    }

    private func endOfLine(from offset: Int) -> Int {
        guard offset < text.bytes.count else { return text.bytes.count }
        return text.bytes.withUnsafeBufferPointer { buffer in
            guard let found = memchr(buffer.baseAddress! + offset, Int32(UInt8(ascii: "\n")), buffer.count - offset) else {
                return buffer.count
            }
            return buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }
}
