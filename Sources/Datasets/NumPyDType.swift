/// The element types LabBook reads from NumPy files, as NumPy names them.
public enum NumPyDType: String, Sendable, CaseIterable, CustomStringConvertible {
    case bool
    case uint8
    case int8
    case int32
    case int64
    case float32
    case float64

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .int32, .float32: 4
        case .int64, .float64: 8
        }
    }

    /// The `descr` NumPy writes for this type (`np.dtype(...).str`).
    public var descr: String {
        switch self {
        case .bool: "|b1"
        case .uint8: "|u1"
        case .int8: "|i1"
        case .int32: "<i4"
        case .int64: "<i8"
        case .float32: "<f4"
        case .float64: "<f8"
        }
    }

    public var description: String { rawValue }

    /// Why a header's `descr` can not be read, said for the person who saved the array.
    struct Unsupported: Error {
        let message: String
    }

    /// The type a header's `descr` string names (`'<f8'`, `'|u1'`, ...).
    ///
    /// Multi-byte types must say little-endian (`<`), as NumPy writes them on every little-endian
    /// machine; `|` or `=` would leave the order to the reader's machine. One-byte types read the same
    /// in any order, so any order character (or none) is taken.
    init(descr: String) throws(Unsupported) {
        let supported = "LabBook reads " + Self.allCases.map { "\($0)" }.joined(separator: ", ")
        var rest = Substring(descr)
        let order = rest.first.flatMap { "<>|=".contains($0) ? $0 : nil }
        if order != nil { rest.removeFirst() }
        guard let kind = rest.first else {
            throw Unsupported(message: "the dtype '\(descr)' names no type")
        }
        let size = rest.dropFirst()
        if kind == "O" {
            throw Unsupported(message: "the dtype '\(descr)' is an object array, whose elements are pickled Python "
                              + "objects that LabBook never unpickles; save a numeric array (e.g. x.astype(np.float32))")
        }
        let known: [String: NumPyDType] = [
            "b1": .bool, "u1": .uint8, "i1": .int8, "i4": .int32, "i8": .int64, "f4": .float32, "f8": .float64,
        ]
        guard let dtype = known[String(kind) + size] else {
            let kindName = Self.kindNames[kind].map { " (\($0))" } ?? ""
            throw Unsupported(message: "the dtype '\(descr)'\(kindName) is not supported; \(supported)")
        }
        guard dtype.itemSize > 1 else {
            self = dtype
            return
        }
        switch order {
        case "<":
            self = dtype
        case ">":
            throw Unsupported(message: "the dtype '\(descr)' is big-endian, which LabBook does not read; save it "
                              + "little-endian with x.astype('\(dtype.descr)')")
        default:
            throw Unsupported(message: "the dtype '\(descr)' does not say little-endian ('<'), which a "
                              + "\(dtype.itemSize)-byte type must")
        }
    }

    /// NumPy's type kinds, to name what an unsupported `descr` holds.
    private static let kindNames: [Character: String] = [
        "b": "booleans", "i": "signed integers", "u": "unsigned integers", "f": "floating point",
        "c": "complex numbers", "S": "byte strings", "a": "byte strings", "U": "Unicode strings",
        "V": "raw or structured records", "M": "datetimes", "m": "time deltas",
    ]
}
