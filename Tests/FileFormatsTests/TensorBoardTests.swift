import Foundation
import XCTest
@testable import FileFormats
import NeuralNet

/// A protocol buffer field as read back from the wire.
enum ProtobufField: Equatable {
    case varint(UInt64)
    case fixed64(UInt64)
    case fixed32(UInt32)
    case bytes([UInt8])

    var double: Double? { if case .fixed64(let bits) = self { Double(bitPattern: bits) } else { nil } }
    var float: Float? { if case .fixed32(let bits) = self { Float(bitPattern: bits) } else { nil } }
    var int64: Int64? { if case .varint(let value) = self { Int64(bitPattern: value) } else { nil } }
    var data: [UInt8]? { if case .bytes(let bytes) = self { bytes } else { nil } }
    var string: String? { data.map { String(decoding: $0, as: UTF8.self) } }
    /// A packed repeated double field's values.
    var packedDoubles: [Double]? {
        data.map { bytes in
            stride(from: 0, to: bytes.count, by: 8).map { offset in
                bytes.withUnsafeBytes { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) }
            }
        }
    }
}

/// A minimal reader of TFRecord files and protocol buffers, independent of the writer's code, for
/// checking what the writer wrote.
enum EventFileReader {
    struct ReadError: Error, CustomStringConvertible { var description: String }

