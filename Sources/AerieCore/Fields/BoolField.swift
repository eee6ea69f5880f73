// Aerie — bool field
// SPDX-License-Identifier: MIT
public import AerieJSON
public import AerieSQLite

/// A boolean (`bool`). `required` means the value must be `true`, as in PocketBase.
public struct BoolField: FieldType {
    public static let typeName = "bool"
    public var base: FieldBase

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) { self.base = base }

    public var storage: SQLStorageKind { .boolean }
    public var defaultSQL: String { "FALSE" }
    public var zeroValue: JSON { .bool(false) }
    public func normalize(_ input: JSON) -> JSON { .bool(Cast.bool(input)) }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        guard case .bool(let b) = value else { return .unsupportedValueType }
        return base.required && !b ? .required : nil
    }

    public func sqlValue(_ value: JSON) -> SQLValue { .integer(Cast.bool(value) ? 1 : 0) }
    public func readValue(_ statement: Statement, _ column: Int32) -> JSON { .bool(statement.int64(column) != 0) }
    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) {
        writer.bool(statement.int64(column) != 0)
    }
    public var columnFormat: ColumnFormat { .bool }
    public func optionsJSON() -> [(String, JSON)] { [] }
}
