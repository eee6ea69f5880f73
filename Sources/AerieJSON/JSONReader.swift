// Aerie — the byte-level JSON reader behind JSONParser
// SPDX-License-Identifier: MIT
import AerieBase

/// A cursor over one document's bytes; every method leaves `pos` just past what it consumed.
struct JSONReader {
    /// The whole document.
    let bytes: UnsafeRawBufferPointer
    /// Dialect and limits.
    let options: JSONParser.Options
    /// The next byte to read.
    var pos = 0
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []

    init(bytes: UnsafeRawBufferPointer, options: JSONParser.Options) {
        self.bytes = bytes
        self.options = options
    }

    /// An open array or object on the explicit parse stack.
    private struct Frame {
        var isObject: Bool
        /// Where this container's elements start on the shared value stack.
        var valueStart: Int
        /// Where this object's keys start on the shared key stack.
        var keyStart: Int
    }

    // MARK: - Document

    /// Parses exactly one value surrounded by optional whitespace.
    mutating func parseDocument() throws(JSONError) -> JSON {
        guard bytes.count <= options.maxBytes else {
            throw JSONError(offset: options.maxBytes, reason: "document larger than \(options.maxBytes) bytes")
        }
        try skipWhitespace()
        let value = try parseValue()
        try skipWhitespace()
        // RFC 8259 §2: a JSON text is a single value; anything after it is an error.
        if pos < bytes.count { throw unexpected(at: pos) }
        return value
    }

