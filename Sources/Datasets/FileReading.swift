import Foundation

/// The size of a regular file, or an error naming it.
func fileSize(_ path: String) throws -> Int {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw DatasetError(path: path, "no such file")
    }
    guard !isDirectory.boolValue else { throw DatasetError(path: path, "is a folder, not a file") }
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
          let size = attributes[.size] as? NSNumber else {
        throw DatasetError(path: path, "cannot read the file's size")
    }
    return size.intValue
}

/// A whole file's bytes, or an error naming it.
func readFile(_ path: String) throws -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        _ = try fileSize(path)  // says why: missing, or a folder
        throw DatasetError(path: path, "cannot open the file for reading")
    }
    defer { try? handle.close() }
    do {
        let data = try handle.readToEnd() ?? Data()
        return [UInt8](data)
    } catch {
        throw DatasetError(path: path, "read failed: \(error.localizedDescription)")
    }
}
