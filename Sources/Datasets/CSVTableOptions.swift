/// Which columns of a CSV table are the label and the features, and which features are text to
/// one-hot encode: the `{data}` block's `label`, `features` and `categorical`.
public struct CSVTableOptions: Sendable, Equatable, Codable {
    /// The column holding each row's class.
    public var label: CSVColumn
    /// The feature columns in the order the network sees them; `nil` for every column but the label,
    /// in the file's order.
    public var features: [CSVColumn]?
    /// Feature columns of text, each one-hot encoded: one feature per distinct value of the training
    /// file, values in sorted order. Each must also be a feature (which it is when `features` is nil).
    public var categorical: [CSVColumn]

    public init(label: CSVColumn, features: [CSVColumn]? = nil, categorical: [CSVColumn] = []) {
        self.label = label
        self.features = features
        self.categorical = categorical
    }

    /// Whether any column is named by text, which makes the first row a header whatever it holds.
    var namesColumns: Bool {
        ([label] + (features ?? []) + categorical).contains { if case .name = $0 { true } else { false } }
    }
}
