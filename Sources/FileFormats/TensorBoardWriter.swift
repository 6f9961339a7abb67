import Foundation
import NeuralNet

/// Writes scalars and histograms to a TensorBoard event file, so `tensorboard --logdir` shows a LabBook
/// run's curves as it would show the tutorial's TensorFlow run.
///
/// The file is `events.out.tfevents.<unix seconds>.<hostname>` in `folder`, written as TensorFlow writes
/// it: TFRecord frames (little-endian UInt64 length, masked CRC-32C of the length, the data, masked
/// CRC-32C of the data), each holding one `Event` protocol buffer (tensorflow/core/util/event.proto).
/// The first event carries `file_version` "brain.Event:2"; each later one carries one summary value.
/// The protocol buffers are encoded by hand, as the few fields needed are fixed and well specified.
///
/// Given the same calls and the same `wallTime` answers, the bytes are the same. Events are buffered
/// and written by `flush()`, `close()`, or once a megabyte is pending; a write error from the last case
/// is thrown by the next `flush()` or `close()`, so additions themselves never fail.
public final class TensorBoardWriter {
    /// The event file being written.
    public let fileURL: URL

    private let wallTime: () -> Double
    private var handle: FileHandle?
    private var pending: [UInt8] = []
    private var deferredError: (any Error)?
    /// Framed records added since `startCapture()`, while capturing.
    private var captured: [UInt8]?

    /// Bytes of pending events that trigger a write without waiting for `flush()`.
    private static let flushThreshold = 1 << 20

    /// Creates `folder` if needed and starts a new event file in it (replacing a file of the same name,
    /// which only a writer started in the same second on the same host could have made).
    ///
    /// - `wallTime`: seconds since 1970 for each event; tests pass a constant for reproducible bytes.
    /// - `hostname`: the file name's last part, as TensorFlow names it; `/` becomes `_`.
    public init(
        folder: URL, wallTime: @escaping () -> Double = { Date().timeIntervalSince1970 },
        hostname: String = ProcessInfo.processInfo.hostName
    ) throws {
        let startTime = wallTime()
        guard startTime.isFinite, startTime >= 0, startTime < 1e16 else {
            throw TensorBoardWriterError.invalidWallTime(startTime)
        }
        let seconds = String(Int(startTime))
        let name = "events.out.tfevents." + String(repeating: "0", count: max(0, 10 - seconds.count)) + seconds
            + "." + hostname.replacingOccurrences(of: "/", with: "_")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        fileURL = folder.appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: fileURL.path, contents: nil) else {
            throw TensorBoardWriterError.cannotCreate(fileURL.path)
        }
        handle = try FileHandle(forWritingTo: fileURL)
        self.wallTime = wallTime

