/// TFRecord framing, as TensorBoard's event files use it: each record is a little-endian UInt64
/// length, the masked CRC-32C of those eight bytes, the data, and the masked CRC-32C of the data.
public enum TFRecordFrames {
    /// The data of every record in `bytes`, in order, or nil unless `bytes` is whole frames with
    /// intact checksums.
    public static func records(_ bytes: [UInt8]) -> [ArraySlice<UInt8>]? {
        var records: [ArraySlice<UInt8>] = []
        var offset = 0
        while offset < bytes.count {
            // The shortest frame: length, its checksum, no data, the data's checksum.
            guard bytes.count - offset >= 16 else { return nil }
            let lengthBytes = bytes[offset..<(offset + 8)]
            let length = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            guard word(bytes, at: offset + 8) == CRC32C.maskedChecksum(lengthBytes),
                  length <= UInt64(bytes.count - offset - 16) else { return nil }
            let data = bytes[(offset + 12)..<(offset + 12 + Int(length))]
            guard word(bytes, at: data.endIndex) == CRC32C.maskedChecksum(data) else { return nil }
            records.append(data)
            offset = data.endIndex + 4
        }
        return records
    }

    private static func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
    }
}
