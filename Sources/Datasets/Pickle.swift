/// A value read from a Python pickle by `Pickle`: plain data only, never a live Python object.
public enum PickleValue: Sendable, Hashable {
    case none
    case bool(Bool)
    case int(Int)
    /// A Python 3 `bytes`, or a Python 2 `str` (which is bytes).
    case bytes([UInt8])
    case string(String)
    case list([PickleValue])
    case tuple([PickleValue])
    case dict([PickleValue: PickleValue])
    /// A C-order numpy array of unsigned bytes (dtype `|u1`), `data` holding the shape's product of values.
    case ndarray(shape: [Int], dtype: String, data: [UInt8])
    case dtype(String)
    /// An allowed global that was never applied, by its dotted name.
    case global(String)

    /// A dictionary's entry under `key`, written as a Python 3 `str` or a Python 2 byte string.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        return entries[.string(key)] ?? entries[.bytes(Array(key.utf8))]
    }

    /// The text of a string, or of bytes that are UTF-8 (Python 2 wrote text as bytes).
    public var text: String? {
        switch self {
        case .string(let text): text
        case .bytes(let bytes): String(validating: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// What kind of value this is, for error messages.
    public var kind: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int: "an int"
        case .bytes: "bytes"
        case .string: "a string"
        case .list: "a list"
        case .tuple: "a tuple"
        case .dict: "a dictionary"
        case .ndarray: "a numpy array"
        case .dtype: "a numpy dtype"
        case .global(let name): name
        }
    }
}

/// Reads the pickles of CIFAR-10's Python version (Python 2's cPickle, and what Python 3's `pickle`
/// writes for the same data, protocols 2 to 5) by interpreting their opcodes into a `PickleValue`.
///
/// Unpickling normally runs arbitrary code, so this accepts only the opcodes those files use, and only
/// the numpy globals that rebuild a uint8 array; it evaluates them symbolically and never imports or calls
/// anything. Everything else is an error naming the opcode and its byte offset. Lengths are checked
/// against the bytes that remain before anything is allocated, and the stack, memo, object count and
/// nesting are bounded.
public enum Pickle {
    /// The globals a pickle may name, by dotted name. `_codecs.encode` is how Python 3 writes bytes at
    /// protocol 2, `_frombuffer` how numpy writes arrays at protocol 5.
    public static let allowedGlobals: Set<String> = Set(PickleMachine.globals.keys)

    /// The value pickled in the file at `path`.
    public static func load(contentsOf path: String) throws -> PickleValue {
        try parse(readFile(path), path: path)
    }

    /// The value pickled in `bytes`; errors name `path`.
    public static func parse(_ bytes: [UInt8], path: String) throws -> PickleValue {
        try parse(bytes, path: path, limits: PickleLimits())
    }

    static func parse(_ bytes: [UInt8], path: String, limits: PickleLimits) throws -> PickleValue {
        var machine = PickleMachine(bytes: bytes, path: path, limits: limits)
        return try machine.run()
    }
}

/// Bounds on what a pickle may make the reader hold, far above what CIFAR-10's files need.
struct PickleLimits {
    var stackDepth = 1 << 20
    var memoEntries = 1 << 20
    var objects = 1 << 20
    var nesting = 64
}

/// A value on the unpickling stack or in the memo: plain data, or an index into the object table for the
/// containers and arrays that later opcodes change in place (and that memo references must see changed).
private enum Ref {
    case scalar(PickleValue)
    case object(Int)
}

private enum PickleObject {
    case list([Ref])
    case tuple([Ref])
    case dict([PickleValue: Ref])
    /// Made by `_reconstruct`; BUILD gives it shape and data.
    case unbuiltArray
    case array(shape: [Int], data: [UInt8])
}

private enum AllowedGlobal {
    case reconstruct, ndarray, dtype, encode, frombuffer
}

