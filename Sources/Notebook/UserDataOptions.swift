import Datasets

/// The {data} keys that say how to read the user's own files (`dataset: csv`, `npz`, `npy` or
/// `image-folder`): which file holds what, and how to turn it into examples.
public struct UserDataOptions: Sendable, Equatable {
    /// csv: the test table; npy: the test features' array.
    public var test: String?
    /// npy: the test labels' array.
    public var testLabels: String?
    /// The share of the examples drawn (with the notebook's seed) into the test split, for data
    /// that come as one set.
    public var testFraction: Double?
    /// csv: the label column, and the feature columns (nil: every other one), of which `categorical`
    /// are text to one-hot encode.
    public var label: CSVColumn?
    public var features: [CSVColumn]?
    public var categorical: [CSVColumn] = []
    /// npy: the labels' array.
    public var labels: String?
    /// npz: the archive's array names.
    public var arrays: NumPyArrayNames = .keras
    /// image-folder: the size every image is resized to (nil: they must all have one size), and
    /// grey (1) or colour (3).
    public var size: ImageSize?
    public var channels = 3

    public struct ImageSize: Sendable, Equatable {
        public var height: Int
        public var width: Int
    }

    /// The keys for the user's files, and the formats each applies to.
    static let keysByKind: [(key: String, kinds: [DataSourceKind])] = [
        ("label", [.csv]), ("features", [.csv]), ("categorical", [.csv]), ("test", [.csv, .npy]),
        ("labels", [.npy]), ("test_labels", [.npy]), ("arrays", [.npz]), ("size", [.imageFolder]),
        ("channels", [.imageFolder]), ("test_fraction", [.csv, .npz, .npy, .imageFolder]),
    ]
    static var keys: [String] { keysByKind.map(\.key) }

    /// Reads the keys for `kind` from `fields`, reporting keys that do not apply to it; nil for the
    /// built-in datasets.
    init?(_ fields: inout DirectiveFields, kind: DataSourceKind) {
        for (key, kinds) in Self.keysByKind where fields.has(key) && !kinds.contains(kind) {
            let formats = kinds.map { "dataset: \($0.rawValue)" }.joined(separator: " or ")
            fields.report(fields.location(of: key), "'\(key)' applies only to \(formats), not to dataset: \(kind.rawValue)")
        }
        guard kind.isUserData else { return nil }
        test = InputPath.checked(fields.string("test"), key: "test", fields: &fields)
        testLabels = InputPath.checked(fields.string("test_labels"), key: "test_labels", fields: &fields)
        labels = InputPath.checked(fields.string("labels", required: kind == .npy), key: "labels", fields: &fields)
        testFraction = fields.float("test_fraction", in: 0...1, excludingLowerBound: true, excludingUpperBound: true)
        if fields.has("test") && fields.has("test_fraction") {
            fields.report(fields.location(of: "test_fraction"), "give either 'test' (a file of test examples) or "
                          + "'test_fraction' (a share drawn from 'path'), not both")
        }
        if kind == .npy && (fields.has("test") != fields.has("test_labels")) {
            fields.report(fields.location(of: fields.has("test") ? "test" : "test_labels"),
                          "'test' and 'test_labels' go together: the test features' and the test labels' .npy files")
        }
        if kind == .csv {
            if !fields.has("label") { fields.report(fields.location, "dataset: csv needs 'label': the label column's "
                                                      + "header name, or its 0-based index") }
            label = Self.column(fields.node("label"), key: "label", fields: &fields)
            features = fields.node("features").map { Self.columns($0, key: "features", fields: &fields) }
            categorical = fields.node("categorical").map { Self.columns($0, key: "categorical", fields: &fields) } ?? []
        }
        if let node = fields.node("arrays") { arrays = Self.arrayNames(node, fields: &fields) }
        if let node = fields.node("size") { size = Self.imageSize(node, fields: &fields) }
        channels = fields.int("channels", in: 1...3) ?? 3
        if channels == 2 { fields.report(fields.location(of: "channels"), "'channels' must be 1 (grey) or 3 (colour)") }
    }

    /// A column by header name (text) or 0-based index (a whole number).
    private static func column(_ node: YAMLNode?, key: String, fields: inout DirectiveFields) -> CSVColumn? {
        guard let node else { return nil }
        switch node {
        case .scalar(.string(let name), _) where !name.isEmpty:
            return .name(name)
        case .scalar(.int(let index), _) where index >= 0:
            return .index(index)
        default:
            fields.report(node.location, "'\(key)' names a column by its header name or its 0-based index, not \(node.typeName)")
            return nil
        }
    }

    private static func columns(_ node: YAMLNode, key: String, fields: inout DirectiveFields) -> [CSVColumn] {
        let items: [YAMLNode]
        if case .sequence(let list, _) = node { items = list } else { items = [node] }
        return items.compactMap { column($0, key: key, fields: &fields) }
    }

    /// `arrays: {x_train: ..., y_train: ..., x_test: ..., y_test: ...}`, any of them, over Keras's names.
    private static func arrayNames(_ node: YAMLNode, fields: inout DirectiveFields) -> NumPyArrayNames {
        var names = NumPyArrayNames.keras
        guard case .mapping(let entries, _) = node else {
            fields.report(node.location, "'arrays' maps x_train, y_train, x_test and y_test to the archive's array names")
            return names
        }
        for entry in entries {
            guard case .scalar(.string(let name), _) = entry.value, !name.isEmpty else {
                fields.report(entry.value.location, "arrays: '\(entry.key)' must name an array in the archive")
                continue
            }
            switch entry.key {
            case "x_train": names.trainFeatures = name
            case "y_train": names.trainLabels = name
            case "x_test": names.testFeatures = name
            case "y_test": names.testLabels = name
            default:
                fields.report(entry.keyLocation, "arrays: unknown key '\(entry.key)' (choose from x_train, y_train, x_test, y_test)",
                              suggestion: Spelling.suggestion(for: entry.key, among: ["x_train", "y_train", "x_test", "y_test"]))
            }
        }
        return names
    }

    /// `size: 32` (square) or `size: [height, width]`.
    private static func imageSize(_ node: YAMLNode, fields: inout DirectiveFields) -> ImageSize? {
        let sides: [YAMLNode]
        switch node {
        case .scalar: sides = [node, node]
        case .sequence(let list, _) where list.count == 2: sides = list
        default:
            fields.report(node.location, "'size' is one side for square images (size: 32) or [height, width]")
            return nil
        }
        var values: [Int] = []
        for side in sides {
            guard case .scalar(.int(let value), _) = side, (1...4096).contains(value) else {
                fields.report(side.location, "'size' must be whole numbers of pixels between 1 and 4096")
                return nil
            }
            values.append(value)
        }
        return ImageSize(height: values[0], width: values[1])
    }
}
