/// A column of a CSV table, as a notebook names it: by its header name, or by its 0-based position
/// (which works with or without a header).
public enum CSVColumn: Sendable, Hashable, Codable, CustomStringConvertible {
    case name(String)
    case index(Int)

    public var description: String {
        switch self {
        case .name(let name): "'\(name)'"
        case .index(let index): "column \(index)"
        }
    }
}

extension CSVColumn: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral name: String) { self = .name(name) }
    public init(integerLiteral index: Int) { self = .index(index) }
}