/// The unpickling state machine: a stack with MARK positions, a memo, and the object table.
private struct PickleMachine {
    static let globals: [String: AllowedGlobal] = [
        "numpy.core.multiarray._reconstruct": .reconstruct, "numpy._core.multiarray._reconstruct": .reconstruct,
        "numpy.ndarray": .ndarray, "numpy.dtype": .dtype, "_codecs.encode": .encode,
        "numpy.core.numeric._frombuffer": .frombuffer, "numpy._core.numeric._frombuffer": .frombuffer,
    ]

    let bytes: [UInt8]
    let path: String
    let limits: PickleLimits
    var position = 0
    var opcodeStart = 0
    var opcode: UInt8 = 0
    var stack: [Ref] = []
    var marks: [Int] = []
    var memo: [Int: Ref] = [:]
    var objects: [PickleObject] = []
    var materialized: [Int: (value: PickleValue, height: Int)] = [:]
    var materializing: Set<Int> = []

    init(bytes: [UInt8], path: String, limits: PickleLimits) {
        self.bytes = bytes
        self.path = path
        self.limits = limits
    }

    mutating func run() throws -> PickleValue {
        while position < bytes.count {
            opcodeStart = position
            opcode = bytes[position]
            position += 1
            if opcode == UInt8(ascii: ".") { return try stop() }
            try execute()
        }
        throw failure("the pickle ends without a STOP opcode", at: bytes.count)
    }

    private mutating func execute() throws {
        switch opcode {
        case 0x80:  // PROTO
            let version = try readInteger(1)
            guard (2...5).contains(version) else {
                throw failure("pickle protocol \(version) is not supported (only 2 to 5)")
            }
        case 0x95: _ = try readLength(8)  // FRAME: only groups opcodes for buffered reading
        case 0x28:  // MARK
            guard marks.count < limits.stackDepth else { throw failure("more than \(limits.stackDepth) MARKs") }
            marks.append(stack.count)
        case 0x7D: try push(newObject(.dict([:])))
        case 0x5D: try push(newObject(.list([])))
        case 0x29: try push(newObject(.tuple([])))
        case 0x74: try push(newObject(.tuple(popToMark())))
        case 0x85, 0x86, 0x87: try push(newObject(.tuple(pop(Int(opcode - 0x84)))))
        case 0x73: try setItems(pop(2))
        case 0x75: try setItems(popToMark())
        case 0x61: try append(pop(1))
        case 0x65: try append(popToMark())
        case 0x4A: try push(.scalar(.int(Int(Int32(truncatingIfNeeded: readInteger(4))))))
        case 0x4B: try push(.scalar(.int(readInteger(1))))
        case 0x4D: try push(.scalar(.int(readInteger(2))))
        case 0x4E: try push(.scalar(.none))
        case 0x88: try push(.scalar(.bool(true)))
        case 0x89: try push(.scalar(.bool(false)))
        case 0x55, 0x43: try push(.scalar(.bytes(readData(readLength(1)))))
        case 0x54:  // BINSTRING, whose length Python 2 reads as signed
            let length = try readLength(4)
            guard length < 1 << 31 else { throw failure("BINSTRING has a negative length") }
            try push(.scalar(.bytes(readData(length))))
        case 0x42: try push(.scalar(.bytes(readData(readLength(4)))))
        case 0x8E, 0x96: try push(.scalar(.bytes(readData(readLength(8)))))
        case 0x8C: try push(.scalar(.string(readText(readLength(1)))))
        case 0x58: try push(.scalar(.string(readText(readLength(4)))))
        case 0x8D: try push(.scalar(.string(readText(readLength(8)))))
        case 0x71: try memoize(at: readInteger(1))
        case 0x72: try memoize(at: readInteger(4))
        case 0x94: try memoize(at: memo.count)
        case 0x68: try recall(readInteger(1))
        case 0x6A: try recall(readInteger(4))
        case 0x63: try pushGlobal(readLine() + "." + readLine())
        case 0x93:
            let parts = try pop(2)
            guard case .scalar(.string(let module)) = parts[0], case .scalar(.string(let name)) = parts[1] else {
                throw failure("STACK_GLOBAL needs a module and a name as strings")
            }
            try pushGlobal(module + "." + name)
        case 0x52: try reduce()
        case 0x62: try build()
        default: throw failure("unsupported pickle opcode \(Self.describe(opcode))")
        }
    }

