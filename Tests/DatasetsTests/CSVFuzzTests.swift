import Foundation
import NeuralNet
import XCTest
@testable import Datasets

/// Seeded mutations of small CSV tables, as training, test and predict files: every input must load or
/// throw a `DatasetError`, never crash, hang or allocate by a file's claims.
final class CSVFuzzTests: XCTestCase {
    struct Seed {
        var name: String
        var text: String
        var options: CSVTableOptions
    }

    static let seeds = [
        Seed(name: "header, quotes, categorical, CRLF",
             text: "species,island,\"bill length\",sex\r\nAdelie,Torgersen,39.1,male\n\"Gentoo\",\"Bis,coe\",46.1,female\n"
                 + "Chinstrap,\"Dr\"\"eam\",-4.65e1,female\r\n\nAdelie,\"Bis,coe\",37.8,\"ma\nle\"\n",
             options: CSVTableOptions(label: "species", categorical: ["island", "sex"])),
        Seed(name: "no header, numeric labels",
             text: "0.5,1,2\n1.5,0,3\n2.5,2,4\n",
             options: CSVTableOptions(label: 1)),
    ]

    /// Bytes that mean something to a CSV reader, for the mutations to insert.
    static let tokens: [[UInt8]] = [",", "\"", "\n", "\r", "\r\n", "\"\"", "NA", "300", "-1", "1e39", "nan", " "]
        .map { Array($0.utf8) } + [[0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xC3], [0x00]]

    func mutate(_ bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        var result = bytes
        for _ in 0...generator.nextInt(below: 3) {
            guard !result.isEmpty else { break }
            let position = generator.nextInt(below: result.count)
            switch generator.nextInt(below: 6) {
            case 0: result[position] = UInt8(truncatingIfNeeded: generator.next())
            case 1: result.remove(at: position)
            case 2: result = Array(result[..<position])
            case 3: result.insert(contentsOf: Self.tokens[generator.nextInt(below: Self.tokens.count)], at: position)
            case 4: result[position] = Self.tokens[generator.nextInt(below: 4)][0]
            default: result.insert(contentsOf: result[position..<min(result.count, position + 12)], at: position)
            }
        }
        return result
    }

    /// Rewrites `path` in place. `Data.write` syncs to disk, and truncating a file to nothing makes
    /// ext4 flush it on close: either took most of the test's time.
    func overwrite(_ path: String, with bytes: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard pwrite(descriptor, bytes, bytes.count, 0) == bytes.count, ftruncate(descriptor, off_t(bytes.count)) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    func testMutatedTablesLoadOrFailCleanly() throws {
        let folder = try TestFiles.makeFolder(for: self)
        let (train, test, predict) = (folder + "/train.csv", folder + "/test.csv", folder + "/predict.csv")
        var generator = SeededGenerator(seed: 4180)
        let iterations = Int(ProcessInfo.processInfo.environment["LABBOOK_FUZZ_ITERATIONS"] ?? "") ?? 1000
        for seed in Self.seeds {
            let original = Array(seed.text.utf8)
            try TestFiles.write(original, to: train)
            let encoder = try CSVDataset.load(train: train, test: nil, options: seed.options).encoder
            var (loaded, failed) = (0, 0)
            for iteration in 0..<iterations {
                // In turn: a mutated training file, a mutated test file, a mutated file to predict.
                let target = [train, test, predict][iteration % 3]
                try overwrite(train, with: original)
                try overwrite(test, with: original)
                try overwrite(target, with: mutate(original, &generator))
                do {
                    if target == predict {
                        let rows = try encoder.encodeRows(ofFile: predict)
                        XCTAssertEqual(rows.features.count, rows.count * encoder.featureCount, seed.name)
                    } else {
                        let (dataset, featureNames, _) = try CSVDataset.load(train: train, test: test, options: seed.options)
                        XCTAssertEqual(featureNames.count, dataset.featureCount, seed.name)
                        XCTAssertLessThanOrEqual(dataset.classCount, 256, seed.name)
                        XCTAssert(dataset.train.labels.allSatisfy { Int($0) < dataset.classCount }, seed.name)
                        XCTAssert(dataset.test.labels.allSatisfy { Int($0) < dataset.classCount }, seed.name)
                    }
                    loaded += 1
                } catch let error as DatasetError {
                    XCTAssert([train, test, predict].contains(error.path), "\(seed.name): \(error)")
                    failed += 1
                }
            }
            XCTAssertGreaterThan(failed, iterations / 10, "\(seed.name): mutations should often be rejected")
            XCTAssertGreaterThan(loaded, iterations / 50, "\(seed.name): some mutations should still load")
        }
    }
}
