/// CRC-32C (Castagnoli), the checksum TFRecord files use to frame TensorBoard events.
///
/// Bitwise-reflected, polynomial 0x1EDC6F41 (0x82F63B78 reversed), initial value and final XOR
/// 0xFFFFFFFF: `checksum("123456789") == 0xE3069283`.
public enum CRC32C {
    /// One entry per byte value: the CRC of that byte alone, without the initial and final XOR.
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked CRC: rotated right by 15 bits plus a constant, because a CRC of data that
    /// itself holds CRCs is weak.
    static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// The masked CRC-32C of `bytes`, as TFRecord frames store it.
    public static func maskedChecksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
        masked(checksum(bytes))
    }
}