    // MARK: Reading arguments

    /// A little-endian unsigned integer of `size` bytes (at most 4, so it fits any Int).
    private mutating func readInteger(_ size: Int) throws -> Int {
        Int(try readUnsigned(size))
    }

    private mutating func readUnsigned(_ size: Int) throws -> UInt64 {
        guard bytes.count - position >= size else {
            throw failure("the file ends inside the argument of \(Self.name(opcode))")
        }
        var value: UInt64 = 0
        for index in (position..<(position + size)).reversed() { value = value << 8 | UInt64(bytes[index]) }
        position += size
        return value
    }

    /// A length of `size` bytes, checked against the bytes that remain.
    private mutating func readLength(_ size: Int) throws -> Int {
        let length = try readUnsigned(size)
        let remaining = bytes.count - position
        guard length <= UInt64(remaining) else {
            throw failure("\(Self.name(opcode)) claims \(length) bytes, but only \(remaining) remain")
        }
        return Int(length)
    }

    private mutating func readData(_ length: Int) -> [UInt8] {
        defer { position += length }
        return Array(bytes[position..<(position + length)])
    }

    private mutating func readText(_ length: Int) throws -> String {
        guard let text = String(validating: bytes[position..<(position + length)], as: UTF8.self) else {
            throw failure("\(Self.name(opcode)) holds text that is not UTF-8")
        }
        position += length
        return text
    }

    /// One newline-terminated name of a GLOBAL.
    private mutating func readLine() throws -> String {
        let end = min(bytes.count, position + 256)
        guard let newline = bytes[position..<end].firstIndex(of: 0x0A),
              let text = String(validating: bytes[position..<newline], as: UTF8.self) else {
            throw failure("GLOBAL needs two UTF-8 names, each ending with a newline within 256 bytes")
        }
        position = newline + 1
        return text
    }

    // MARK: The stack, the memo and the object table

    /// Where the values above the latest MARK begin: opcodes other than the MARK-taking ones see no lower.
    private var floor: Int { marks.last ?? 0 }

    private mutating func push(_ value: Ref) throws {
        guard stack.count < limits.stackDepth else {
            throw failure("the stack grows beyond \(limits.stackDepth) values")
        }
        stack.append(value)
    }

    private mutating func pop(_ count: Int) throws -> [Ref] {
        guard stack.count - floor >= count else {
            throw failure("\(Self.name(opcode)) needs \(count) value\(count == 1 ? "" : "s") on the stack, "
                          + "finds \(stack.count - floor)")
        }
        defer { stack.removeLast(count) }
        return Array(stack[(stack.count - count)...])
    }

