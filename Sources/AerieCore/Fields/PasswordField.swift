// Aerie — password field (write-only, stored as a scrypt hash)
// SPDX-License-Identifier: MIT
public import AerieJSON
public import AerieSQLite

/// The write-only `password` of auth collections. The plain value is validated for length
/// and pattern when submitted, then replaced by a self-describing scrypt hash; it is never output.
public struct PasswordField: TextStoredField {
    public static let typeName = "password"
    public var base: FieldBase
    public var min = 8
    public var max = 0
    public var pattern = ""
    public var cost = 0

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        min = o.int("min", default: 8, min: 0)
        max = o.int("max", min: 0)
        pattern = o.string("pattern")
        cost = o.int("cost", min: 0)
        if !pattern.isEmpty && (try? Regex(pattern)) == nil { o.fail("pattern", "is not a valid regular expression") }
    }

    /// Upper bound of a plain password (bytes are hashed by scrypt, so 0 means 255 here).
    public var effectiveMax: Int { max == 0 ? 255 : max }
    public var isOutput: Bool { false }

    /// Validates a submitted plain-text password (the stored hash is not validated).
    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        guard case .string(let s) = value else { return .unsupportedValueType }
        if s.isEmpty { return base.required ? .required : nil }
        if let issue = TextField.checkLength(s, min: min, max: effectiveMax) { return issue }
        if !pattern.isEmpty, let regex = try? Regex(pattern), (try? regex.firstMatch(in: s)) == nil {
            return FieldIssue("validation_invalid_format", "Invalid value format.")
        }
        return nil
    }

    /// Never output; the serializer skips it (`isOutput`), this only guards direct use.
    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) { writer.string("") }
    public var columnFormat: ColumnFormat { .custom }
    public func optionsJSON() -> [(String, JSON)] {
        [("min", .int(Int64(min))), ("max", .int(Int64(max))), ("pattern", .string(pattern)), ("cost", .int(Int64(cost)))]
    }
}