    /// Parses the value starting at `pos` (whitespace already skipped), iteratively.
    mutating func parseValue() throws(JSONError) -> JSON {
        var frames: [Frame] = []
        var values: [JSON] = []
        var keys: [String] = []
        let count = bytes.count

        parse: while true {
            guard pos < count else { throw unexpected(at: pos) }
            var completed: JSON
            switch bytes[pos] {
            case UInt8(ascii: "\""):
                completed = .string(try parseString())
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[pos] == UInt8(ascii: "{")
                guard frames.count < options.maxDepth else {
                    throw JSONError(offset: pos, reason: "nesting deeper than \(options.maxDepth)")
                }
                pos += 1
                try skipWhitespace()
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if pos < count && bytes[pos] == close {
                    pos += 1
                    completed = isObject ? .object(JSONObject()) : .array([])
                } else {
                    frames.append(Frame(isObject: isObject, valueStart: values.count, keyStart: keys.count))
                    if isObject { keys.append(try parseMemberKey()) }
                    continue parse
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                completed = try parseNumber()
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                completed = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                completed = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                completed = .null
            default:
                throw unexpected(at: pos)
            }

            // Hand the finished value to its container, closing every container that ends here.
            while let frame = frames.last {
                values.append(completed)
                try skipWhitespace()
                guard pos < count else { throw unexpected(at: pos) }
                let close = frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let c = bytes[pos]
                if c == UInt8(ascii: ",") {
                    pos += 1
                    try skipWhitespace()
                    let trailing = options.allowsTrailingCommas && pos < count && bytes[pos] == close
                    if !trailing {
                        if frame.isObject { keys.append(try parseMemberKey()) }
                        continue parse
                    }
                } else if c != close {
                    throw unexpected(at: pos)
                }
                pos += 1
                frames.removeLast()
                let members = Self.popValues(&values, from: frame.valueStart)
                if frame.isObject {
                    completed = .object(JSONObject(keys: Self.popKeys(&keys, from: frame.keyStart), values: members))
                } else {
                    completed = .array(members)
                }
            }
            return completed
        }
    }

    /// Moves `stack[start...]` into a new array without retain/release traffic: the vacated
    /// slots are refilled with the payload-free `.null` before the stack shrinks.
    private static func popValues(_ stack: inout [JSON], from start: Int) -> [JSON] {
        let n = stack.count - start
        let moved = stack.withUnsafeMutableBufferPointer { source in
            [JSON](unsafeUninitializedCapacity: n) { target, initialized in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                to.moveInitialize(from: from + start, count: n)
                (from + start).initialize(repeating: .null, count: n)
                initialized = n
            }
        }
        stack.removeLast(n)
        return moved
    }

    /// Moves `stack[start...]` into a new array (see `popValues`); vacated slots become "".
    private static func popKeys(_ stack: inout [String], from start: Int) -> [String] {
        let n = stack.count - start
        let moved = stack.withUnsafeMutableBufferPointer { source in
            [String](unsafeUninitializedCapacity: n) { target, initialized in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                to.moveInitialize(from: from + start, count: n)
                (from + start).initialize(repeating: "", count: n)
                initialized = n
            }
        }
        stack.removeLast(n)
        return moved
    }

    /// Parses `"key"`, whitespace, `:` and whitespace, leaving `pos` at the member's value.
    mutating func parseMemberKey() throws(JSONError) -> String {
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw unexpected(at: pos) }
        let key = try parseString()
        try skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw unexpected(at: pos) }
        pos += 1
        try skipWhitespace()
        return key
    }

    // MARK: - Whitespace and comments

    /// Skips RFC 8259 §2 whitespace (SP, HT, LF, CR) and, when allowed, comments.
    @inline(__always)
    mutating func skipWhitespace() throws(JSONError) {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09:
                pos += 1
            case UInt8(ascii: "/") where options.allowsComments:
                try skipComment()
            default:
                return
            }
        }
    }

    /// Skips one `//` or `/* */` comment starting at `pos`.
    mutating func skipComment() throws(JSONError) {
        let start = pos
        guard pos + 1 < bytes.count else { throw unexpected(at: pos) }
        switch bytes[pos + 1] {
        case UInt8(ascii: "/"):
            pos += 2
            while pos < bytes.count && bytes[pos] != 0x0A { pos += 1 }
        case UInt8(ascii: "*"):
            pos += 2
            while true {
                guard pos + 1 < bytes.count else { throw JSONError(offset: start, reason: "unterminated comment") }
                if bytes[pos] == UInt8(ascii: "*") && bytes[pos + 1] == UInt8(ascii: "/") {
                    pos += 2
                    return
                }
                pos += 1
            }
        default:
            throw unexpected(at: pos)
        }
    }

    // MARK: - Literals

    /// Consumes `literal` (`true`, `false`, `null`) or reports the first byte that differs.
    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let n = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        for k in 0..<n {
            guard pos + k < bytes.count else { throw unexpected(at: bytes.count) }
            if bytes[pos + k] != expected[k] {
                throw JSONError(offset: pos + k, reason: "invalid literal, expected '\(literal)'")
            }
        }
        pos += n
    }

    // MARK: - Strings

    /// Parses a string starting at its opening quote (RFC 8259 §7).
    mutating func parseString() throws(JSONError) -> String {
        let open = pos
        let start = pos + 1
        let count = bytes.count
        var i = start
        while i < count {
            i = Self.skipPlainASCII(bytes, from: i)
            guard i < count else { break }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                pos = i + 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            } else if c == UInt8(ascii: "\\") {
                return try parseEscapedString(open: open, start: start, at: i)
            } else if c < 0x20 {
                throw Self.controlCharacter(c, at: i)
            } else if c < 0x80 {
                i += 1
            } else {
                // RFC 8259 §8.1: JSON exchanged between systems must be UTF-8; we refuse rather than repair.
                let n = UTF8Validation.sequenceLength(bytes, at: i)
                guard n > 0 else { throw JSONError(offset: i, reason: "invalid UTF-8") }
                i += n
            }
        }
        throw JSONError(offset: open, reason: "unterminated string")
    }

    /// Skips 8 bytes at a time while none is a quote, backslash, control character or non-ASCII;
    /// returns the first index that needs a closer look (or one with fewer than 8 bytes left).
    @inline(__always)
    static func skipPlainASCII(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var i = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= bytes.count {
            let x = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quote = x ^ (ones &* 0x22)
            let backslash = x ^ (ones &* 0x5C)
            // The classic "has a zero byte" / "has a byte less than n" tests (no false negatives).
            let hasQuote = (quote &- ones) & ~quote
            let hasBackslash = (backslash &- ones) & ~backslash
            let hasControl = (x &- ones &* 0x20) & ~x
            if (x | hasQuote | hasBackslash | hasControl) & high != 0 { break }
            i += 8
        }
        return i
    }

    /// The slow path for strings with escapes: decodes into `scratch`.
    mutating func parseEscapedString(open: Int, start: Int, at first: Int) throws(JSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        let count = bytes.count
        var runStart = start
        var i = first
        while i < count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                Self.append(bytes, runStart..<i, to: &scratch)
                pos = i + 1
                return String(decoding: scratch, as: UTF8.self)
            } else if c == UInt8(ascii: "\\") {
                Self.append(bytes, runStart..<i, to: &scratch)
                guard i + 1 < count else { break }
                switch bytes[i + 1] {
                case UInt8(ascii: "\""): scratch.append(0x22); i += 2
                case UInt8(ascii: "\\"): scratch.append(0x5C); i += 2
                case UInt8(ascii: "/"): scratch.append(0x2F); i += 2
                case UInt8(ascii: "b"): scratch.append(0x08); i += 2
                case UInt8(ascii: "f"): scratch.append(0x0C); i += 2
                case UInt8(ascii: "n"): scratch.append(0x0A); i += 2
                case UInt8(ascii: "r"): scratch.append(0x0D); i += 2
                case UInt8(ascii: "t"): scratch.append(0x09); i += 2
                case UInt8(ascii: "u"):
                    guard let unit = hex4(at: i + 2) else { throw JSONError(offset: i, reason: "invalid \\u escape") }
                    i += 6
                    var scalar = unit
                    if (0xD800...0xDBFF).contains(unit) {
                        // A high surrogate pairs only with an immediately following \u low surrogate;
                        // otherwise it becomes U+FFFD and the next escape is decoded on its own (as Go does).
                        if i + 1 < count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                            let low = hex4(at: i + 2), (0xDC00...0xDFFF).contains(low)
                        {
                            scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(unit) {
                        scalar = 0xFFFD
                    }
                    Self.appendUTF8(scalar, to: &scratch)
                default:
                    // RFC 8259 §7 lists the only eight single-character escapes.
                    throw JSONError(offset: i, reason: "invalid escape")
                }
                runStart = i
            } else if c < 0x20 {
                throw Self.controlCharacter(c, at: i)
            } else if c < 0x80 {
                i += 1
            } else {
                let n = UTF8Validation.sequenceLength(bytes, at: i)
                guard n > 0 else { throw JSONError(offset: i, reason: "invalid UTF-8") }
                i += n
            }
        }
        throw JSONError(offset: open, reason: "unterminated string")
    }

    /// Appends a byte range with one copy (`append(contentsOf:)` on a raw buffer goes byte by byte).
    @inline(__always)
    static func append(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, to out: inout [UInt8]) {
        guard !range.isEmpty, let base = bytes.baseAddress else { return }
        out.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + range.lowerBound, count: range.count))
    }

    /// The four hex digits at `i` as a UTF-16 code unit.
    @inline(__always)
    func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let h = ASCII.hexValue(bytes[i + k]) else { return nil }
            v = v << 4 | UInt32(h)
        }
        return v
    }

    /// Appends a scalar value (never a surrogate) as UTF-8.
    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80:
            out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | v >> 6))
            out.append(UInt8(0x80 | v & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | v >> 12))
            out.append(UInt8(0x80 | v >> 6 & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        default:
            out.append(UInt8(0xF0 | v >> 18))
            out.append(UInt8(0x80 | v >> 12 & 0x3F))
            out.append(UInt8(0x80 | v >> 6 & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        }
    }

    /// RFC 8259 §7: code points below U+0020 must be escaped inside strings.
    static func controlCharacter(_ c: UInt8, at i: Int) -> JSONError {
        JSONError(offset: i, reason: "control character \(hexByte(c)) in string")
    }

    // MARK: - Numbers

    /// Parses an RFC 8259 §6 number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func parseNumber() throws(JSONError) -> JSON {
        let start = pos
        let count = bytes.count
        var i = pos
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < count else { throw unexpected(at: i) }
        guard Self.isDigit(bytes[i]) else { throw JSONError(offset: i, reason: "invalid number") }

        var integer: Int64 = 0
        var overflowed = false
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            // RFC 8259 §6: "Leading zeros are not allowed."
            if i < count && Self.isDigit(bytes[i]) { throw JSONError(offset: start, reason: "leading zero in number") }
        } else {
            while i < count, Self.isDigit(bytes[i]) {
                if !overflowed {
                    let d = Int64(bytes[i] &- 0x30)
                    let (m, o1) = integer.multipliedReportingOverflow(by: 10)
                    // Accumulate negatives below zero so Int64.min is reachable.
                    let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
                    if o1 || o2 { overflowed = true } else { integer = s }
                }
                i += 1
            }
        }

        var isInteger = true
        if i < count && bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < count, Self.isDigit(bytes[i]) else { throw JSONError(offset: i, reason: "expected digit after '.'") }
            while i < count, Self.isDigit(bytes[i]) { i += 1 }
        }
        if i < count && (bytes[i] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            if i < count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < count, Self.isDigit(bytes[i]) else { throw JSONError(offset: i, reason: "expected digit in exponent") }
            while i < count, Self.isDigit(bytes[i]) { i += 1 }
        }
        pos = i
        if isInteger && !overflowed { return .int(integer) }
        let value = Self.double(UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
        // RFC 8259 §6 lets implementations limit range; like Go we refuse what would become infinity.
        guard value.isFinite else { throw JSONError(offset: start, reason: "number out of range") }
        return .double(value)
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    /// Exact powers of ten representable as `Double`.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Converts a validated number lexeme, correctly rounded.
    ///
    /// Clinger's fast path covers mantissas up to 2^53 with |exponent| <= 22, where one IEEE
    /// multiply or divide of two exact values is exact after rounding; the rest goes to the
    /// standard library's correctly rounded `strtod`.
    static func double(_ lexeme: UnsafeRawBufferPointer) -> Double {
        var i = 0
        let negative = lexeme[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var seenDot = false
        var exact = true
        while i < lexeme.count {
            let c = lexeme[i]
            if c == UInt8(ascii: ".") {
                seenDot = true
            } else if isDigit(c) {
                if mantissa == 0 && c == UInt8(ascii: "0") {
                    if seenDot { exponent -= 1 }
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(c &- 0x30)
                    digits += 1
                    if seenDot { exponent -= 1 }
                } else {
                    exact = false
                    break
                }
            } else {
                break
            }
            i += 1
        }
        if exact && i < lexeme.count && (lexeme[i] | 0x20) == UInt8(ascii: "e") {
            i += 1
            var sign = 1
            if lexeme[i] == UInt8(ascii: "-") { sign = -1; i += 1 } else if lexeme[i] == UInt8(ascii: "+") { i += 1 }
            var e = 0
            while i < lexeme.count, e < 100_000 {
                e = e * 10 + Int(lexeme[i] &- 0x30)
                i += 1
            }
            exponent += sign * e
        }
        if exact && mantissa == 0 { return negative ? -0.0 : 0.0 }
        if exact && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            let m = Double(mantissa)
            let v = exponent >= 0 ? m * powersOfTen[exponent] : m / powersOfTen[-exponent]
            return negative ? -v : v
        }
        return Double(String(decoding: lexeme, as: UTF8.self)) ?? .nan
    }

    // MARK: - Errors

    /// "unexpected character 'x'", "unexpected byte 0xNN" or "unexpected end of input".
    func unexpected(at i: Int) -> JSONError {
        guard i < bytes.count else { return JSONError(offset: bytes.count, reason: "unexpected end of input") }
        let c = bytes[i]
        if c >= 0x20 && c < 0x7F {
            return JSONError(offset: i, reason: "unexpected character '\(Character(Unicode.Scalar(c)))'")
        }
        return JSONError(offset: i, reason: "unexpected byte \(Self.hexByte(c))")
    }

    /// "0xNN".
    static func hexByte(_ c: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [0x30, 0x78, digits[Int(c >> 4)], digits[Int(c & 15)]], as: UTF8.self)
    }

    // MARK: - Paths

    /// Moves to the value at `path` in an already validated document and returns its offset.
    mutating func locate(_ path: [JSONPathComponent]) throws(JSONError) -> Int? {
        try skipWhitespace()
        for component in path {
            guard pos < bytes.count else { return nil }
            switch component {
            case .key(let wanted):
                guard bytes[pos] == UInt8(ascii: "{") else { return nil }
                pos += 1
                try skipWhitespace()
                var found: Int?
                while pos < bytes.count && bytes[pos] == UInt8(ascii: "\"") {
                    let key = try parseMemberKey()
                    if key == wanted { found = pos }  // keep scanning: the last duplicate wins
                    _ = try parseValue()
                    try skipWhitespace()
                    guard pos < bytes.count, bytes[pos] == UInt8(ascii: ",") else { break }
                    pos += 1
                    try skipWhitespace()
                }
                guard let found else { return nil }
                pos = found
            case .index(let wanted):
                guard wanted >= 0, bytes[pos] == UInt8(ascii: "[") else { return nil }
                pos += 1
                try skipWhitespace()
                for _ in 0..<wanted {
                    guard pos < bytes.count, bytes[pos] != UInt8(ascii: "]") else { return nil }
                    _ = try parseValue()
                    try skipWhitespace()
                    guard pos < bytes.count, bytes[pos] == UInt8(ascii: ",") else { return nil }
                    pos += 1
                    try skipWhitespace()
                }
                guard pos < bytes.count, bytes[pos] != UInt8(ascii: "]") else { return nil }
            }
        }
        return pos
    }
}
