// Aerie — CRC-32 (IEEE), used for PocketBase-compatible collection and field ids
// SPDX-License-Identifier: MIT

/// CRC-32 with the IEEE polynomial, as Go's `crc32.ChecksumIEEE`.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xff)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// The checksum of a string's UTF-8 bytes.
    public static func checksum(_ text: String) -> UInt32 { checksum(text.utf8) }
}
