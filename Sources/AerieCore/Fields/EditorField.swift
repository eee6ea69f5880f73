// Aerie — editor (rich text) field
// SPDX-License-Identifier: MIT
public import AerieJSON
public import AerieSQLite

/// HTML text (`editor`), limited in bytes by `maxSize` (0 means 5 MiB).
public struct EditorField: FieldType {
    public static let typeName = "editor"
    public var base: FieldBase
    public var maxSize = 0
    public var convertURLs = false

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        maxSize = o.int("maxSize", min: 0)
        convertURLs = o.bool("convertURLs")
    }

    public var effectiveMaxSize: Int { maxSize == 0 ? 5 << 20 : maxSize }
    public var storage: SQLStorageKind { .text }
    public var defaultSQL: String { "''" }
    public var zeroValue: JSON { .string("") }
    public func normalize(_ input: JSON) -> JSON { .string(Cast.string(input)) }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        guard case .string(let s) = value else { return .unsupportedValueType }
        if s.isEmpty { return base.required ? .required : nil }
        if s.utf8.count > effectiveMaxSize {
            return FieldIssue("validation_content_size_limit", "The maximum allowed content size is \(effectiveMaxSize) bytes.",
                              params: ["maxSize": .int(Int64(effectiveMaxSize))])
        }
        return nil
    }

    public func sqlValue(_ value: JSON) -> SQLValue { .text(Cast.string(value)) }
    public func readValue(_ statement: Statement, _ column: Int32) -> JSON { .string(statement.string(column)) }
    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) { writer.textColumn(statement, column) }
    public func optionsJSON() -> [(String, JSON)] { [("maxSize", .int(Int64(maxSize))), ("convertURLs", .bool(convertURLs))] }
}
