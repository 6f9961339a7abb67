import Foundation
import NeuralNet
import XCTest
@testable import Datasets

/// Seeded mutations of an .npy file and of an .npz archive, both as NumPy wrote them: every input must
/// load or throw a `DatasetError`, never crash, hang or allocate by what a damaged file claims.
final class NumPyFuzzTests: XCTestCase {
    /// Up to four edits, as LoaderFuzzTests makes them.
    func mutate(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        LoaderFuzzTests.mutate(bytes, &generator, maximumEdits: 4)
    }

    func testMutatedNumPyFilesLoadOrFailCleanly() throws {
        let folder = try TestFiles.makeFolder(for: self)
        let labels = folder + "/labels.npy"
        try TestFiles.write(NumPyFixtures.float32Labels, to: labels)
        let seeds: [(name: String, bytes: [UInt8], file: String, load: (String) throws -> Void)] = [
            ("npy", NumPyFixtures.rgbImages, "fuzzed.npy",
             { _ = try NumPyDataset.load(features: $0, labels: labels) }),
            ("npz", NumPyFixtures.deflatedArchive, "fuzzed.npz", { _ = try NumPyDataset.load(archive: $0) }),
            ("zip64 npz", NumPyFixtures.zip64Archive, "fuzzed64.npz", { _ = try NumPyDataset.load(archive: $0) }),
        ]
        var generator = SeededGenerator(seed: 2024)
        let iterations = Int(ProcessInfo.processInfo.environment["LABBOOK_FUZZ_ITERATIONS"] ?? "") ?? 1000
        for seed in seeds {
            let path = folder + "/" + seed.file
            let file = try RewrittenFile(path: path)
            XCTAssertNoThrow(try { try file.replaceContents(with: seed.bytes); try seed.load(path) }(), seed.name)
            var failures = 0
            for _ in 0..<iterations {
                try file.replaceContents(with: mutate(seed.bytes, &generator))
                do {
                    try seed.load(path)
                } catch let error as DatasetError {
                    XCTAssertTrue([path, labels].contains(error.path), "\(seed.name): \(error)")
                    failures += 1
                }
            }
            XCTAssertGreaterThan(failures, iterations / 10, "\(seed.name): mutations should often be rejected")
        }
    }
}

/// A file rewritten in place through one descriptor: opening and truncating it anew for every mutation
/// took over a millisecond each on a busy disk, several times what reading it takes.
private final class RewrittenFile {
    let path: String
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }

    deinit { close(descriptor) }

    func replaceContents(with bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        guard written == bytes.count, ftruncate(descriptor, off_t(bytes.count)) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}
