import Datasets
import FileFormats
import Foundation
import NeuralNet

/// The events of a TensorBoard event file without their wall-clock times, for comparing what two
/// runs recorded: every event LabBook writes starts with its wall time (field 1, a double), which is
/// left out; the file-version header, whose wall time is the file's start, is skipped.
enum EventFileRecords {
    /// The events after the header, or nil if the file is not whole TFRecord frames with intact checksums.
    static func read(_ url: URL) -> [[UInt8]]? {
        guard let bytes = try? readFile(url.path) else { return nil }
        var events: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 16 else { return nil }
            let lengthBytes = Array(bytes[offset..<(offset + 8)])
            let length = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            guard length <= UInt64(bytes.count - offset - 16) else { return nil }
            let data = Array(bytes[(offset + 12)..<(offset + 12 + Int(length))])
            let dataCRC = bytes[(offset + 12 + Int(length))..<(offset + 16 + Int(length))].withUnsafeBytes {
                UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))
            }
            guard dataCRC == CRC32C.maskedChecksum(data) else { return nil }
            // Field 1 (wall_time), wire type 1 (64 bits): the key byte 0x09 and eight bytes.
            events.append(data.first == 0x09 && data.count >= 9 ? Array(data[9...]) : data)
            offset += 16 + Int(length)
        }
        return Array(events.dropFirst())
    }
}
