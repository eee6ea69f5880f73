// Aerie — email field
// SPDX-License-Identifier: MIT
public import AerieJSON
import AerieSQLite

/// An email address (`email`), checked for format when non-empty and against
/// `onlyDomains` / `exceptDomains` (exact match on the part after the last `@`).
public struct EmailField: TextStoredField {
    public static let typeName = "email"
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
        guard EmailField.isValid(s), let at = s.lastIndex(of: "@") else { return FieldIssue("validation_is_email", "Must be a valid email address.") }
        let domain = String(s[s.index(after: at)...])
        if !domains.allows(domain) {
            return FieldIssue("validation_email_domain_not_allowed", "Email domain is not allowed.")
        }
        return nil
    }

    /// Format check in the spirit of ozzo-validation's `is.EmailFormat`: a local part of
    /// atext characters and dots, and a domain of at least two DNS labels.
    public static func isValid(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count <= 254, let at = b.lastIndex(of: UInt8(ascii: "@")), at > 0, at < b.count - 1 else { return false }
        let local = b[..<at], domain = b[(at + 1)...]
        guard local.count <= 64, local.first != UInt8(ascii: "."), local.last != UInt8(ascii: "."),
              !zip(local, local.dropFirst()).contains(where: { $0 == 46 && $1 == 46 }) else { return false }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-".utf8)
        guard local.allSatisfy({ atext.contains($0) || $0 >= 0x80 }) else { return false }
        return isHostname(domain, requireDot: true)
    }

    /// DNS host name check: labels of letters, digits and hyphens (non-ASCII allowed for IDNs).
    static func isHostname(_ host: ArraySlice<UInt8>, requireDot: Bool) -> Bool {
        guard !host.isEmpty, host.count <= 253 else { return false }
        let labels = host.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if requireDot && labels.count < 2 { return false }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            for c in label {
                let ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95 || c >= 0x80
                if !ok { return false }
            }
        }
        return true
    }

    public func optionsJSON() -> [(String, JSON)] { domains.optionsJSON }
}
