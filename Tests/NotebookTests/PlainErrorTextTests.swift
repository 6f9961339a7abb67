import Foundation
import XCTest
@testable import RunRecords

/// Foundation's errors reach the user as what happened, never as `Error Domain=... Code=...`.
final class PlainErrorTextTests: XCTestCase {
    func testFoundationErrorsInPlainWords() {
        XCTAssertEqual(PlainErrorText.of(CocoaError(.fileWriteOutOfSpace)), "the disk is full")
        XCTAssertEqual(PlainErrorText.of(CocoaError(.fileReadNoSuchFile)), "no such file")
        XCTAssertEqual(PlainErrorText.of(CocoaError(.fileWriteNoPermission)), "permission denied")
        XCTAssertEqual(PlainErrorText.of(NSError(domain: NSCocoaErrorDomain, code: 640)), "the disk is full")
        XCTAssertEqual(PlainErrorText.of(POSIXError(.ENOSPC)), String(cString: strerror(ENOSPC)))
        let underlying = CocoaError(.fileWriteUnknown, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EROFS))])
        XCTAssertEqual(PlainErrorText.of(underlying), String(cString: strerror(EROFS)))
        for error: Error in [CocoaError(.fileWriteOutOfSpace), NSError(domain: NSCocoaErrorDomain, code: 4), CocoaError(.coderInvalidValue)] {
            XCTAssertFalse(PlainErrorText.of(error).contains("Domain="), PlainErrorText.of(error))
        }
    }

    func testARunRecordThatDoesNotDecodeSaysWhere() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\"notebook\": \"nb.md\", \"title\": 3}".utf8).write(to: url)
        XCTAssertThrowsError(try RunRecordFile.read(from: url)) { error in
            XCTAssert("\(error)".hasPrefix("\(url.path): not a LabBook run record: "), "\(error)")
            XCTAssertFalse("\(error)".contains("Domain="))
        }
    }
}
