// Aerie — ASCII helpers for byte-level parsing
// SPDX-License-Identifier: MIT

/// Byte-level ASCII helpers shared by the HTTP and JSON parsers.
public enum ASCII {
    /// The value of a hexadecimal digit, or `nil`.
    @inlinable
    public static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Lower-cases one ASCII letter; other bytes pass through.
    @inlinable
    public static func lower(_ c: UInt8) -> UInt8 {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) ? c | 0x20 : c
    }

    /// Case-insensitive ASCII comparison of two byte sequences.
    @inlinable
    public static func equalsIgnoringCase(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where lower(x) != lower(y) { return false }
        return true
    }

    /// Case-insensitive ASCII comparison of two strings.
    @inlinable
    public static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        equalsIgnoringCase(a.utf8, b.utf8)
    }

    /// Lower-cases the ASCII letters of a string, leaving other characters alone.
    public static func lowercased(_ s: String) -> String {
        String(decoding: s.utf8.map(lower), as: UTF8.self)
    }
}

extension StringProtocol {
    /// The text without leading and trailing ASCII characters from `set` (default: space, tab,
    /// CR, LF). Works on UTF-8 bytes, as protocol text (headers, media types, lists) is defined.
    public func trimmingASCII(_ set: StaticString = " \t\r\n") -> String {
        let strip = set.withUTF8Buffer { Array($0) }
        let bytes = Array(utf8)
        var start = 0, end = bytes.count
        while start < end && strip.contains(bytes[start]) { start += 1 }
        while end > start && strip.contains(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
