import Foundation
import Templates
import XCTest

/// The templates compiled into the binary are exactly the files in templates/, which people edit.
final class EmbeddedTemplatesTests: XCTestCase {
    /// The package's templates/ folder, found from this file's place in the source tree.
    private let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("templates")

    /// The template files in the folder: everything but the Swift source and hidden files.
    private func templateFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasSuffix(".swift") && !$0.hasPrefix(".") }
            .sorted()
    }

    func testEveryTemplateFileIsEmbeddedAndNothingElse() throws {
        let files = try templateFiles()
        XCTAssertTrue(files.contains("report.mustache") && files.contains("notebook.md"), "\(files)")
        XCTAssertEqual(Templates.names, files)
    }

    func testEmbeddedTextIsByteForByteTheFile() throws {
        for name in try templateFiles() {
            let onDisk = try Data(contentsOf: folder.appendingPathComponent(name))
            let embedded = try XCTUnwrap(Templates.text(named: name), name)
            XCTAssertEqual(Data(embedded.utf8), onDisk, "\(name) in the binary differs from templates/\(name)")
        }
    }

    func testAnUnknownNameHasNoTemplate() {
        XCTAssertNil(Templates.text(named: "no-such-template.mustache"))
        XCTAssertNil(Templates.text(named: ""))
    }
}
