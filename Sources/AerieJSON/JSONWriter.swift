// Aerie — a streaming writer of compact JSON
// SPDX-License-Identifier: MIT

/// Appends compact JSON to a byte array, inserting commas and colons itself.
///
/// The caller is responsible for well-formedness (a `key` before each object member, matching
/// `end` calls); the writer only tracks whether the next value needs a separating comma.
/// Strings are escaped as Go's `encoding/json` does by default (HTML-safe), and doubles are
/// formatted like its `float64` encoder, so responses match PocketBase byte for byte.
///
/// ```swift
/// var w = JSONWriter()
/// w.beginObject(); w.key("page"); w.int(1); w.key("items"); w.beginArray(); w.endArray(); w.endObject()
/// // w.bytes == Array(#"{"page":1,"items":[]}"#.utf8)
/// ```
public struct JSONWriter {
    /// The JSON written so far.
    public var bytes: [UInt8]
    /// Whether a value has been written at the current level, so the next one needs a comma.
    @usableFromInline var needsComma = false

    /// Creates an empty writer with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Clears the content and state, keeping the allocated capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    @inlinable
    mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    // MARK: - Containers

    /// Writes `{`.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Writes `}`.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Writes `[`.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Writes `]`.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes an object member's key and colon; the member's value must follow.
    public mutating func key(_ key: String) {
        separate()
        appendEscaped(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: - Scalars

    /// Writes an escaped string.
    public mutating func string(_ value: String) {
        separate()
        appendEscaped(value)
        needsComma = true
    }

    /// Writes a string from raw UTF-8; each byte of an ill-formed sequence becomes `\ufffd`.
    public mutating func string(utf8 bytes: UnsafeRawBufferPointer) {
        separate()
        appendEscaped(bytes, isValidUTF8: false)
        needsComma = true
    }

    /// Writes an integer.
    public mutating func int(_ value: Int64) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        var m = value.magnitude
        repeat {
            bytes.append(UInt8(truncatingIfNeeded: m % 10) &+ 0x30)
            m /= 10
        } while m > 0
        bytes[start...].reverse()
        needsComma = true
    }

    /// Writes a double formatted like Go's `encoding/json`; NaN and infinities become `null`.
    public mutating func double(_ value: Double) {
        separate()
        if value.isFinite {
            GoFloatFormat.append(value, to: &bytes)
        } else {
            appendNull()
        }
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        separate()
        if value {
            appendASCII("true")
        } else {
            appendASCII("false")
        }
        needsComma = true
    }

    /// Writes `null`.
    public mutating func null() {
        separate()
        appendNull()
        needsComma = true
    }

    private mutating func appendNull() {
        appendASCII("null")
    }

    /// Writes a whole `JSON` value; object members keep their order.
    public mutating func value(_ value: JSON) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let object):
            beginObject()
            for (k, v) in object {
                key(k)
                self.value(v)
            }
            endObject()
        }
    }

    /// Inserts trusted, already valid JSON text verbatim as one value (or the start of one,
    /// continued with `appendRaw`).
    @inlinable
    public mutating func rawJSON(_ json: some Collection<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Writes an object key prepared once with `JSONWriter.encodedKey(_:)` (escaped, quoted,
    /// with its colon), for serializers that write the same keys for every row.
    @inlinable
    public mutating func rawKey(_ encoded: some Collection<UInt8>) {
        separate()
        bytes.append(contentsOf: encoded)
        needsComma = false
    }

    /// Inserts trusted, already valid object members (`"a":1,"b":2`) verbatim.
    @inlinable
    public mutating func rawMembers(_ members: some Collection<UInt8>) {
        separate()
        bytes.append(contentsOf: members)
        needsComma = true
    }

    /// Appends trusted bytes with no separator and no change to the comma state: for continuing
    /// a value written with `rawJSON` (e.g. closing an object left open).
    @inlinable
    public mutating func appendRaw(_ raw: some Collection<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// Forgets that a value was written at the current level, so the next value gets no
    /// comma: for writing several independent values into one scratch buffer.
    public mutating func resetSeparator() {
        needsComma = false
    }

    /// `"key":` escaped, for `rawKey(_:)`.
    public static func encodedKey(_ key: String) -> [UInt8] {
        var w = JSONWriter(capacity: key.utf8.count + 3)
        w.key(key)
        return w.bytes
    }

    // MARK: - Escaping

    /// What to do with each byte: 0 copy, 0xFF non-ASCII, otherwise the letter after the backslash
    /// (`u` meaning `\u00XX`). `<`, `>` and `&` are escaped like Go's HTML-safe default so JSON can
    /// be embedded in HTML without breaking out of a script element.
    private static let escapes: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for c in 0..<0x20 { table[c] = UInt8(ascii: "u") }
        table[0x08] = UInt8(ascii: "b")
        table[0x09] = UInt8(ascii: "t")
        table[0x0A] = UInt8(ascii: "n")
        table[0x0C] = UInt8(ascii: "f")
        table[0x0D] = UInt8(ascii: "r")
        table[0x22] = UInt8(ascii: "\"")
        table[0x5C] = UInt8(ascii: "\\")
        for c in [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&")] { table[Int(c)] = UInt8(ascii: "u") }
        for c in 0x80..<0x100 { table[c] = 0xFF }
        return table
    }()

    /// Skips 8 bytes at a time while every byte is printable ASCII other than `"`, `\`, `<`, `>`
    /// and `&`; returns the first index that needs the table (or one with fewer than 8 bytes left).
    @inline(__always)
    private static func skipPlain(_ s: UnsafeRawBufferPointer, from start: Int) -> Int {
        var i = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasByte(_ x: UInt64, _ c: UInt64) -> UInt64 {
            let y = x ^ (ones &* c)
            return (y &- ones) & ~y
        }
        while i + 8 <= s.count {
            let x = s.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let special = hasByte(x, 0x22) | hasByte(x, 0x5C) | hasByte(x, 0x3C) | hasByte(x, 0x3E) | hasByte(x, 0x26)
            let control = (x &- ones &* 0x20) & ~x
            if (x | special | control) & high != 0 { break }
            i += 8
        }
        return i
    }

    @inline(__always)
    private mutating func appendASCII(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func appendEscaped(_ string: String) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { utf8 in
            appendEscaped(UnsafeRawBufferPointer(utf8), isValidUTF8: true)
        }
        if done == nil {
            let copy = Array(string.utf8)
            copy.withUnsafeBytes { appendEscaped($0, isValidUTF8: true) }
        }
    }

    private mutating func appendEscaped(_ s: UnsafeRawBufferPointer, isValidUTF8: Bool) {
        // Grow geometrically: reserving the exact size on every string would copy the whole
        // buffer each time it is exceeded.
        let needed = bytes.count + s.count + 2
        if needed > bytes.capacity { bytes.reserveCapacity(Swift.max(needed, bytes.capacity * 2)) }
        bytes.append(UInt8(ascii: "\""))
        let hex: StaticString = "0123456789abcdef"
        let n = s.count
        var runStart = 0
        var i = 0
        Self.escapes.withUnsafeBufferPointer { table in
            while i < n {
                i = Self.skipPlain(s, from: i)
                guard i < n else { break }
                let c = s[i]
                let e = table[Int(c)]
                if e == 0 {
                    i += 1
                    continue
                }
                if e == 0xFF {
                    var length: Int
                    if isValidUTF8 {
                        length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
                    } else {
                        length = UTF8Validation.sequenceLength(s, at: i)
                        if length == 0 {
                            JSONReader.append(s, runStart..<i, to: &bytes)
                            appendASCII("\\ufffd")
                            i += 1
                            runStart = i
                            continue
                        }
                    }
                    // U+2028 and U+2029 are valid in JSON but end lines in JavaScript (as Go escapes them).
                    if c == 0xE2 && length == 3 && s[i + 1] == 0x80 && s[i + 2] & 0xFE == 0xA8 {
                        JSONReader.append(s, runStart..<i, to: &bytes)
                        appendASCII(s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                        i += 3
                        runStart = i
                        continue
                    }
                    i += length
                    continue
                }
                JSONReader.append(s, runStart..<i, to: &bytes)
                bytes.append(0x5C)
                if e == UInt8(ascii: "u") {
                    let digits = hex.utf8Start
                    appendASCII("u00")
                    bytes.append(digits[Int(c >> 4)])
                    bytes.append(digits[Int(c & 15)])
                } else {
                    bytes.append(e)
                }
                i += 1
                runStart = i
            }
        }
        JSONReader.append(s, runStart..<n, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }
}