    /// The records of a TFRecord file, after checking both masked CRCs of each.
    static func records(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        func load<T: FixedWidthInteger>(_: T.Type, at position: Int) throws -> T {
            guard position + MemoryLayout<T>.size <= bytes.count else { throw ReadError(description: "truncated at \(position)") }
            return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: T.self)) }
        }
        while offset < bytes.count {
            let length = Int(try load(UInt64.self, at: offset))
            guard try load(UInt32.self, at: offset + 8) == CRC32C.maskedChecksum(bytes[offset..<(offset + 8)]) else {
                throw ReadError(description: "bad length CRC at \(offset)")
            }
            let start = offset + 12
            guard start + length + 4 <= bytes.count else { throw ReadError(description: "truncated record at \(offset)") }
            let data = Array(bytes[start..<(start + length)])
            guard try load(UInt32.self, at: start + length) == CRC32C.maskedChecksum(data) else {
                throw ReadError(description: "bad data CRC at \(offset)")
            }
            records.append(data)
            offset = start + length + 4
        }
        return records
    }

    /// The fields of a protocol buffer message, by field number, in order.
    static func fields(_ bytes: [UInt8]) throws -> [UInt64: [ProtobufField]] {
        var fields: [UInt64: [ProtobufField]] = [:]
        var offset = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < bytes.count, shift < 64 else { throw ReadError(description: "bad varint") }
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> [UInt8] {
            guard count >= 0, offset + count <= bytes.count else { throw ReadError(description: "field runs past the end") }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }
        while offset < bytes.count {
            let key = try varint()
            let field: ProtobufField
            switch key & 7 {
            case 0: field = .varint(try varint())
            case 1: field = .fixed64(try take(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
            case 2: field = .bytes(try take(Int(try varint())))
            case 5: field = .fixed32(try take(4).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
            default: throw ReadError(description: "unexpected wire type \(key & 7)")
            }
            fields[key >> 3, default: []].append(field)
        }
        return fields
    }

    /// One decoded `Event`: its time, step, and either the file version or one summary value.
    struct Event {
        var wallTime: Double?
        var step: Int64?
        var fileVersion: String?
        var tag: String?
        var simpleValue: Float?
        var histogram: [UInt64: [ProtobufField]]?
    }

    static func events(in file: URL) throws -> [Event] {
        try records([UInt8](Data(contentsOf: file))).map { record in
            let fields = try fields(record)
            var event = Event(wallTime: fields[1]?.first?.double, step: fields[2]?.first?.int64,
                              fileVersion: fields[3]?.first?.string)
            if let summary = fields[5]?.first?.data {
                let values = try Self.fields(summary)[1] ?? []
                guard values.count == 1, let value = try values.first?.data.map(Self.fields) else {
                    throw ReadError(description: "expected one summary value")
                }
                event.tag = value[1]?.first?.string
                event.simpleValue = value[2]?.first?.float
                event.histogram = try value[5]?.first?.data.map(Self.fields)
            }
            return event
        }
    }
}

final class TensorBoardTests: XCTestCase {
    let wallTime = 1_700_000_000.25

    func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-tb-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    func testCRC32CKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // RFC 3720 (iSCSI) appendix B.4.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
    }

    func testMaskedCRC() {
        XCTAssertEqual(CRC32C.masked(0), 0xA282_EAD8)
        // Values from TensorBoard's own masked_crc32c.
        XCTAssertEqual(CRC32C.maskedChecksum(Array("123456789".utf8)), 0xC78A_B0E5)
        XCTAssertEqual(CRC32C.maskedChecksum([UInt8](repeating: 0, count: 8)), 0x0798_0329)
    }

    func writeSampleRun(to folder: URL) throws -> URL {
        let writer = try TensorBoardWriter(folder: folder, wallTime: { self.wallTime }, hostname: "testhost")
        writer.addScalar(tag: "loss", value: 2.302585, step: 1)
        writer.addScalar(tag: "accuracy/train", value: 0.125, step: 1)
        writer.addScalar(tag: "loss", value: 0, step: 100)
        writer.addHistogram(tag: "Layer1/weights", values: [-1, 0, 0.5, 2, 2] as [Float], step: 100)
        writer.addScalar(tag: "negative step", value: -1.5, step: -1)
        try writer.close()
        return writer.fileURL
    }

    func testWrittenFileReadsBack() throws {
        let file = try writeSampleRun(to: try makeFolder())
        XCTAssertEqual(file.lastPathComponent, "events.out.tfevents.1700000000.testhost")
        let events = try EventFileReader.events(in: file)
        XCTAssertEqual(events.count, 6)
        XCTAssertEqual(events[0].fileVersion, "brain.Event:2")
        XCTAssertEqual(events[0].wallTime, wallTime)
        XCTAssertTrue(events.allSatisfy { $0.wallTime == wallTime })

        XCTAssertEqual(events[1].tag, "loss")
        XCTAssertEqual(events[1].step, 1)
        XCTAssertEqual(events[1].simpleValue, Float(2.302585))
        XCTAssertEqual(events[2].tag, "accuracy/train")
        XCTAssertEqual(events[2].simpleValue, 0.125)
        XCTAssertEqual(events[3].step, 100)
        XCTAssertEqual(events[3].simpleValue, 0, "a zero scalar is still written")
        XCTAssertEqual(events[5].tag, "negative step")
        XCTAssertEqual(events[5].step, -1)
        XCTAssertEqual(events[5].simpleValue, -1.5)

        let histogram = try XCTUnwrap(events[4].histogram)
        XCTAssertEqual(events[4].tag, "Layer1/weights")
        XCTAssertEqual(histogram[1]?.first?.double, -1)
        XCTAssertEqual(histogram[2]?.first?.double, 2)
        XCTAssertEqual(histogram[3]?.first?.double, 5)
        XCTAssertEqual(histogram[4]?.first?.double, 3.5)
        XCTAssertEqual(histogram[5]?.first?.double, 9.25)
        let expected = TensorBoardHistogram([-1, 0, 0.5, 2, 2] as [Float])
        XCTAssertEqual(histogram[6]?.first?.packedDoubles, expected.bucketLimits)
        XCTAssertEqual(histogram[7]?.first?.packedDoubles, expected.bucketCounts)
    }

    func testCapturedEventsReplayIntoAnotherFileAndDamagedOnesAreRefused() throws {
        let source = try TensorBoardWriter(folder: try makeFolder(), wallTime: { self.wallTime }, hostname: "a")
        source.addScalar(tag: "before", value: 1, step: 1)
        source.startCapture()
        source.addScalar(tag: "loss", value: 0.5, step: 10)
        source.addHistogram(tag: "logits", values: [1, 2, 3] as [Float], step: 10)
        let captured = source.endCapture()
        source.addScalar(tag: "after", value: 2, step: 11)
        XCTAssertEqual(source.endCapture(), [], "nothing is kept once capture ends")

        let folder = try makeFolder()
        let target = try TensorBoardWriter(folder: folder, wallTime: { self.wallTime + 60 }, hostname: "b")
        for index in [0, 5, 20, captured.count - 1] {
            var damaged = captured
            damaged[index] ^= 0x10
            XCTAssertThrowsError(try target.appendCaptured(damaged), "byte \(index) flipped")
        }
        XCTAssertThrowsError(try target.appendCaptured(Array(captured.dropLast(3))), "a cut-off frame")
        try target.appendCaptured(captured)
        try target.close()
        let events = try EventFileReader.events(in: target.fileURL)
        XCTAssertEqual(events.map(\.tag), [nil, "loss", "logits"], "only the whole captured frames, once")
        XCTAssertEqual(events[1].step, 10)
        XCTAssertEqual(events[1].simpleValue, 0.5)
        XCTAssertEqual(events[1].wallTime, wallTime, "replayed events keep the time they happened")
        XCTAssertNotNil(events[2].histogram)
    }

    func testSameCallsGiveSameBytes() throws {
        let first = try writeSampleRun(to: try makeFolder())
        let second = try writeSampleRun(to: try makeFolder())
        XCTAssertEqual(try Data(contentsOf: first), try Data(contentsOf: second))
    }

    func testHistogramFollowsTensorFlowBuckets() {
        let limits = TensorBoardHistogram.defaultBucketLimits
        XCTAssertEqual(limits.count, 2 * 775 + 1)
        XCTAssertEqual(limits[limits.count / 2], 0)
        XCTAssertEqual(limits[limits.count / 2 + 1], 1e-12)
        XCTAssertEqual(limits.last, .greatestFiniteMagnitude)
        XCTAssertEqual(limits.first, -.greatestFiniteMagnitude)
        XCTAssertEqual(limits, limits.sorted())

        let values: [Float] = [-1, 0, 0.5, 2, 2, .nan, .infinity, 1e30, -3e-13]
        let histogram = TensorBoardHistogram(values)
        XCTAssertEqual(histogram.count, 7, "NaN and infinity are left out")
        XCTAssertEqual(histogram.min, -1)
        XCTAssertEqual(histogram.max, Double(Float(1e30)))
        XCTAssertEqual(histogram.sum, -1 + 0 + 0.5 + 2 + 2 + Double(Float(1e30)) + Double(Float(-3e-13)))
        XCTAssertEqual(histogram.bucketCounts.reduce(0, +), 7)
        XCTAssertEqual(histogram.bucketLimits.count, histogram.bucketCounts.count)
        XCTAssertEqual(histogram.bucketLimits.last, .greatestFiniteMagnitude)

        // Each value counts in the bucket whose limit is the first above it.
        for value in values where value.isFinite {
            let limit = limits.first { $0 > Double(value) }!
            let index = histogram.bucketLimits.firstIndex(of: limit)
            XCTAssertNotNil(index, "\(value)")
            if let index { XCTAssertGreaterThan(histogram.bucketCounts[index], 0, "\(value)") }
        }
        XCTAssertEqual(histogram.bucketCounts[histogram.bucketLimits.firstIndex(of: 1e-12)!], 1, "0 is in [0, 1e-12)")
        XCTAssertEqual(histogram.bucketCounts[histogram.bucketLimits.firstIndex(of: limits.first { $0 > 2 }!)!], 2)
        // Runs of empty buckets are merged: never two empty buckets in a row.
        for (count, next) in zip(histogram.bucketCounts, histogram.bucketCounts.dropFirst()) {
            XCTAssertFalse(count == 0 && next == 0)
        }
    }

    func testEmptyHistogram() {
        let histogram = TensorBoardHistogram([Float]())
        XCTAssertEqual(histogram.count, 0)
        XCTAssertEqual(histogram.min, 0)
        XCTAssertEqual(histogram.max, 0)
        XCTAssertEqual(histogram.bucketLimits, [.greatestFiniteMagnitude])
        XCTAssertEqual(histogram.bucketCounts, [0])
    }

    func testHistogramOfABufferMatchesTheArray() {
        var generator = SeededGenerator(seed: 11)
        let values = (0..<1000).map { _ in Float(generator.nextNormal()) }
        let fromBuffer = values.withUnsafeBufferPointer { TensorBoardHistogram($0) }
        XCTAssertEqual(fromBuffer, TensorBoardHistogram(values))
        XCTAssertEqual(fromBuffer.count, 1000)
    }

    func testAdditionsAfterCloseAreReported() throws {
        let writer = try TensorBoardWriter(folder: try makeFolder(), wallTime: { self.wallTime }, hostname: "h")
        try writer.close()
        try writer.close()
        writer.addScalar(tag: "late", value: 1, step: 1)
        XCTAssertThrowsError(try writer.flush()) { error in
            XCTAssertEqual(error as? TensorBoardWriterError, .closed(writer.fileURL.path))
        }
        XCTAssertEqual(try EventFileReader.events(in: writer.fileURL).count, 1)
    }

    func testInvalidWallTimeThrows() throws {
        XCTAssertThrowsError(try TensorBoardWriter(folder: try makeFolder(), wallTime: { -5 })) { error in
            XCTAssertEqual(error as? TensorBoardWriterError, .invalidWallTime(-5))
        }
        XCTAssertThrowsError(try TensorBoardWriter(folder: try makeFolder(), wallTime: { .nan }))
    }
}
