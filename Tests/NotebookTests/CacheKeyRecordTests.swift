import Foundation
import XCTest
@testable import Notebook

/// run.json records each block's cache key, computed the same whether or not the cache is used.
final class CacheKeyRecordTests: XCTestCase {
    static func notebook(steps: Int) -> String {
        """
        ---
        seed: 4
        ---

        ```{data}
        dataset: spiral
        classes: 3
        points: 30
        ```

        ```{network}
        layers:
          - dense: 8
          - dense: 3
        ```

        ```{train}
        steps: \(steps)
        batch_size: 30
        ```

        ```{evaluate}
        ```
        """
    }

    private func keys(steps: Int, cache: URL?, folder: URL) throws -> (keys: [String?], statuses: [BlockStatus]) {
        let text = Self.notebook(steps: steps)
        let plan = try NotebookPlan.make(bytes: Array(text.utf8), path: "nb.md")
        let runFolder = folder.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
        let record = NotebookRunner(plan: plan, runFolder: runFolder, notebookFolder: folder, cacheFolder: cache).run()
        XCTAssertEqual(record.status, .ok, record.error ?? "")
        return (record.blocks.map(\.cacheKey), record.blocks.map(\.status))
    }

    func testKeysAreRecordedWithOrWithoutTheCache() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = folder.appendingPathComponent("cache")

        let uncached = try keys(steps: 10, cache: nil, folder: folder)
        let stored = try keys(steps: 10, cache: cache, folder: folder)
        let replayed = try keys(steps: 10, cache: cache, folder: folder)
        XCTAssertEqual(replayed.statuses, [.cached, .cached, .cached, .cached])
        XCTAssertEqual(uncached.keys.count, 4)
        XCTAssert(uncached.keys.allSatisfy { $0?.count == 64 }, "\(uncached.keys)")
        XCTAssertEqual(Set(uncached.keys).count, 4)
        XCTAssertEqual(stored.keys, uncached.keys)
        XCTAssertEqual(replayed.keys, uncached.keys)

        // A parameter of {train} changes its key and every key after it, and none before.
        let changed = try keys(steps: 11, cache: nil, folder: folder)
        XCTAssertEqual(Array(changed.keys.prefix(2)), Array(uncached.keys.prefix(2)))
        XCTAssertNotEqual(changed.keys[2], uncached.keys[2])
        XCTAssertNotEqual(changed.keys[3], uncached.keys[3])
    }
}
