import RunRecords

/// The notebook copy cut into prose and the recorded blocks, by the lines run.json gives each
/// block (its opening fence's `line` and closing fence's `lastLine`): the report needs no notebook
/// parser, only the record and the text.
enum NotebookLayout {
    enum Cell: Equatable {
        case prose(String)
        /// The record's block `index`, and its source as written, fences included.
        case block(index: Int, source: String)
    }

    static func cells(text: String, record: RunRecord) -> [Cell] {
        let lines = Self.lines(text)
        var cells: [Cell] = []
        var next = firstLineAfterFrontMatter(lines)
        func addProse(upTo end: Int) {
            guard end >= next else { return }
            let chunk = lines[(next - 1)..<min(end, lines.count)]
            if chunk.contains(where: { !$0.allSatisfy(\.isWhitespace) }) {
                cells.append(.prose(chunk.joined(separator: "\n")))
            }
        }
        for (index, block) in record.blocks.enumerated() {
            guard (next...lines.count).contains(block.line) else {
                cells.append(.block(index: index, source: ""))
                continue
            }
            let last = min(block.lastLine ?? closingFence(after: block.line, in: lines), lines.count)
            addProse(upTo: block.line - 1)
            cells.append(.block(index: index, source: lines[(block.line - 1)..<max(last, block.line)].joined(separator: "\n")))
            next = max(last, block.line) + 1
        }
        addProse(upTo: lines.count)
        return cells
    }

    /// The text's lines, a leading byte-order mark dropped and CRLF or CR line ends read as LF,
    /// as the notebook parser reads them, so line numbers agree.
    static func lines(_ text: String) -> [Substring] {
        var body = Substring(text)
        if body.first == "\u{FEFF}" { body = body.dropFirst() }
        return body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
    }

    /// The first line after front matter (`---` on line 1 up to `---` or `...`), or 1.
    static func firstLineAfterFrontMatter(_ lines: [Substring]) -> Int {
        guard lines.first.map(trimmed) == "---" else { return 1 }
        for index in lines.indices.dropFirst() where trimmed(lines[index]) == "---" || trimmed(lines[index]) == "..." {
            return index + 2
        }
        return 1
    }

    /// The line closing the fence opened at `line`, for records older than `lastLine`: the first
    /// later line of at least as many of the same fence characters and nothing else.
    static func closingFence(after line: Int, in lines: [Substring]) -> Int {
        let opening = lines[line - 1].drop { $0 == " " }
        guard let fence = opening.first else { return line }
        let length = opening.prefix { $0 == fence }.count
        for index in line..<lines.count {
            let candidate = trimmed(lines[index]).drop { $0 == " " }
            if candidate.count >= length && candidate.allSatisfy({ $0 == fence }) { return index + 1 }
        }
        return lines.count
    }

    private static func trimmed(_ line: Substring) -> Substring {
        var end = line.endIndex
        while end > line.startIndex, line[line.index(before: end)] == " " || line[line.index(before: end)] == "\t" {
            end = line.index(before: end)
        }
        return line[..<end]
    }
}
