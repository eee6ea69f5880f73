// Aerie — tokenizer for the filter language, walking UTF-8 bytes (spec §5.1)
// SPDX-License-Identifier: MIT

/// One token; `start..<end` is its byte range in the filter text.
struct FilterToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// A plain identifier; `isCall` when `(` follows immediately (a function call).
        case identifier(String, isCall: Bool)
        case number(Double, text: String)
        case text(String)
        case op(FilterOperator)
        case and
        case or
        case openParen
        case closeParen
        case comma
        case end
    }

    var kind: Kind
    var start: Int
    var end: Int
}

/// Splits filter text into tokens, skipping whitespace and `//` comments.
///
/// The lexer never allocates per byte: it keeps an index into the UTF-8 array and only builds
/// `String`s for identifier, number and text tokens.
struct FilterLexer {
    let bytes: [UInt8]
    private(set) var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The line/column of a byte offset (columns count Unicode scalars, so multibyte text stays aligned).
    func position(at offset: Int) -> SourcePosition {
        var line = 1
        var column = 1
        var i = 0
        let stop = min(offset, bytes.count)
        while i < stop {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return SourcePosition(line: line, column: column, offset: offset)
    }

    func error(_ message: String, at offset: Int) -> FilterError {
        FilterError(message, at: position(at: offset))
    }

    // MARK: - Character classes (ASCII only; any other byte is unexpected outside text)

    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
    static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
    static func isIdentifierStart(_ b: UInt8) -> Bool {
        isLetter(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "@") || b == UInt8(ascii: "#")
    }
    static func isIdentifierContinue(_ b: UInt8) -> Bool {
        isLetter(b) || isDigit(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
    }
    static func isWhitespace(_ b: UInt8) -> Bool {
        // Spec §5.1 lists space, tab and newline; a carriage return is accepted too so CRLF text works.
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }
    static func isSign(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "=") || b == UInt8(ascii: "!") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">")
            || b == UInt8(ascii: "~") || b == UInt8(ascii: "?")
    }

    // MARK: - Scanning

    /// Skips whitespace and comments; returns whether anything but those remains.
    mutating func skipTrivia() {
        while index < bytes.count {
            let b = bytes[index]
            if Self.isWhitespace(b) {
                index += 1
            } else if b == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            } else {
                return
            }
        }
    }

    /// Reads the next token.
    mutating func next() throws(FilterError) -> FilterToken {
        skipTrivia()
        let start = index
        guard index < bytes.count else { return FilterToken(kind: .end, start: start, end: start) }
        let b = bytes[index]
        switch b {
        case UInt8(ascii: "("):
            index += 1
            return FilterToken(kind: .openParen, start: start, end: index)
        case UInt8(ascii: ")"):
            index += 1
            return FilterToken(kind: .closeParen, start: start, end: index)
        case UInt8(ascii: ","):
            index += 1
            return FilterToken(kind: .comma, start: start, end: index)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return try scanText()
        case UInt8(ascii: "&"), UInt8(ascii: "|"):
            while index < bytes.count, bytes[index] == UInt8(ascii: "&") || bytes[index] == UInt8(ascii: "|") { index += 1 }
            let run = bytes[start..<index]
            if run.elementsEqual("&&".utf8) { return FilterToken(kind: .and, start: start, end: index) }
            if run.elementsEqual("||".utf8) { return FilterToken(kind: .or, start: start, end: index) }
            throw error("unknown operator \(Self.quoted(run))", at: start)
        default:
            break
        }
        if Self.isSign(b) {
            while index < bytes.count, Self.isSign(bytes[index]) { index += 1 }
            let run = bytes[start..<index]
            guard let op = FilterOperator(rawValue: String(decoding: run, as: UTF8.self)) else {
                throw error("unknown operator \(Self.quoted(run))", at: start)
            }
            return FilterToken(kind: .op(op), start: start, end: index)
        }
        if Self.isDigit(b) || (b == UInt8(ascii: "-") && index + 1 < bytes.count && Self.isDigit(bytes[index + 1])) {
            return try scanNumber()
        }
        if Self.isIdentifierStart(b) {
            return try scanIdentifier()
        }
        throw error("unexpected character \(Self.describeCharacter(at: index, in: bytes))", at: start)
    }

    /// `[A-Za-z_@#][A-Za-z0-9_.:]*`, not ending in `.` or `:`, not just `@`, `_` or `#` (spec §5.1).
    private mutating func scanIdentifier() throws(FilterError) -> FilterToken {
        let start = index
        index += 1
        while index < bytes.count, Self.isIdentifierContinue(bytes[index]) { index += 1 }
        let run = bytes[start..<index]
        let last = bytes[index - 1]
        if last == UInt8(ascii: ".") || last == UInt8(ascii: ":") || (run.count == 1 && !Self.isLetter(last)) {
            throw error("invalid identifier \(Self.quoted(run))", at: start)
        }
        let isCall = index < bytes.count && bytes[index] == UInt8(ascii: "(")
        return FilterToken(kind: .identifier(String(decoding: run, as: UTF8.self), isCall: isCall), start: start, end: index)
    }

    /// `-? digits (. digits)?`; no exponent and no bare dot (spec §5.1), finite as a Double.
    private mutating func scanNumber() throws(FilterError) -> FilterToken {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        var valid = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            if index == fractionStart { valid = false }
        }
        // `12abc`, `1e400`, `1.2.3`: one malformed number rather than two surprising tokens.
        while index < bytes.count, Self.isIdentifierContinue(bytes[index]) {
            valid = false
            index += 1
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard valid, let value = Double(text) else {
            throw error("invalid number \(Self.quoted(bytes[start..<index]))", at: start)
        }
        guard value.isFinite else {
            throw error("number out of range \(Self.quoted(bytes[start..<index]))", at: start)
        }
        return FilterToken(kind: .number(value, text: text), start: start, end: index)
    }

    /// `'…'` or `"…"`: ends at the first matching quote not preceded by a backslash; `\'` inside
    /// `'…'` (or `\"` inside `"…"`) is the quote itself, every other backslash stays as written
    /// (fexpr's rule, spec §5.1).
    private mutating func scanText() throws(FilterError) -> FilterToken {
        let start = index
        let quote = bytes[index]
        index += 1
        var out: [UInt8] = []
        var previous: UInt8 = 0
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            if b == quote {
                if previous == UInt8(ascii: "\\") {
                    out[out.count - 1] = quote
                    previous = quote
                    continue
                }
                return FilterToken(kind: .text(String(decoding: out, as: UTF8.self)), start: start, end: index)
            }
            out.append(b)
            previous = b
        }
        throw error("unterminated string", at: start)
    }

    // MARK: - Message helpers

    /// A short, quoted rendering of user text for an error message (at most 32 scalars).
    static func quoted(_ run: some Collection<UInt8>) -> String {
        var text = String(decoding: run, as: UTF8.self)
        if text.unicodeScalars.count > 32 {
            text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(32))) + "…"
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else if scalar == "\"" || scalar == "\\" {
                out += "\\" + String(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `'x'` for the scalar starting at `offset` (control characters escaped).
    static func describeCharacter(at offset: Int, in bytes: [UInt8]) -> String {
        let lead = bytes[offset]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        let scalar = String(decoding: bytes[offset..<min(offset + length, bytes.count)], as: UTF8.self)
        if lead < 0x20 || lead == 0x7F { return "'\\u{\(String(lead, radix: 16))}'" }
        return "'\(scalar)'"
    }
}
