// Aerie — `type; name=value` header values for multipart (RFC 2045 §5.1, RFC 2231, RFC 5987)
// SPDX-License-Identifier: MIT
import AerieBase

/// A parsed `Content-Type` or `Content-Disposition` value: a lower-cased type and its parameters.
///
/// Follows Go's `mime.ParseMediaType`, which PocketBase relies on: parameter names are
/// case-insensitive, values are tokens or quoted-strings, a backslash escapes only a tspecial
/// (so unescaped Windows paths from old browsers survive), a trailing `;` is tolerated, duplicate
/// parameters make the whole value invalid, and an RFC 5987 extended value (`filename*=UTF-8''…`)
/// wins over the plain one. RFC 2231 continuations (`name*0=`) are ignored.
struct HeaderParameters {
    /// The type, lower-cased (`form-data`, `multipart/form-data`).
    var type: [UInt8]
    private var plain: [(name: [UInt8], value: [UInt8])] = []
    private var extended: [(name: [UInt8], value: [UInt8])] = []

    /// Parses `bytes`; `nil` when it is not a valid type with parameters.
    init?(_ bytes: some Collection<UInt8>) {
        let v = Array(bytes)
        var i = 0
        skipSpace(v, &i)
        let typeStart = i
        while i < v.count, isMIMETokenByte(v[i]) || v[i] == UInt8(ascii: "/") { i += 1 }
        guard i > typeStart else { return nil }
        type = v[typeStart..<i].map(ASCII.lower)
        // A type is a token or token/token.
        let slashes = type.lazy.filter { $0 == UInt8(ascii: "/") }.count
        guard slashes <= 1, type.first != UInt8(ascii: "/"), type.last != UInt8(ascii: "/") else { return nil }
        while true {
            skipSpace(v, &i)
            if i == v.count { break }
            guard v[i] == UInt8(ascii: ";") else { return nil }
            i += 1
            skipSpace(v, &i)
            if i == v.count { break }  // Go tolerates a trailing ";".
            let nameStart = i
            while i < v.count, isMIMETokenByte(v[i]) { i += 1 }
            guard i > nameStart else { return nil }
            var name = v[nameStart..<i].map(ASCII.lower)
            skipSpace(v, &i)
            guard i < v.count, v[i] == UInt8(ascii: "=") else { return nil }
            i += 1
            skipSpace(v, &i)
            guard let value = consumeValue(v, &i) else { return nil }
            if name.last == UInt8(ascii: "*") {
                name.removeLast()
                // RFC 2231 §3 continuations (`name*0`, `name*1*`) are not supported; skip them.
                if name.contains(UInt8(ascii: "*")) { continue }
                guard !extended.contains(where: { $0.name == name }) else { return nil }
                extended.append((name, value))
            } else {
                if name.contains(UInt8(ascii: "*")) { continue }
                guard !plain.contains(where: { $0.name == name }) else { return nil }
                plain.append((name, value))
            }
        }
    }

    /// The value of parameter `name` (lower-case ASCII): the decoded extended form when present and
    /// decodable, else the plain form.
    func value(_ name: String) -> [UInt8]? {
        let key = Array(name.utf8)
        if let ext = extended.first(where: { $0.name == key }), let decoded = Self.decodeExtended(ext.value) {
            return decoded
        }
        return plain.first(where: { $0.name == key })?.value
    }

    /// RFC 5987 §3.2.1 `ext-value = charset "'" [ language ] "'" value-chars`; only UTF-8 and
    /// US-ASCII are accepted (as Go does), other charsets make the value unusable.
    static func decodeExtended(_ v: [UInt8]) -> [UInt8]? {
        guard let q1 = v.firstIndex(of: UInt8(ascii: "'")) else { return nil }
        guard let q2 = v[(q1 + 1)...].firstIndex(of: UInt8(ascii: "'")) else { return nil }
        let charset = v[..<q1]
        guard ASCII.equalsIgnoringCase(charset, "utf-8".utf8) || ASCII.equalsIgnoringCase(charset, "us-ascii".utf8) else {
            return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(v.count - q2)
        var i = q2 + 1
        while i < v.count {
            if v[i] == UInt8(ascii: "%") {
                guard i + 2 < v.count, let hi = ASCII.hexValue(v[i + 1]), let lo = ASCII.hexValue(v[i + 2]) else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(v[i])
                i += 1
            }
        }
        return out
    }
}

/// A token or quoted-string value (Go's `consumeValue`); `nil` for neither or an unterminated quote.
private func consumeValue(_ v: [UInt8], _ i: inout Int) -> [UInt8]? {
    guard i < v.count else { return nil }
    if v[i] != UInt8(ascii: "\"") {
        let start = i
        while i < v.count, isMIMETokenByte(v[i]) { i += 1 }
        return i > start ? Array(v[start..<i]) : nil
    }
    var out: [UInt8] = []
    var j = i + 1
    while j < v.count {
        let c = v[j]
        if c == UInt8(ascii: "\"") {
            i = j + 1
            return out
        }
        // RFC 2045 quoted-pair, but only before a tspecial: MSIE sends `C:\dir\file` unescaped
        // and a backslash before an ordinary character is taken literally, as Go does.
        if c == UInt8(ascii: "\\"), j + 1 < v.count, isTSpecial(v[j + 1]) {
            out.append(v[j + 1])
            j += 2
            continue
        }
        if c == 13 || c == 10 { return nil }
        out.append(c)
        j += 1
    }
    return nil
}

private func skipSpace(_ v: [UInt8], _ i: inout Int) {
    while i < v.count, v[i] == 32 || v[i] == 9 { i += 1 }
}

/// RFC 2045 §5.1 tspecials.
@inline(__always) private func isTSpecial(_ c: UInt8) -> Bool {
    switch c {
    case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"),
         UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""),
         UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "?"), UInt8(ascii: "="):
        true
    default: false
    }
}

/// RFC 2045 §5.1 token: printable ASCII other than SPACE and tspecials.
@inline(__always) private func isMIMETokenByte(_ c: UInt8) -> Bool { c > 32 && c < 127 && !isTSpecial(c) }