    private mutating func popToMark() throws -> [Ref] {
        guard let mark = marks.popLast() else { throw failure("\(Self.name(opcode)) without a MARK before it") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private func top() throws -> Ref {
        guard stack.count > floor, let value = stack.last else {
            throw failure("\(Self.name(opcode)) needs a value on the stack, finds none")
        }
        return value
    }

    private mutating func newObject(_ object: PickleObject) throws -> Ref {
        guard objects.count < limits.objects else { throw failure("more than \(limits.objects) objects") }
        objects.append(object)
        return .object(objects.count - 1)
    }

    private mutating func memoize(at index: Int) throws {
        let value = try top()
        guard memo[index] != nil || memo.count < limits.memoEntries else {
            throw failure("more than \(limits.memoEntries) memo entries")
        }
        memo[index] = value
    }

    private mutating func recall(_ index: Int) throws {
        guard let value = memo[index] else { throw failure("memo entry \(index) was never stored") }
        try push(value)
    }

    private mutating func append(_ items: [Ref]) throws {
        let target = try top()
        guard case .object(let index) = target, case .list(var list) = objects[index] else {
            throw failure("\(Self.name(opcode)) needs a list to append to, finds \(describe(target))")
        }
        objects[index] = .unbuiltArray  // lets `list` grow without a copy
        list.append(contentsOf: items)
        objects[index] = .list(list)
    }

    private mutating func setItems(_ items: [Ref]) throws {
        guard items.count % 2 == 0 else { throw failure("SETITEMS has an odd number of values after its MARK") }
        let target = try top()
        guard case .object(let index) = target, case .dict(var dict) = objects[index] else {
            throw failure("\(Self.name(opcode)) needs a dictionary to set items in, finds \(describe(target))")
        }
        objects[index] = .unbuiltArray
        for pair in stride(from: 0, to: items.count, by: 2) {
            guard case .scalar(let key) = items[pair], key.isDictionaryKey else {
                throw failure("a dictionary key must be a number, string or bytes, not \(describe(items[pair]))")
            }
            dict[key] = items[pair + 1]
        }
        objects[index] = .dict(dict)
    }

    private func describe(_ value: Ref) -> String {
        switch value {
        case .scalar(let scalar): scalar.kind
        case .object(let index):
            switch objects[index] {
            case .list: "a list"
            case .tuple: "a tuple"
            case .dict: "a dictionary"
            case .unbuiltArray, .array: "a numpy array"
            }
        }
    }

    private func tupleItems(_ value: Ref, of what: String) throws -> [Ref] {
        guard case .object(let index) = value, case .tuple(let items) = objects[index] else {
            throw failure("\(what) must be a tuple, not \(describe(value))")
        }
        return items
    }

    // MARK: Globals, REDUCE and BUILD, evaluated symbolically

    private mutating func pushGlobal(_ name: String) throws {
        guard Self.globals[name] != nil else { throw failure("refusing to load global \(name)") }
        try push(.scalar(.global(name)))
    }

    private mutating func reduce() throws {
        let parts = try pop(2)
        guard case .scalar(.global(let name)) = parts[0], let function = Self.globals[name] else {
            throw failure("REDUCE may only apply an allowed numpy function, not \(describe(parts[0]))")
        }
        let arguments = try tupleItems(parts[1], of: "the arguments of \(name)")
        try push(apply(function, named: name, to: arguments))
    }

    private mutating func apply(_ function: AllowedGlobal, named name: String, to arguments: [Ref]) throws -> Ref {
        switch function {
        case .reconstruct:
            guard arguments.count == 3, case .scalar(.global(let type)) = arguments[0],
                  Self.globals[type] == .ndarray else {
                throw failure("\(name) may only rebuild a numpy.ndarray")
            }
            return try newObject(.unbuiltArray)
        case .ndarray:
            throw failure("numpy.ndarray may only be an argument of _reconstruct")
        case .dtype:
            guard case .scalar(let type)? = arguments.first, let typeName = type.text else {
                throw failure("numpy.dtype needs a type name")
            }
            guard ["u1", "|u1", "uint8"].contains(typeName) else {
                throw failure("numpy dtype '\(typeName)' is not supported: arrays must hold uint8 ('u1')")
            }
            return .scalar(.dtype("|u1"))
        case .encode:
            guard arguments.count == 2, case .scalar(.string(let text)) = arguments[0],
                  case .scalar(.string(let encoding)) = arguments[1], ["latin1", "latin-1"].contains(encoding) else {
                throw failure("_codecs.encode is accepted only as (text, 'latin1'), how Python 3 writes bytes")
            }
            guard let bytes = Self.latin1(text) else {
                throw failure("_codecs.encode's text has characters beyond latin-1")
            }
            return .scalar(.bytes(bytes))
        case .frombuffer:
            guard arguments.count == 4, case .scalar(.bytes(let data)) = arguments[0],
                  case .scalar(.dtype) = arguments[1] else {
                throw failure("\(name) needs (buffer, dtype, shape, order)")
            }
            let shape = try shapeValues(arguments[2])
            guard case .scalar(let order) = arguments[3], order.text == "C" else {
                throw failure("only C-order numpy arrays are supported")
            }
            return try newObject(array(shape: shape, data: data))
        }
    }

    private mutating func build() throws {
        let state = try pop(1)[0]
        let target = try top()
        if case .scalar(.dtype) = target {
            let items = try tupleItems(state, of: "a numpy dtype's state")
            guard items.count >= 2, case .scalar(let order) = items[1],
                  let text = order.text, ["|", "<", ">", "="].contains(text) else {
                throw failure("a numpy dtype's state must begin (version, byte order)")
            }
            return
        }
        guard case .object(let index) = target, case .unbuiltArray = objects[index] else {
            throw failure("BUILD may only set the state of a new numpy array or dtype, not \(describe(target))")
        }
        objects[index] = try builtArray(state)
    }

    /// An array from numpy's state tuple: ([version,] shape, dtype, is_fortran, raw data).
    private func builtArray(_ state: Ref) throws -> PickleObject {
        var items = try tupleItems(state, of: "a numpy array's state")
        if items.count == 5, case .scalar(.int) = items[0] { items.removeFirst() }
        guard items.count == 4 else {
            throw failure("a numpy array's state must be (version, shape, dtype, is_fortran, data)")
        }
        let shape = try shapeValues(items[0])
        guard case .scalar(.dtype) = items[1] else {
            throw failure("a numpy array's dtype must be a numpy.dtype, not \(describe(items[1]))")
        }
        switch items[2] {
        case .scalar(.bool(false)), .scalar(.int(0)): break
        default: throw failure("only C-order numpy arrays are supported, not Fortran order")
        }
        guard case .scalar(.bytes(let data)) = items[3] else {
            throw failure("a numpy array's data must be bytes, not \(describe(items[3]))")
        }
        return try array(shape: shape, data: data)
    }

    private func shapeValues(_ value: Ref) throws -> [Int] {
        try tupleItems(value, of: "a numpy array's shape").map { item in
            guard case .scalar(.int(let size)) = item, size >= 0 else {
                throw failure("a numpy array's shape must hold sizes, not \(describe(item))")
            }
            return size
        }
    }

    private func array(shape: [Int], data: [UInt8]) throws -> PickleObject {
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw failure("numpy array shape \(shape) overflows") }
            count = product
        }
        guard count == data.count else {
            throw failure("a numpy uint8 array of shape \(shape) needs \(count) bytes of data, finds \(data.count)")
        }
        return .array(shape: shape, data: data)
    }

