// Aerie — request-target splitting, percent-decoding and query parsing
// SPDX-License-Identifier: MIT
import AerieBase

/// Splits a request-target (RFC 9112 §3.2) into its decoded path and query parameters.
package enum RequestTarget {
    /// The parts of a target.
    package struct Parts {
        /// Percent-decoded path.
        package var path: String
        /// Path as sent.
        package var rawPath: String
        /// Decoded query pairs.
        package var query: [(name: String, value: String)]
    }

    /// Splits and decodes `target`; `nil` when the path has an invalid percent-escape, decodes to
    /// invalid UTF-8 or a NUL byte, or the target is in no form a server accepts (→ 400).
    package static func parse(_ target: UnsafeRawBufferPointer) -> Parts? {
        guard let first = target.first else { return nil }
        var start = 0
        if first == UInt8(ascii: "*") {
            // asterisk-form (RFC 9112 §3.2.4), only meaningful for OPTIONS.
            guard target.count == 1 else { return nil }
            return Parts(path: "*", rawPath: "*", query: [])
        }
        if first != UInt8(ascii: "/") {
            // absolute-form (RFC 9112 §3.2.2): a server MUST accept it; the authority is ignored
            // in favour of routing by path alone.
            guard let afterScheme = schemeEnd(target) else { return nil }
            var i = afterScheme
            while i < target.count, target[i] != UInt8(ascii: "/"), target[i] != UInt8(ascii: "?") { i += 1 }
            start = i
        }
        var end = target.count
        var queryStart = -1
        var i = start
        while i < end {
            let c = target[i]
            if c == UInt8(ascii: "?") && queryStart < 0 { queryStart = i }
            if c == UInt8(ascii: "#") { end = i; break }  // a fragment is never sent (RFC 9110 §4.2.5)
            i += 1
        }
        let pathEnd = queryStart >= 0 ? queryStart : end
        let rawPathBytes = UnsafeRawBufferPointer(rebasing: target[start..<pathEnd])
        let rawPath = rawPathBytes.isEmpty ? "/" : String(decoding: rawPathBytes, as: UTF8.self)
        let path: String
        if rawPathBytes.isEmpty {
            path = "/"
        } else if rawPathBytes.contains(UInt8(ascii: "%")) {
            guard let decoded = percentDecode(rawPathBytes, plusIsSpace: false), !decoded.contains(0),
                  let text = String(validating: decoded, as: UTF8.self) else { return nil }
            path = text
        } else {
            path = rawPath
        }
        var query: [(name: String, value: String)] = []
        if queryStart >= 0 && queryStart + 1 < end {
            parseQuery(UnsafeRawBufferPointer(rebasing: target[(queryStart + 1)..<end]), into: &query)
        }
        return Parts(path: path, rawPath: rawPath, query: query)
    }

    /// Parses `application/x-www-form-urlencoded`-style pairs. Pairs with bad escapes are dropped,
    /// as Go's `url.Values` does, and invalid UTF-8 is repaired with U+FFFD.
    package static func parseQuery(_ bytes: UnsafeRawBufferPointer, into query: inout [(name: String, value: String)]) {
        var segmentStart = 0
        var i = 0
        while i <= bytes.count {
            if i == bytes.count || bytes[i] == UInt8(ascii: "&") {
                if i > segmentStart {
                    let segment = UnsafeRawBufferPointer(rebasing: bytes[segmentStart..<i])
                    let eq = segment.firstIndex(of: UInt8(ascii: "=")) ?? segment.count
                    let name = UnsafeRawBufferPointer(rebasing: segment[0..<eq])
                    let value = eq < segment.count ? UnsafeRawBufferPointer(rebasing: segment[(eq + 1)...])
                        : UnsafeRawBufferPointer(start: nil, count: 0)
                    if let n = decodeComponent(name), let v = decodeComponent(value) { query.append((n, v)) }
                }
                segmentStart = i + 1
            }
            i += 1
        }
    }

    private static func decodeComponent(_ bytes: UnsafeRawBufferPointer) -> String? {
        if bytes.isEmpty { return "" }
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let decoded = percentDecode(bytes, plusIsSpace: true) else { return nil }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Decodes `%XX` escapes (RFC 3986 §2.1); `nil` on a truncated or non-hex escape.
    package static func percentDecode(_ bytes: UnsafeRawBufferPointer, plusIsSpace: Bool) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let hi = ASCII.hexValue(bytes[i + 1]), let lo = ASCII.hexValue(bytes[i + 2])
                else { return nil }
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(plusIsSpace && c == UInt8(ascii: "+") ? UInt8(ascii: " ") : c)
                i += 1
            }
        }
        return out
    }

    /// The index just past `scheme://` for http/https targets.
    private static func schemeEnd(_ t: UnsafeRawBufferPointer) -> Int? {
        for scheme in ["http://", "https://"] {
            let s = Array(scheme.utf8)
            if t.count >= s.count, ASCII.equalsIgnoringCase(t[0..<s.count], s) { return s.count }
        }
        return nil
    }
}
