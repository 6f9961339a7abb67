import Datasets

/// What `dataset:` in a {data} block names: one of LabBook's built-in datasets, which it can find or
/// download by name, or a format of the user's own files, read from `path`.
public enum DataSourceKind: String, CaseIterable, Sendable {
    case cifar10
    case cifar10Python = "cifar10-python"
    case mnist
    case fashionMNIST = "fashion-mnist"
    case spiral
    case csv
    case npz
    case npy
    case imageFolder = "image-folder"

    /// The built-in dataset; nil for the user's own files.
    public var builtin: DatasetKind? { DatasetKind(rawValue: rawValue) }

    /// Read from the user's files, whose shape is known only by reading them.
    public var isUserData: Bool { builtin == nil }
}
