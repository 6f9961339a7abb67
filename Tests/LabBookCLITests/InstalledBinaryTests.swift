import Foundation
import XCTest

/// An installed `labbook` is one file: copied out of SwiftPM's build tree and run from elsewhere with
/// that tree out of sight, it still starts notebooks and renders reports from its own templates.
final class InstalledBinaryTests: XCTestCase {
    /// The folder SwiftPM built into (`.build/<triple>/debug`), symbolic links resolved.
    private var productsFolder: URL { LabBookBinary.url.deletingLastPathComponent().resolvingSymlinksInPath() }

    /// The build tree a binary could reach back into: the products folder's parent holds every
    /// configuration's products (`debug`, `release`) and their resource bundles.
    private var buildTree: URL { productsFolder.deletingLastPathComponent() }

    /// Copies the built binary into a folder of its own, as `make install` does.
    private func installedCopy() throws -> URL {
        let bin = try makeTemporaryFolder(self).appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let copy = bin.appendingPathComponent("labbook")
        try FileManager.default.copyItem(at: LabBookBinary.url.resolvingSymlinksInPath(), to: copy)
        return copy
    }

    /// Runs `binary` with the build tree hidden under an empty file system, where this machine lets
    /// an unprivileged user namespace mount one; otherwise runs it as it is (the build tree is then
    /// still there, and `testTheBinaryNamesNoResourceBundle` is what catches a dependence on it).
    private func runHidingTheBuildTree(_ binary: URL, _ arguments: [String], in directory: URL) throws -> CommandResult {
        let hide = ["--user", "--map-root-user", "--mount", "sh", "-c", #"mount -t tmpfs tmpfs "$0" && exec "$@""#,
                    buildTree.path]
        if Self.canHideFolders(buildTree) {
            return try LabBookBinary.run(hide + [binary.path] + arguments, in: directory, executable: Self.unshare)
        }
        return try LabBookBinary.run(arguments, in: directory, executable: binary)
    }

    private static let unshare = URL(fileURLWithPath: "/usr/bin/unshare")

    /// Whether `unshare` can mount over `folder` here, and the folder then really looks empty.
    private static func canHideFolders(_ folder: URL) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: unshare.path),
              let probe = try? LabBookBinary.run(
                  ["--user", "--map-root-user", "--mount", "sh", "-c", #"mount -t tmpfs tmpfs "$0" && ls -A "$0""#,
                   folder.path], executable: unshare)
        else { return false }
        return probe.status == 0 && probe.standardOutput.isEmpty
    }

    func testACopiedBinaryCreatesAndRunsANotebookWithoutTheBuildTree() throws {
        let binary = try installedCopy()
        let work = try makeTemporaryFolder(self)

        let created = try runHidingTheBuildTree(binary, ["new", "x"], in: work)
        XCTAssertEqual(created.status, 0, created.standardError)
        let notebook = try String(contentsOf: work.appendingPathComponent("x.md"), encoding: .utf8)
        XCTAssert(notebook.contains("title: X"), notebook)
        XCTAssertFalse(notebook.contains("{{"), "the notebook template's placeholders were not filled in")

        // The new notebook is a small spiral; a few steps are enough to draw every chart.
        let ran = try runHidingTheBuildTree(binary, ["run", "x.md", "-p", "steps=30", "-o", "out", "--quiet"], in: work)
        XCTAssertEqual(ran.status, 0, ran.standardError)
        let report = try String(contentsOf: work.appendingPathComponent("out/report.html"), encoding: .utf8)
        XCTAssert(report.hasPrefix("<!DOCTYPE html>"), String(report.prefix(200)))
        XCTAssert(report.contains("<title>X</title>"))
        XCTAssert(report.contains("<svg"), "the report has no chart")
        XCTAssert(report.contains("{train}"))
    }

    /// SwiftPM's resource accessor looks for its bundle beside the executable, then at its absolute
    /// path in the build tree, and stops the program when neither is there; a binary that names no
    /// bundle in the build tree cannot die that way.
    func testTheBinaryNamesNoResourceBundle() throws {
        let binary = try Data(contentsOf: LabBookBinary.url.resolvingSymlinksInPath(), options: .alwaysMapped)
        XCTAssertNil(binary.range(of: Data("could not load resource bundle".utf8)),
                     "the binary still loads a resource bundle")
        let prefix = Data((productsFolder.path + "/").utf8)
        var searchFrom = binary.startIndex
        while let found = binary.range(of: prefix, in: searchFrom..<binary.endIndex) {
            let end = binary[found.upperBound...].firstIndex { $0 == 0 || $0 == UInt8(ascii: "\"") || $0 < 0x20 }
                ?? binary.endIndex
            let path = String(decoding: binary[found.lowerBound..<end], as: UTF8.self)
            XCTAssertFalse(path.hasSuffix(".resources") || path.contains(".resources/"),
                           "the binary reads \(path) from the build tree")
            searchFrom = found.upperBound
        }
    }
}