        var event = ProtobufMessage()
        event.double(field: 1, startTime)
        event.int64(field: 2, 0)
        event.bytes(field: 3, Array("brain.Event:2".utf8))
        appendRecord(event.bytes)
        try flush()
    }

    deinit {
        try? close()
    }

    /// Adds scalar `value` (stored as a 32-bit float, TensorBoard's `simple_value`) under `tag`.
    public func addScalar(tag: String, value: Double, step: Int) {
        var summaryValue = ProtobufMessage()
        summaryValue.bytes(field: 1, Array(tag.utf8))
        summaryValue.float(field: 2, Float(value))
        appendSummary(value: summaryValue, step: step)
    }

    /// Adds a histogram of `values` under `tag`, bucketed as TensorFlow's `tf.summary.histogram` does
    /// (see `TensorBoardHistogram`).
    public func addHistogram(tag: String, values: some Sequence<Float>, step: Int) {
        addHistogram(tag: tag, histogram: TensorBoardHistogram(values), step: step)
    }

    /// Adds an already computed histogram under `tag`.
    public func addHistogram(tag: String, histogram: TensorBoardHistogram, step: Int) {
        var histo = ProtobufMessage()
        histo.double(field: 1, histogram.min)
        histo.double(field: 2, histogram.max)
        histo.double(field: 3, histogram.count)
        histo.double(field: 4, histogram.sum)
        histo.double(field: 5, histogram.sumOfSquares)
        histo.packedDoubles(field: 6, histogram.bucketLimits)
        histo.packedDoubles(field: 7, histogram.bucketCounts)
        var summaryValue = ProtobufMessage()
        summaryValue.bytes(field: 1, Array(tag.utf8))
        summaryValue.bytes(field: 5, histo.bytes)
        appendSummary(value: summaryValue, step: step)
    }

    /// Writes every pending event to the file (to the operating system, not to the disk).
    public func flush() throws {
        if let deferredError {
            self.deferredError = nil
            throw deferredError
        }
        guard let handle else {
            if pending.isEmpty { return }
            throw TensorBoardWriterError.closed(fileURL.path)
        }
        guard !pending.isEmpty else { return }
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file; later additions are dropped and reported by `flush()`. Closing twice
    /// is harmless.
    public func close() throws {
        guard let handle else { return }
        let flushed = Result { try flush() }
        self.handle = nil
        try handle.close()
        try flushed.get()
    }

    private func appendSummary(value: ProtobufMessage, step: Int) {
        var summary = ProtobufMessage()
        summary.bytes(field: 1, value.bytes)
        appendEvent(step: step) { $0.bytes(field: 5, summary.bytes) }
    }

    /// The clock every event's wall time is read from.
    func currentWallTime() -> Double {
        wallTime()
    }

    /// Appends an event at `step` whose content `fill` adds after the wall time (`time`, else the
    /// clock's) and step.
    func appendEvent(step: Int, time: Double? = nil, _ fill: (inout ProtobufMessage) -> Void) {
        var event = ProtobufMessage()
        event.double(field: 1, time ?? wallTime())
        event.int64(field: 2, Int64(step))
        fill(&event)
        appendRecord(event.bytes)
        if pending.count >= Self.flushThreshold, deferredError == nil {
            do { try flush() } catch { deferredError = error }
        }
    }

    /// Starts keeping a copy of every record added from now on, until `endCapture()`: the events
    /// one part of a run wrote, which `appendCaptured` can write again into another run's file.
    public func startCapture() {
        captured = []
    }

    /// The framed records added since `startCapture()`, and stops keeping them.
    public func endCapture() -> [UInt8] {
        defer { captured = nil }
        return captured ?? []
    }

    /// Appends records that `endCapture()` returned, as they were (wall times included: they say
    /// when the events happened). Throws, appending nothing, unless `records` is whole TFRecord
    /// frames with intact checksums.
    public func appendCaptured(_ records: [UInt8]) throws {
        guard TFRecordFrames.records(records) != nil else { throw TensorBoardWriterError.damagedRecords }
        guard handle != nil else { throw TensorBoardWriterError.closed(fileURL.path) }
        pending += records
        captured? += records
    }

    /// Frames `data` as one TFRecord and queues it.
    private func appendRecord(_ data: [UInt8]) {
        guard handle != nil else {
            deferredError = deferredError ?? TensorBoardWriterError.closed(fileURL.path)
            return
        }
        var length: [UInt8] = []
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { length += $0 }
        var record = length
        withUnsafeBytes(of: CRC32C.maskedChecksum(length).littleEndian) { record += $0 }
        record += data
        withUnsafeBytes(of: CRC32C.maskedChecksum(data).littleEndian) { record += $0 }
        pending += record
        captured? += record
    }
}

/// Why an event file could not be written.
public enum TensorBoardWriterError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidWallTime(Double)
    case cannotCreate(String)
    case closed(String)
    /// Captured records to append were not whole TFRecord frames with intact checksums.
    case damagedRecords

    public var description: String {
        switch self {
        case .invalidWallTime(let time): "wall time \(time) is not a time since 1970 in seconds"
        case .cannotCreate(let path): "cannot create TensorBoard event file \(path)"
        case .closed(let path): "TensorBoard event file \(path) was written to after it was closed"
        case .damagedRecords: "the TensorBoard events to append are damaged"
        }
    }
}

