import Foundation

// Writes a Swift source that holds text files as string literals, so LabBook carries its templates
// inside the binary instead of in a resource bundle that only exists in SwiftPM's build tree.
//
// Usage: TemplateEmbedder OUTPUT.swift FILE...
// Each FILE is keyed by its file name; `Templates.embedded` in the generated source maps names to text.

/// `text` as a Swift string literal that the compiler reads back byte for byte: ASCII only, with every
/// quote, backslash, control character and non-ASCII scalar escaped, so no line-ending normalization,
/// delimiter or interpolation can change what the template says.
func swiftLiteral(_ text: Substring) -> String {
    var literal = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": literal += "\\\\"
        case "\"": literal += "\\\""
        case "\n": literal += "\\n"
        case "\r": literal += "\\r"
        case "\t": literal += "\\t"
        case " "..."~": literal.unicodeScalars.append(scalar)
        default: literal += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        }
    }
    return literal + "\""
}

/// The file's text cut after each newline, so the generated source keeps one template line per line.
func lines(_ text: String) -> [Substring] {
    var pieces: [Substring] = []
    var start = text.startIndex
    while let newline = text[start...].firstIndex(of: "\n") {
        let next = text.index(after: newline)
        pieces.append(text[start..<next])
        start = next
    }
    if start < text.endIndex { pieces.append(text[start...]) }
    return pieces
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("TemplateEmbedder: error: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments.dropFirst()
guard let outputPath = arguments.first else { fail("usage: TemplateEmbedder OUTPUT.swift FILE...") }

var entries: [(name: String, lines: [Substring])] = []
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    // A template that is not UTF-8 would be silently altered by decoding; refuse it instead.
    guard let text = String(data: data, encoding: .utf8), Data(text.utf8) == data else {
        fail("\(path) is not valid UTF-8")
    }
    let name = url.lastPathComponent
    guard !entries.contains(where: { $0.name == name }) else { fail("two templates are named \(name)") }
    entries.append((name, lines(text)))
}
entries.sort { $0.name < $1.name }

var source = "// Generated at build time by the EmbedTemplates plugin from the files in templates/.\n"
source += "// Edit those files, not this one.\n\n"
source += "extension Templates {\n"
source += "    /// Each template's text, by file name.\n"
source += "    static let embedded: [String: String] = [\n"
for entry in entries {
    source += "        \(swiftLiteral(Substring(entry.name))): ([\n"
    for line in entry.lines {
        source += "            \(swiftLiteral(line)),\n"
    }
    source += "        ] as [String]).joined(),\n"
}
source += "    ]\n}\n"

do {
    try Data(source.utf8).write(to: URL(fileURLWithPath: outputPath), options: .atomic)
} catch {
    fail("cannot write \(outputPath): \(error.localizedDescription)")
}
