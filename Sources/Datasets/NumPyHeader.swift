/// The dictionary that starts every .npy file, written by NumPy as a Python literal:
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and a newline.
///
/// Parsed by hand because no Swift library reads Python literals, and only the few forms NumPy writes
/// are accepted (strings, integers, True/False/None, tuples, lists, dictionaries): nothing in a
/// header is evaluated, and what NumPy's own reader would refuse is refused here too.
struct NumPyHeader {
    var descr: String
    /// Where the `descr` value starts in the file, for errors about the type.
    var descrOffset: Int
    var fortranOrder: Bool
    var shape: [Int]

    /// Deeper nesting than any header NumPy writes (structured types nest a few levels); the parser
    /// recurses once per level, so a bound keeps a hostile header from exhausting the stack.
    static let maximumNesting = 32

    /// Parses the header text `bytes`, whose first byte is at `offset` in the file; strings are UTF-8
    /// when `utf8` (version 3.0), Latin-1 otherwise. Errors name `location`.
    static func parse(
        _ bytes: ArraySlice<UInt8>, offset: Int, utf8: Bool, location: ArrayLocation
    ) throws -> NumPyHeader {
        func fail(_ message: String, _ offset: Int) -> DatasetError { location.error(message, offset: offset) }
        var parser = LiteralParser(bytes: bytes, fileOffset: offset, utf8: utf8, location: location)
        let literal = try parser.parseWhole()
        guard case .dictionary(let entries) = literal.value else {
            throw fail("the header is \(literal.value.kindName), not a dictionary", literal.offset)
        }
        var values: [String: Located] = [:]
        for entry in entries {
            guard case .string(let key) = entry.key.value else {
                throw fail("the header has a key that is \(entry.key.value.kindName), not a string", entry.key.offset)
            }
            guard ["descr", "fortran_order", "shape"].contains(key) else {
                throw fail("the header has the unexpected key '\(key)'; NumPy writes only 'descr', "
                           + "'fortran_order' and 'shape'", entry.key.offset)
            }
            guard values[key] == nil else {
                throw fail("the header gives '\(key)' twice", entry.key.offset)
            }
            values[key] = entry.value
        }
        func value(_ key: String) throws -> Located {
            guard let value = values[key] else { throw fail("the header has no '\(key)'", literal.offset) }
            return value
        }
        let descr = try value("descr")
        guard case .string(let descrText) = descr.value else {
            let detail = if case .list = descr.value { ": a structured (record) dtype, which LabBook does not read" } else { "" }
            throw fail("'descr' is \(descr.value.kindName), not a type string\(detail)", descr.offset)
        }
        let fortranOrder = try value("fortran_order")
        guard case .boolean(let isFortranOrder) = fortranOrder.value else {
            throw fail("'fortran_order' is \(fortranOrder.value.kindName), not True or False", fortranOrder.offset)
        }
        let shape = try value("shape")
        guard case .tuple(let dimensions) = shape.value else {
            throw fail("'shape' is \(shape.value.kindName), not a tuple of integers", shape.offset)
        }
        let sizes = try dimensions.map { dimension in
            guard case .integer(let size) = dimension.value else {
                throw fail("'shape' holds \(dimension.value.kindName), not only integers", dimension.offset)
            }
            guard size >= 0 else { throw fail("'shape' holds the negative size \(size)", dimension.offset) }
            return size
        }
        return NumPyHeader(descr: descrText, descrOffset: descr.offset, fortranOrder: isFortranOrder, shape: sizes)
    }
}

/// A Python literal as a header writes it.
private indirect enum Literal {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case tuple([Located])
    case list([Located])
    case dictionary([(key: Located, value: Located)])

    var kindName: String {
        switch self {
        case .string(let text): "the string '\(text)'"
        case .integer(let value): "the integer \(value)"
        case .boolean(let value): value ? "True" : "False"
        case .none: "None"
        case .tuple: "a tuple"
        case .list: "a list"
        case .dictionary: "a dictionary"
        }
    }
}

/// A literal and where it starts in the file.
private struct Located {
    var value: Literal
    var offset: Int
}

/// Recursive descent over the header's bytes. Every token is ASCII; other bytes may only appear
/// inside strings, so positions are byte offsets whatever the encoding.
private struct LiteralParser {
    let bytes: ArraySlice<UInt8>
    let fileOffset: Int
    let utf8: Bool
    let location: ArrayLocation
    var position: Int
    var depth = 0

    init(bytes: ArraySlice<UInt8>, fileOffset: Int, utf8: Bool, location: ArrayLocation) {
        self.bytes = bytes
        self.fileOffset = fileOffset
        self.utf8 = utf8
        self.location = location
        position = bytes.startIndex
    }

    func fail(_ message: String, _ offset: Int) -> DatasetError { location.error(message, offset: offset) }

    /// The file offset of `index`.
    func offset(_ index: Int) -> Int { fileOffset + index - bytes.startIndex }

    var current: UInt8? { position < bytes.endIndex ? bytes[position] : nil }

    /// One value filling the header: NumPy pads it with spaces and ends it with a newline.
    mutating func parseWhole() throws -> Located {
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.endIndex {
            throw fail("unexpected \(describeCurrent()) after the header's dictionary", offset(position))
        }
        return value
    }

