import Foundation
import XCTest

/// What a run of the built `labbook` binary printed, and its exit status.
struct CommandResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs the `labbook` executable that SwiftPM built beside the test bundle.
enum LabBookBinary {
    static var url: URL {
        // The executable is in the build products folder: the test bundle's folder on Linux, the
        // folder around the .xctest bundle on macOS.
        let bundle = Bundle(for: Marker.self).bundleURL
        let products = bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
        return products.appendingPathComponent("labbook")
    }

    private final class Marker {}

    /// Variables that change where LabBook looks for data and whether it downloads: a test that sets
    /// any of them gets none of the developer's own.
    static let dataVariables = ["LABBOOK_DATA", "LABBOOK_OFFLINE", "LABBOOK_DATA_MIRROR", "LABBOOK_DATA_MANIFEST"]

    /// Where `labbook run` records runs; a test that sets it to "" gets the default, the current folder.
    static let historyVariable = "LABBOOK_HISTORY"

    /// This process's environment with a run history of `test`'s own, removed when it ends: for a
    /// test that starts the binary itself, so the run does not record itself in the folder it runs in.
    static func environmentWithOwnHistory(_ test: XCTestCase) -> [String: String] {
        let history = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-history-\(UUID().uuidString).sqlite")
        test.addTeardownBlock {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: history.path + suffix) }
        }
        return ProcessInfo.processInfo.environment.merging([historyVariable: history.path]) { $1 }
    }

    /// - environment: variables set on top of this process's environment.
    /// - executable: what to run instead of the built binary (a copy of it, or a wrapper around one).
    static func run(_ arguments: [String], in directory: URL? = nil,
                    environment: [String: String] = [:], executable: URL? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable ?? url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        // Files rather than pipes: a chatty run can not fill a pipe buffer and block.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-run-\(UUID().uuidString)")
        let outputURL = scratch.appendingPathExtension("out"), errorURL = scratch.appendingPathExtension("err")
        // Every run records itself in a run history; unless the test names one, a history of this
        // command alone, so no test writes labbook-history.sqlite into the folder it runs in.
        let historyURL = scratch.appendingPathExtension("sqlite")
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)
        defer {
            for url in [outputURL, errorURL, historyURL] { try? FileManager.default.removeItem(at: url) }
            for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: historyURL.path + suffix) }
        }
        var merged = ProcessInfo.processInfo.environment
        if !environment.isEmpty {
            for name in dataVariables { merged[name] = nil }
        }
        if environment[historyVariable] == nil { merged[historyVariable] = historyURL.path }
        process.environment = merged.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             standardOutput: try String(contentsOf: outputURL, encoding: .utf8),
                             standardError: try String(contentsOf: errorURL, encoding: .utf8))
    }
}

/// A fresh temporary folder, removed when the test ends.
func makeTemporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("labbook-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
