import Foundation

/// Where a folder of images keeps its classes and files, found without reading any image:
///
/// - `path/train/<class>/*` and `path/test/<class>/*`, every test class also a training class; or
/// - `path/<class>/*`, all of it training data, whose test split the caller holds out.
///
/// Class names are the training class folders' names and files are taken by name, both in the byte
/// order of their UTF-8 names (Python's `sorted`, `ls` in the C locale), so every machine reads the
/// same examples in the same order with the same labels. Names starting with "." are skipped, and so
/// are files beside the class folders (a README); in a class folder, anything but a file is an error,
/// and so is a file that is not an image when it is read. Links are followed, to folders as well as
/// files: the walk is three levels deep and never recurses, so a link cannot make it loop.
struct ImageFolderLayout: Equatable {
    /// One image file and its class index.
    struct ImageFile: Equatable {
        let path: String
        let label: UInt8
    }

    static let trainFolder = "train"
    static let testFolder = "test"
    /// Labels are bytes.
    static let maximumClassCount = 256

    let classNames: [String]
    let train: [ImageFile]
    let test: [ImageFile]

    init(path: String) throws {
        try Self.requireFolder(path, role: "image folder")
        let folders = try Self.subfolders(of: path)
        let (hasTrain, hasTest) = (folders.contains(Self.trainFolder), folders.contains(Self.testFolder))
        if hasTrain || hasTest {
            guard hasTrain, hasTest else {
                let (present, missing) = hasTrain ? (Self.trainFolder, Self.testFolder)
                                                  : (Self.testFolder, Self.trainFolder)
                throw DatasetError(path: path, "has a \(present)/ folder but no \(missing)/ folder; give it both, "
                                   + "each with a folder per class, or put every class folder directly in this folder")
            }
            if let stray = folders.first(where: { $0 != Self.trainFolder && $0 != Self.testFolder }) {
                throw DatasetError(path: Self.join(path, stray), "is a folder beside \(Self.trainFolder)/ and "
                                   + "\(Self.testFolder)/, which should be the only ones there")
            }
            let trainPath = Self.join(path, Self.trainFolder)
            let testPath = Self.join(path, Self.testFolder)
            let trainClasses = try Self.classFolders(of: trainPath)
            let testClasses = try Self.classFolders(of: testPath)
            let labels = Self.labels(of: trainClasses)
            for name in testClasses where labels[Array(name.utf8)] == nil {
                throw DatasetError(path: Self.join(testPath, name), "is a test class with no training folder "
                                   + "\(Self.join(trainPath, name)); test classes must be among the training "
                                   + "classes (\(trainClasses.joined(separator: ", ")))")
            }
            classNames = trainClasses
            train = try Self.files(in: trainPath, classes: trainClasses, labels: labels)
            test = try Self.files(in: testPath, classes: testClasses, labels: labels)
        } else {
            let classes = try Self.classFolders(of: path)
            let labels = Self.labels(of: classes)
            classNames = classes
            train = try Self.files(in: path, classes: classes, labels: labels)
            test = []
        }
    }

    /// Each class name's label, keyed by the name's bytes: String's equality would take two spellings
    /// of an accented name, which are two folders, for one class.
    private static func labels(of classes: [String]) -> [[UInt8]: UInt8] {
        Dictionary(uniqueKeysWithValues: classes.enumerated().map { (Array($1.utf8), UInt8($0)) })
    }

    /// Every file the layout names, training files first, in reading order.
    var allFiles: [ImageFile] { train + test }

    /// The class folders in `path`, sorted.
    private static func classFolders(of path: String) throws -> [String] {
        let names = try subfolders(of: path)
        guard !names.isEmpty else {
            throw DatasetError(path: path, "holds no class folders; put each class's images in a folder named "
                               + "after the class")
        }
        guard names.count <= maximumClassCount else {
            throw DatasetError(path: path, "holds \(names.count) class folders; LabBook's labels are bytes, so at "
                               + "most \(maximumClassCount) classes")
        }
        return names
    }

    /// The visible folders (and links to folders) in `path`, sorted. Files beside them, such as a
    /// README or a licence, are skipped, as torchvision's ImageFolder skips them.
    private static func subfolders(of path: String) throws -> [String] {
        try visibleEntries(of: path).filter { try kind(of: join(path, $0)) == S_IFDIR }
    }

    /// The image files of each class in `classes`, class by class, each class's sorted by name.
    private static func files(in path: String, classes: [String], labels: [[UInt8]: UInt8]) throws -> [ImageFile] {
        var files: [ImageFile] = []
        for name in classes {
            let classPath = join(path, name)
            let label = labels[Array(name.utf8)]!
            let names = try visibleEntries(of: classPath)
            guard !names.isEmpty else {
                throw DatasetError(path: classPath, "is a class folder with no images")
            }
            for fileName in names {
                let filePath = join(classPath, fileName)
                let status = try linkedStatus(of: filePath)
                if status.st_mode & S_IFMT == S_IFDIR {
                    throw DatasetError(path: filePath, "is a folder inside the class folder \(classPath), "
                                       + "which holds image files only")
                }
                try requireRegularFile(status, path: filePath)
                files.append(ImageFile(path: filePath, label: label))
            }
        }
        return files
    }

    /// The names in folder `path` that do not start with ".", in the byte order of their UTF-8.
    private static func visibleEntries(of path: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw DatasetError(path: path, "cannot list the folder: \(error.localizedDescription)")
        }
        return names.filter { !$0.hasPrefix(".") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    private static func requireFolder(_ path: String, role: String) throws {
        guard try kind(of: path) == S_IFDIR else {
            throw DatasetError(path: path, "is not a folder; the \(role) must be one")
        }
    }

    /// The file type bits of what `path` is or links to.
    private static func kind(of path: String) throws -> mode_t {
        try linkedStatus(of: path).st_mode & S_IFMT
    }

    /// The status of what `path` is or links to; a missing path or a broken link is an error.
    private static func linkedStatus(of path: String) throws -> stat {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let reason = errno
            var linkStatus = stat()
            if lstat(path, &linkStatus) == 0, linkStatus.st_mode & S_IFMT == S_IFLNK {
                throw DatasetError(path: path, "is a link to something missing (\(String(cString: strerror(reason))))")
            }
            throw DatasetError(path: path, reason == ENOENT ? "no such file or folder"
                               : "cannot be read: \(String(cString: strerror(reason)))")
        }
        return status
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
