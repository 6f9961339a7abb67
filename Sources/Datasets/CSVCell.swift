import Foundation

/// How a CSV cell's text is read: spaces and tabs around it are ignored (`1, 2` is common), and a
/// number is anything `Float` parses that is finite: NaN and infinities are no data to learn from.
enum CSVCell {
    enum Reading: Equatable {
        case number(Float)
        case empty
        /// Parses as a float but is NaN, an infinity, or beyond Float's range (which parses as infinity).
        case notFinite
        case text
    }

    static func trimmed(_ cell: String) -> Substring {
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        // Most cells have nothing to trim; looking at their bytes first spares the Character walk.
        guard let first = cell.utf8.first, let last = cell.utf8.last, isBlank(first) || isBlank(last) else {
            return cell[...]
        }
        var text = cell[...]
        while let first = text.utf8.first, isBlank(first) { text = text.dropFirst() }
        while let last = text.utf8.last, isBlank(last) { text = text.dropLast() }
        return text
    }

    static func read(_ cell: String) -> Reading {
        let text = trimmed(cell)
        if text.isEmpty { return .empty }
        guard let value = Float(text) else { return .text }
        return value.isFinite ? .number(value) : .notFinite
    }

    static func isNumber(_ cell: String) -> Bool {
        if case .number = read(cell) { true } else { false }
    }

    /// The cell's number, or an error saying where and why it is not one; `textHint` follows the
    /// message when the cell is text.
    static func number(_ cell: String, column: @autoclosure () -> String, path: String, line: Int,
                       textHint: @autoclosure () -> String = "") throws -> Float {
        switch read(cell) {
        case .number(let value):
            return value
        case .empty:
            throw DatasetError(path: path, "\(column()): the cell is empty", line: line)
        case .notFinite:
            throw DatasetError(path: path, "\(column()): '\(shown(cell))' is not a finite number", line: line)
        case .text:
            throw DatasetError(path: path, "\(column()): '\(shown(cell))' is not a number\(textHint())", line: line)
        }
    }

    /// A cell's text for a message, trimmed, cut short and with line breaks shown as `\n`, so that a
    /// runaway cell (an unclosed quote swallowing the rest of the file) keeps the message one line.
    static func shown(_ cell: String) -> String {
        let text = trimmed(cell)
        let short = text.count > 60 ? text.prefix(57) + "..." : String(text)
        return short.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }
}
