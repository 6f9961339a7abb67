import Foundation
import XCTest
@testable import FileFormats
import NeuralNet

/// Property test of the safetensors reader against hostile input: valid seed files from
/// `Tests/SafetensorsCorpus` get thousands of seeded random mutations (bit flips, truncations,
/// rewritten header lengths, edited JSON numbers, dtypes and punctuation), and every result must
/// either decode into a file that is consistent with itself or throw, never crash.
///
/// The class name contains `SafetensorsTests` so the usual `--filter SafetensorsTests` runs it.
/// `LABBOOK_FUZZ_ITERATIONS` sets the mutations per seed file (default 2000); the seed is fixed, so a
/// failure reproduces, and the failing input is written next to the temporary folder's other files.
final class FuzzSafetensorsTests: XCTestCase {
    var iterationsPerSeedFile: Int {
        ProcessInfo.processInfo.environment["LABBOOK_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 2000
    }

    func corpus() throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: safetensorsCorpusFolder.path)
            .filter { $0.hasSuffix(".safetensors") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 4, "the seed corpus is missing")
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: safetensorsCorpusFolder.appendingPathComponent(name))))
        }
    }

    func testCorpusFilesAreValid() throws {
        for (name, bytes) in try corpus() {
            XCTAssertNoThrow(try checkConsistency(of: Safetensors.decode(bytes), bytes: bytes), name)
            if name.hasPrefix("checkpoint-") {
                XCTAssertNoThrow(try Checkpoint.decode(bytes), name)
            }
        }
    }

    func testMutatedFilesDecodeConsistentlyOrThrow() throws {
        var generator = SeededGenerator(seed: 0x5AFE_7E45)
        var (decoded, rejected, checkpoints) = (0, 0, 0)
        var errorKinds = Set<String>()
        for (name, original) in try corpus() {
            for iteration in 0..<iterationsPerSeedFile {
                var bytes = original
                for _ in 0...generator.nextInt(below: 3) { mutate(&bytes, using: &generator) }
                do {
                    let file = try Safetensors.decode(bytes)
                    decoded += 1
                    do {
                        try checkConsistency(of: file, bytes: bytes)
                    } catch {
                        let saved = save(bytes, name: "\(name)-\(iteration)")
                        XCTFail("\(name) mutation \(iteration) decoded inconsistently (\(error)); input in \(saved)")
                    }
                } catch let error as SafetensorsError {
                    rejected += 1
                    errorKinds.insert(Mirror(reflecting: error).children.first?.label ?? "\(error)")
                } catch {
                    XCTFail("\(name) mutation \(iteration) threw a \(type(of: error)), not a SafetensorsError: \(error)")
                }
                // A checkpoint decoded from a damaged file must be one that encodes and decodes again,
                // bit for bit (bytes are compared, since damaged weights may be NaN).
                if let checkpoint = try? Checkpoint.decode(bytes) {
                    checkpoints += 1
                    let encoded = try checkpoint.encode()
                    XCTAssertEqual(try Checkpoint.decode(encoded).encode(), encoded)
                }
            }
        }
        // The mutations must exercise both outcomes, and many different checks.
        XCTAssertGreaterThan(decoded, iterationsPerSeedFile / 20)
        XCTAssertGreaterThan(rejected, iterationsPerSeedFile)
        XCTAssertGreaterThan(errorKinds.count, 8, "\(errorKinds.sorted())")
        print("fuzz: \(decoded) decoded, \(rejected) rejected, \(checkpoints) checkpoints; kinds: \(errorKinds.sorted())")
    }

    /// Checks what decoding promises: every tensor lies inside the data section and agrees with its
    /// dtype and shape, the tensors tile the data exactly, decoding is repeatable, and the content
    /// survives a write and a read.
    func checkConsistency(of file: SafetensorsFile, bytes: [UInt8]) throws {
        struct Inconsistent: Error { var reason: String }
        let headerLength = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        let dataRange = (8 + headerLength)..<bytes.count
        var covered = 0
        for (name, info) in file.tensors {
            guard info.byteRange.lowerBound >= dataRange.lowerBound, info.byteRange.upperBound <= dataRange.upperBound else {
                throw Inconsistent(reason: "\(name) lies outside the data")
            }
            guard info.shape.reduce(1, *) * info.dtype.byteCount == info.byteRange.count else {
                throw Inconsistent(reason: "\(name) size disagrees with its shape")
            }
            covered += info.byteRange.count
            switch info.dtype {
            case .float32: guard try file.float32(name).count == info.elementCount else { throw Inconsistent(reason: name) }
            case .int64: guard try file.int64(name).count == info.elementCount else { throw Inconsistent(reason: name) }
            default: break
            }
        }
        guard covered == dataRange.count else { throw Inconsistent(reason: "tensors cover \(covered) of \(dataRange.count) bytes") }
        guard try Safetensors.decode(bytes) == file else { throw Inconsistent(reason: "decoding twice differs") }

        let tensors = try file.names.map { name in
            let info = try file.info(name)
            return try SafetensorsTensor(name: name, dtype: info.dtype, shape: info.shape, bytes: Array(try file.data(name)))
        }
        let again = try Safetensors.decode(try Safetensors.encode(tensors: tensors, metadata: file.metadata))
        guard again.metadata == file.metadata, again.names == file.names else {
            throw Inconsistent(reason: "rewriting changed names or metadata")
        }
        for name in file.names where try again.data(name) != file.data(name) || again.info(name).shape != file.info(name).shape {
            throw Inconsistent(reason: "rewriting changed \(name)")
        }
    }

    // MARK: Mutations

    /// Applies one random mutation to `bytes`.
    func mutate(_ bytes: inout [UInt8], using generator: inout SeededGenerator) {
        switch generator.nextInt(below: 10) {
        case 0: flipBits(&bytes, in: 0..<bytes.count, using: &generator)
        case 1: flipBits(&bytes, in: 8..<(8 + headerLength(bytes)), using: &generator)
        case 2: bytes.removeLast(generator.nextInt(below: bytes.count + 1))
        case 3: rewriteHeaderLength(&bytes, using: &generator)
        case 4: editHeader(&bytes, using: &generator, replacingNumberWith: numberReplacement(using: &generator))
        case 5: editHeader(&bytes, using: &generator, replacingDTypeWith: dtypeReplacement(using: &generator))
        case 6: editHeaderPunctuation(&bytes, using: &generator)
        case 7: bytes += (0..<(1 + generator.nextInt(below: 16))).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        case 8: copyDataOffsets(&bytes, using: &generator)
        default: editHeader(&bytes, using: &generator, replacingNumberWith: String(generator.nextInt(below: 200)))
        }
    }

    /// The header length the file claims, clamped to what it holds (0 for a file too short to say).
    func headerLength(_ bytes: [UInt8]) -> Int {
        guard bytes.count >= 8 else { return 0 }
        let claimed = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        return Int(min(claimed, UInt64(bytes.count - 8)))
    }

    func flipBits(_ bytes: inout [UInt8], in range: Range<Int>, using generator: inout SeededGenerator) {
        guard !range.isEmpty else { return }
        for _ in 0...generator.nextInt(below: 8) {
            bytes[range.lowerBound + generator.nextInt(below: range.count)] ^= 1 << UInt8(generator.nextInt(below: 8))
        }
    }

    func rewriteHeaderLength(_ bytes: inout [UInt8], using generator: inout SeededGenerator) {
        guard bytes.count >= 8 else { return }
        let current = UInt64(headerLength(bytes))
        let choices: [UInt64] = [0, 1, 2, current &- 1, current + 1, current + 8, UInt64(bytes.count - 8), UInt64(bytes.count),
                                 100_000_000, 100_000_001, .max, 1 << 63, generator.next()]
        let length = choices[generator.nextInt(below: choices.count)]
        withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
    }

    func numberReplacement(using generator: inout SeededGenerator) -> String {
        let choices = ["-1", "0", "1", "2.5", "1e30", "-0", "1e2", "18446744073709551615", "18446744073709551616",
                       "9223372036854775807", "9223372036854775808", "-9223372036854775808", "4294967296",
                       "4611686018427387904", "null", "\"7\"", "true", "[]", String(generator.next() >> 1)]
        return choices[generator.nextInt(below: choices.count)]
    }

    func dtypeReplacement(using generator: inout SeededGenerator) -> String {
        let choices = SafetensorsDType.allCases.map(\.rawValue) + ["F128", "", "f32", "F32 ", "Q4"]
        return choices[generator.nextInt(below: choices.count)]
    }

    /// Replaces the header with `edit(header)` and rewrites the length to match, so edits reach the
    /// checks behind the JSON parser instead of failing on the length.
    func replaceHeader(_ bytes: inout [UInt8], _ edit: (inout [UInt8]) -> Void) {
        let length = headerLength(bytes)
        guard length > 0 else { return }
        var header = Array(bytes[8..<(8 + length)])
        edit(&header)
        var result: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { result += $0 }
        bytes = result + header + bytes[(8 + length)...]
    }

    /// Replaces one run of digits (with its sign) in the header by `replacement`.
    func editHeader(_ bytes: inout [UInt8], using generator: inout SeededGenerator, replacingNumberWith replacement: String) {
        replaceHeader(&bytes) { header in
            var runs: [Range<Int>] = []
            var index = 0
            while index < header.count {
                guard header[index] == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(header[index]) else {
                    index += 1
                    continue
                }
                let start = index
                index += 1
                while index < header.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(header[index]) { index += 1 }
                runs.append(start..<index)
            }
            guard !runs.isEmpty else { return }
            header.replaceSubrange(runs[generator.nextInt(below: runs.count)], with: Array(replacement.utf8))
        }
    }

    /// Replaces the value of one `"dtype"` field in the header by `replacement`.
    func editHeader(_ bytes: inout [UInt8], using generator: inout SeededGenerator, replacingDTypeWith replacement: String) {
        replaceHeader(&bytes) { header in
            let marker = Array(#""dtype":""#.utf8)
            let starts = header.indices.filter { start in
                start + marker.count <= header.count && Array(header[start..<(start + marker.count)]) == marker
            }
            guard !starts.isEmpty else { return }
            let valueStart = starts[generator.nextInt(below: starts.count)] + marker.count
            let valueEnd = header[valueStart...].firstIndex(of: UInt8(ascii: "\"")) ?? header.count
            header.replaceSubrange(valueStart..<valueEnd, with: Array(replacement.utf8))
        }
    }

    /// Gives one tensor another's `data_offsets`, so two tensors of the same size share bytes.
    func copyDataOffsets(_ bytes: inout [UInt8], using generator: inout SeededGenerator) {
        replaceHeader(&bytes) { header in
            let marker = Array(#""data_offsets":["#.utf8)
            let values = header.indices.compactMap { start -> Range<Int>? in
                guard start + marker.count <= header.count, Array(header[start..<(start + marker.count)]) == marker,
                      let end = header[(start + marker.count)...].firstIndex(of: UInt8(ascii: "]")) else { return nil }
                return (start + marker.count)..<end
            }
            guard values.count >= 2 else { return }
            let source = values[generator.nextInt(below: values.count)]
            let target = values[generator.nextInt(below: values.count)]
            header.replaceSubrange(target, with: Array(header[source]))
        }
    }

    /// Deletes, duplicates or inserts JSON punctuation at a random place in the header.
    func editHeaderPunctuation(_ bytes: inout [UInt8], using generator: inout SeededGenerator) {
        replaceHeader(&bytes) { header in
            let position = generator.nextInt(below: header.count)
            switch generator.nextInt(below: 3) {
            case 0: header.remove(at: position)
            case 1:
                let end = min(header.count, position + 1 + generator.nextInt(below: 64))
                header.insert(contentsOf: header[position..<end], at: position)
            default:
                let punctuation = Array("{}[],:\"\\ ".utf8)
                header.insert(punctuation[generator.nextInt(below: punctuation.count)], at: position)
            }
        }
    }

    func save(_ bytes: [UInt8], name: String) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-fuzz-\(name)")
        try? Data(bytes).write(to: url)
        return url.path
    }

    // MARK: Corpus
}