    mutating func skipWhitespace() {
        // Python's whitespace between tokens: space, tab, newline, carriage return, form feed.
        while let byte = current, [0x20, 0x09, 0x0a, 0x0d, 0x0c].contains(byte) { position += 1 }
    }

    func describeCurrent() -> String {
        guard let byte = current else { return "end of the header" }
        return (0x21...0x7e).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte \(byte)"
    }

    mutating func parseValue() throws -> Located {
        skipWhitespace()
        let start = position
        guard let byte = current else {
            throw fail("the header ends where a value should be", offset(position))
        }
        switch byte {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return Located(value: .string(try parseString()), offset: offset(start))
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"):
            return Located(value: .integer(try parseInteger()), offset: offset(start))
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
            depth += 1
            defer { depth -= 1 }
            guard depth <= NumPyHeader.maximumNesting else {
                throw fail("the header nests more than \(NumPyHeader.maximumNesting) levels deep", offset(start))
            }
            position += 1
            switch byte {
            case UInt8(ascii: "("): return try parseTuple(start: start)
            case UInt8(ascii: "["):
                return Located(value: .list(try parseSequence(closing: UInt8(ascii: "]")).items), offset: offset(start))
            default: return Located(value: .dictionary(try parseDictionary()), offset: offset(start))
            }
        default:
            for (name, value) in [("True", Literal.boolean(true)), ("False", .boolean(false)), ("None", .none)] {
                if bytes[position...].starts(with: name.utf8), !isNameByte(at: position + name.utf8.count) {
                    position += name.utf8.count
                    return Located(value: value, offset: offset(start))
                }
            }
            throw fail("unexpected \(describeCurrent()) where a value should be", offset(start))
        }
    }

    func isNameByte(at index: Int) -> Bool {
        guard index < bytes.endIndex else { return false }
        let byte = bytes[index]
        return byte == UInt8(ascii: "_") || (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte)
            || (0x61...0x7a).contains(byte)
    }

    /// A quoted string without escapes: NumPy's type strings and keys never need them.
    mutating func parseString() throws -> String {
        let start = position
        let quote = bytes[position]
        position += 1
        let contentStart = position
        while let byte = current, byte != quote {
            if byte == UInt8(ascii: "\\") {
                throw fail("the header has an escape sequence in a string, which NumPy never writes", offset(position))
            }
            if byte == 0x0a { break }
            position += 1
        }
        guard current == quote else { throw fail("a string in the header is not closed", offset(start)) }
        let content = bytes[contentStart..<position]
        position += 1
        if utf8 {
            guard let text = String(validating: content, as: UTF8.self) else {
                throw fail("a string in the header is not valid UTF-8", offset(start))
            }
            return text
        }
        return String(content.map { Character(Unicode.Scalar($0)) })
    }

    /// A decimal integer; the `L` of Python 2's long integers, found in old files' shapes, is allowed.
    mutating func parseInteger() throws -> Int {
        let start = position
        var negative = false
        if let sign = current, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            position += 1
        }
        var value = 0
        var digits = 0
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflow, !overflowSum else { throw fail("an integer in the header is too large", offset(start)) }
            value = sum
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw fail("a sign in the header is not followed by digits", offset(start)) }
        if let suffix = current, suffix == UInt8(ascii: "L") || suffix == UInt8(ascii: "l") { position += 1 }
        if isNameByte(at: position) || current == UInt8(ascii: ".") {
            throw fail("the header has a number that is not a plain integer", offset(start))
        }
        return negative ? -value : value
    }

    /// The items of a comma-separated sequence up to `closing` (which is consumed), allowing a trailing
    /// comma, and whether any comma was seen (what makes `(3,)` a tuple and `(3)` a number).
    mutating func parseSequence(closing: UInt8) throws -> (items: [Located], sawComma: Bool) {
        var items: [Located] = []
        var sawComma = false
        while true {
            skipWhitespace()
            if current == closing {
                position += 1
                return (items, sawComma)
            }
            if !items.isEmpty {
                guard current == UInt8(ascii: ",") else {
                    throw fail("expected ',' or '\(Character(Unicode.Scalar(closing)))', found \(describeCurrent())",
                               offset(position))
                }
                position += 1
                sawComma = true
                skipWhitespace()
                if current == closing { continue }
            }
            items.append(try parseValue())
        }
    }

    mutating func parseTuple(start: Int) throws -> Located {
        let (items, sawComma) = try parseSequence(closing: UInt8(ascii: ")"))
        // Parentheses around one item without a comma only group it, as in Python.
        if items.count == 1, !sawComma { return items[0] }
        return Located(value: .tuple(items), offset: offset(start))
    }

    mutating func parseDictionary() throws -> [(key: Located, value: Located)] {
        var entries: [(key: Located, value: Located)] = []
        while true {
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return entries
            }
            if !entries.isEmpty {
                guard current == UInt8(ascii: ",") else {
                    throw fail("expected ',' or '}' in the header's dictionary, found \(describeCurrent())",
                               offset(position))
                }
                position += 1
                skipWhitespace()
                if current == UInt8(ascii: "}") { continue }
            }
            let key = try parseValue()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else {
                throw fail("expected ':' after a key in the header's dictionary, found \(describeCurrent())",
                           offset(position))
            }
            position += 1
            entries.append((key, try parseValue()))
        }
    }
}
