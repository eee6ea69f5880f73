// Aerie — url field
// SPDX-License-Identifier: MIT
public import AerieJSON
import AerieSQLite

/// A URL (`url`) with a lenient format check (`example.com` and `ftp://a.b` pass, as with
/// govalidator's IsURL in PocketBase) and optional host allow/deny lists.
public struct URLField: TextStoredField {
    public static let typeName = "url"
    public var base: FieldBase
    var domains = DomainLists()

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        domains = DomainLists(options: &o)
    }


    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        guard case .string(let s) = value else { return .unsupportedValueType }
        if s.isEmpty { return base.required ? .required : nil }
        guard URLField.host(of: s) != nil else { return FieldIssue("validation_invalid_url", "Must be a valid url.") }
        // Domain lists compare Go's `url.URL.Host`, which keeps the port (`bad.com:8080` ≠ `bad.com`).
        let host = URLField.authorityHost(of: s)
        if !domains.allows(host) {
            return FieldIssue("validation_url_domain_not_allowed", "Url domain is not allowed.")
        }
        return nil
    }

    /// The host and port as Go's `url.Parse` reports them in `Host` ("" without a `scheme://`).
    static func authorityHost(of s: String) -> String {
        let b = Array(s.utf8)
        guard let r = b.firstRange(of: Array("://".utf8)) else { return "" }
        var rest = b[r.upperBound...]
        if let end = rest.firstIndex(where: { $0 == 47 || $0 == 63 || $0 == 35 }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: UInt8(ascii: "@")) { rest = rest[(at + 1)...] }
        return String(decoding: rest, as: UTF8.self)
    }

    /// The host of a valid URL, or nil when `s` is not one.
    public static func host(of s: String) -> String? {
        var b = Array(s.utf8)[...]
        guard b.count <= 2083, !b.contains(where: { $0 <= 32 || $0 == 127 }) else { return nil }
        if let r = b.firstRange(of: Array("://".utf8)) {
            let scheme = b[..<r.lowerBound]
            guard let first = scheme.first, (first | 0x20) >= 97, (first | 0x20) <= 122,
                  scheme.allSatisfy({ ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 43 || $0 == 45 || $0 == 46 })
            else { return nil }
            b = b[r.upperBound...]
        } else if b.first == UInt8(ascii: "/") {
            return nil
        }
        let authorityEnd = b.firstIndex(where: { $0 == 47 || $0 == 63 || $0 == 35 }) ?? b.endIndex
        var authority = b[..<authorityEnd]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[(at + 1)...] }
        var host = authority
        if host.first == UInt8(ascii: "[") {   // IPv6 literal
            guard let close = host.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            let inside = host[(host.startIndex + 1)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ ASCIIHex.isHex($0) || $0 == 58 || $0 == 46 }) else { return nil }
            return String(decoding: inside, as: UTF8.self)
        }
        if let colon = host.lastIndex(of: UInt8(ascii: ":")) {
            let port = host[(colon + 1)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            host = host[..<colon]
        }
        let text = String(decoding: host, as: UTF8.self)
        if text == "localhost" { return text }
        guard EmailField.isHostname(host, requireDot: true) else { return nil }
        // The last label of a DNS name is not all digits unless the whole host is an IPv4 address.
        let labels = host.split(separator: 46)
        if let tld = labels.last, tld.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard labels.count == 4, labels.allSatisfy({ $0.allSatisfy { $0 >= 48 && $0 <= 57 } && (Int(String(decoding: $0, as: UTF8.self)) ?? 256) <= 255 })
            else { return nil }
        }
        return text
    }

    public func optionsJSON() -> [(String, JSON)] { domains.optionsJSON }
}

enum ASCIIHex {
    static func isHex(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 102) }
}