    /// What Python 3's `str.encode('latin1')` gives, from the UTF-8 of code points below 256.
    private static func latin1(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            var valid = true
            let result = [UInt8](unsafeUninitializedCapacity: utf8.count) { output, count in
                var index = 0
                while index < utf8.count {
                    let lead = utf8[index]
                    if lead < 0x80 {
                        output[count] = lead
                        index += 1
                    } else if lead == 0xC2 || lead == 0xC3, index + 1 < utf8.count {
                        output[count] = (lead & 0x03) << 6 | (utf8[index + 1] & 0x3F)
                        index += 2
                    } else {
                        valid = false
                        return
                    }
                    count += 1
                }
            }
            return valid ? result : nil
        }
    }

    // MARK: STOP

    private mutating func stop() throws -> PickleValue {
        guard marks.isEmpty, stack.count == 1 else {
            throw failure("STOP finds \(stack.count) values on the stack and \(marks.count) open MARKs, "
                          + "instead of one value")
        }
        guard position == bytes.count else {
            throw failure("\(bytes.count - position) unexpected bytes follow STOP", at: position)
        }
        return try materialize(stack[0], depth: 0).value
    }

    /// The value tree of `value`, each object converted once; cycles and nesting beyond the limit are
    /// errors, so neither this recursion nor any later walk of the tree can run deep.
    private mutating func materialize(_ value: Ref, depth: Int) throws -> (value: PickleValue, height: Int) {
        let index: Int
        switch value {
        case .scalar(let scalar): return (scalar, 0)
        case .object(let object): index = object
        }
        if let done = materialized[index] { return done }
        guard !materializing.contains(index) else {
            throw failure("\(describe(value)) contains itself, which is not supported", at: nil)
        }
        guard depth < limits.nesting else {
            throw failure("values nest more than \(limits.nesting) levels deep", at: nil)
        }
        materializing.insert(index)
        defer { materializing.remove(index) }
        var height = 0
        let result: PickleValue
        switch objects[index] {
        case .list(let items), .tuple(let items):
            var values: [PickleValue] = []
            values.reserveCapacity(items.count)
            for item in items {
                let child = try materialize(item, depth: depth + 1)
                values.append(child.value)
                height = max(height, child.height + 1)
            }
            if case .list = objects[index] { result = .list(values) } else { result = .tuple(values) }
        case .dict(let entries):
            var values: [PickleValue: PickleValue] = [:]
            for (key, item) in entries {
                let child = try materialize(item, depth: depth + 1)
                values[key] = child.value
                height = max(height, child.height + 1)
            }
            result = .dict(values)
        case .unbuiltArray:
            throw failure("a numpy array never receives its data (no BUILD)", at: nil)
        case .array(let shape, let data):
            result = .ndarray(shape: shape, dtype: "|u1", data: data)
        }
        guard height <= limits.nesting else {
            throw failure("values nest more than \(limits.nesting) levels deep", at: nil)
        }
        materialized[index] = (result, height)
        return (result, height)
    }

    // MARK: Errors

    private func failure(_ message: String) -> DatasetError {
        failure(message, at: opcodeStart)
    }

    private func failure(_ message: String, at offset: Int?) -> DatasetError {
        DatasetError(path: path, message, offset: offset)
    }

    static let opcodeNames: [UInt8: String] = [
        0x28: "MARK", 0x2E: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT", 0x49: "INT",
        0x4A: "BININT", 0x4B: "BININT1", 0x4C: "LONG", 0x4D: "BININT2", 0x4E: "NONE", 0x50: "PERSID",
        0x51: "BINPERSID", 0x52: "REDUCE", 0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING",
        0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND", 0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT",
        0x7D: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET", 0x69: "INST", 0x6A: "LONG_BINGET",
        0x6C: "LIST", 0x5D: "EMPTY_LIST", 0x6F: "OBJ", 0x70: "PUT", 0x71: "BINPUT", 0x72: "LONG_BINPUT",
        0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT",
        0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1",
        0x86: "TUPLE2", 0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8A: "LONG1", 0x8B: "LONG4",
        0x42: "BINBYTES", 0x43: "SHORT_BINBYTES", 0x8C: "SHORT_BINUNICODE", 0x8D: "BINUNICODE8",
        0x8E: "BINBYTES8", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX",
        0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER",
        0x98: "READONLY_BUFFER",
    ]

    static func name(_ opcode: UInt8) -> String { opcodeNames[opcode] ?? "opcode \(hex(opcode))" }

    /// An opcode as errors show it: "0x69 'i' (INST)".
    static func describe(_ opcode: UInt8) -> String {
        let character = (0x21...0x7E).contains(opcode) ? " '\(Character(Unicode.Scalar(opcode)))'" : ""
        return hex(opcode) + character + " (" + (opcodeNames[opcode] ?? "not a pickle opcode") + ")"
    }

    static func hex(_ byte: UInt8) -> String {
        "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
    }
}

private extension PickleValue {
    /// Whether a dictionary may be keyed by this: the plain values Python dictionaries are keyed by here.
    var isDictionaryKey: Bool {
        switch self {
        case .none, .bool, .int, .bytes, .string: true
        default: false
        }
    }
}