/// A histogram as TensorFlow's `tf.summary.histogram` makes it (`HistogramProto`), with TensorFlow's
/// default buckets: limits at 0 and ±1e-12 · 1.1ᵏ up to 1e20, then ±Double.greatestFiniteMagnitude, so
/// bucket widths stay about 10% of the values they hold whatever the scale. A value `x` counts in the
/// first bucket whose limit exceeds it. Runs of empty buckets are merged into their last one, as
/// TensorFlow's encoder does, so a histogram of a few thousand weights is a few hundred numbers.
///
/// NaN and infinite values are left out (TensorFlow refuses them outright); with no finite values the
/// histogram is empty: count 0, min and max 0, and one empty bucket.
public struct TensorBoardHistogram: Sendable, Equatable {
    public var min: Double
    public var max: Double
    /// The number of values, as a Double like the protocol buffer's `num`.
    public var count: Double
    public var sum: Double
    public var sumOfSquares: Double
    /// Each bucket's upper limit (exclusive); bucket `i` holds values from limit `i-1` up to limit `i`.
    public var bucketLimits: [Double]
    public var bucketCounts: [Double]

    /// TensorFlow's default bucket limits (`InitDefaultBuckets` in tensorflow/core/lib/histogram).
    public static let defaultBucketLimits: [Double] = {
        var positive: [Double] = []
        var value = 1.0e-12
        while value < 1.0e20 {
            positive.append(value)
            value *= 1.1
        }
        positive.append(Double.greatestFiniteMagnitude)
        return positive.reversed().map { -$0 } + [0] + positive
    }()

    public init(_ values: some Sequence<Float>) {
        let limits = Self.defaultBucketLimits
        var counts = [Double](repeating: 0, count: limits.count)
        var (minimum, maximum) = (Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude)
        var (count, sum, sumOfSquares) = (0.0, 0.0, 0.0)
        for value in values where value.isFinite {
            let x = Double(value)
            // The first limit greater than x (C++'s upper_bound); x < Double.greatestFiniteMagnitude always.
            var (low, high) = (0, limits.count - 1)
            while low < high {
                let middle = (low + high) / 2
                if limits[middle] > x { high = middle } else { low = middle + 1 }
            }
            counts[low] += 1
            minimum = Swift.min(minimum, x)
            maximum = Swift.max(maximum, x)
            count += 1
            sum += x
            sumOfSquares += x * x
        }
        if count == 0 { (minimum, maximum) = (0, 0) }

        var bucketLimits: [Double] = []
        var bucketCounts: [Double] = []
        var index = 0
        while index < counts.count {
            var limit = limits[index]
            let bucketCount = counts[index]
            index += 1
            if bucketCount == 0 {
                while index < counts.count && counts[index] == 0 {
                    limit = limits[index]
                    index += 1
                }
            }
            bucketLimits.append(limit)
            bucketCounts.append(bucketCount)
        }
        self.min = minimum
        self.max = maximum
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
        self.bucketLimits = bucketLimits
        self.bucketCounts = bucketCounts
    }
}

/// A protocol buffer message under construction: the few wire types event files need.
struct ProtobufMessage {
    var bytes: [UInt8] = []

    private enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    private mutating func key(_ field: UInt64, _ type: WireType) {
        varint(field << 3 | type.rawValue)
    }

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// An `int64` field (negative values take ten bytes, as protobuf specifies).
    mutating func int64(field: UInt64, _ value: Int64) {
        key(field, .varint)
        varint(UInt64(bitPattern: value))
    }

    mutating func double(field: UInt64, _ value: Double) {
        key(field, .fixed64)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }

    mutating func float(field: UInt64, _ value: Float) {
        key(field, .fixed32)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }

    /// A string, bytes or embedded message field.
    mutating func bytes(field: UInt64, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes += value
    }

    /// A packed `repeated double` field.
    mutating func packedDoubles(field: UInt64, _ values: [Double]) {
        key(field, .lengthDelimited)
        varint(UInt64(values.count * 8))
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
    }
}
