import Foundation
import NeuralNet
import XCTest
@testable import Datasets

/// Seeded mutations of valid pickles, IDX files (plain and gzip) and CIFAR-10 records: every input
/// must load or throw a `DatasetError`, never crash, hang or allocate by a file's claims.
final class LoaderFuzzTests: XCTestCase {
    func mutate(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        Self.mutate(bytes, &generator, maximumEdits: 3)
    }

    /// Up to `maximumEdits` edits: a random byte, a flipped bit, a cut, an insertion, or 0xFF (which
    /// also makes zip fields say "look in the ZIP64 extra field"). Shared by the binary formats' fuzz tests.
    static func mutate(_ bytes: [UInt8], _ generator: inout SeededGenerator, maximumEdits: Int) -> [UInt8] {
        var result = bytes
        for _ in 0..<(1 + generator.nextInt(below: maximumEdits)) {
            guard !result.isEmpty else { break }
            let position = generator.nextInt(below: result.count)
            switch generator.nextInt(below: 5) {
            case 0: result[position] = UInt8(truncatingIfNeeded: generator.next())
            case 1: result[position] ^= 1 << UInt8(generator.nextInt(below: 8))
            case 2: result = Array(result[..<position])
            case 3: result.insert(contentsOf: (0..<generator.nextInt(below: 8)).map { _ in UInt8(truncatingIfNeeded: generator.next()) },
                                  at: position)
            default: result[position] = 0xff
            }
        }
        return result
    }

    func idx(_ dimensions: [Int], _ values: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for dimension in dimensions { bytes += withUnsafeBytes(of: UInt32(dimension).bigEndian, Array.init) }
        return bytes + values
    }

    func testMutatedFilesLoadOrFailCleanly() throws {
        let folder = try TestFiles.makeFolder(for: self)
        let path = folder + "/fuzzed"
        let pixels = TestFiles.pattern(count: 3 * 3072)
        let seeds: [(name: String, bytes: [UInt8], load: (String) throws -> Void)] = [
            ("pickle", Python2Pickle.batch(name: "data_batch_1", labels: [1, 2, 3], pixels: pixels),
             { _ = try Pickle.load(contentsOf: $0) }),
            ("idx", idx([4, 3, 2], Array(0..<24)), { _ = try IDX.read($0, dimensionCount: 3) }),
            ("idx.gz", TestFiles.gzip(idx([5], [0, 1, 2, 3, 4])), { _ = try IDX.read($0, dimensionCount: 1) }),
            ("cifar", [3] + pixels[..<3072] + [7] + pixels[3072..<6144],
             { _ = try CIFAR10Binary.readRecords([$0], classCount: 10) }),
        ]
        var generator = SeededGenerator(seed: 99)
        let iterations = Int(ProcessInfo.processInfo.environment["LABBOOK_FUZZ_ITERATIONS"] ?? "") ?? 1000
        for seed in seeds {
            XCTAssertNoThrow(try { try TestFiles.write(seed.bytes, to: path); try seed.load(path) }(), seed.name)
            var failures = 0
            for _ in 0..<iterations {
                try TestFiles.write(mutate(seed.bytes, &generator), to: path)
                do {
                    try seed.load(path)
                } catch is DatasetError {
                    failures += 1
                }
            }
            XCTAssertGreaterThan(failures, iterations / 10, "\(seed.name): mutations should often be rejected")
        }
    }
}
