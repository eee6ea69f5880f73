// Aerie — date field
// SPDX-License-Identifier: MIT
import AerieBase
public import AerieJSON
public import AerieSQLite

/// A UTC datetime (`date`) stored as `YYYY-MM-DD HH:MM:SS.mmmZ` text. Unparseable input
/// becomes `""` without an error, as in PocketBase (spec §1.4).
public struct DateField: FieldType {
    public static let typeName = "date"
    public var base: FieldBase
    public var min = ""
    public var max = ""

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        let rawMin = o.string("min"), rawMax = o.string("max")
        if !rawMin.isEmpty {
            if let t = Timestamp.parse(rawMin) { min = t.formatted } else { o.fail("min", "must be a datetime such as 2024-01-31 00:00:00.000Z") }
        }
        if !rawMax.isEmpty {
            if let t = Timestamp.parse(rawMax) { max = t.formatted } else { o.fail("max", "must be a datetime such as 2024-01-31 00:00:00.000Z") }
        }
        if !min.isEmpty && !max.isEmpty && min > max { o.fail("min", "must be <= max") }
    }

    public var storage: SQLStorageKind { .text }
    public var defaultSQL: String { "''" }
    public var zeroValue: JSON { .string("") }

    public func normalize(_ input: JSON) -> JSON {
        guard case .string(let s) = input, let t = Timestamp.parse(s) else { return .string("") }
        return .string(t.formatted)
    }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        guard case .string(let s) = value else { return .unsupportedValueType }
        if s.isEmpty { return base.required ? .required : nil }
        // Messages and params use Go's time formats, exactly as PocketBase prints them.
        if !min.isEmpty && s < min, let t = Timestamp.parse(min) {
            return FieldIssue("validation_min_greater_equal_than_required", "Must be no less than \(t.goString).", params: ["threshold": .string(t.rfc3339)])
        }
        if !max.isEmpty && s > max, let t = Timestamp.parse(max) {
            return FieldIssue("validation_max_less_equal_than_required", "Must be no greater than \(t.goString).", params: ["threshold": .string(t.rfc3339)])
        }
        return nil
    }

    public func sqlValue(_ value: JSON) -> SQLValue { .text(Cast.string(value)) }
    public func readValue(_ statement: Statement, _ column: Int32) -> JSON { .string(statement.string(column)) }
    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) { writer.textColumn(statement, column) }
    public var columnFormat: ColumnFormat { .text }
    public func optionsJSON() -> [(String, JSON)] { [("min", .string(min)), ("max", .string(max))] }
}

/// A datetime the server sets (`autodate`): `onCreate` at insert, `onUpdate` on every save.
/// Clients can never write it.
public struct AutodateField: FieldType {
    public static let typeName = "autodate"
    public var base: FieldBase
    public var onCreate = true
    public var onUpdate = false

    public init(base: FieldBase, onCreate: Bool, onUpdate: Bool) {
        self.base = base; self.onCreate = onCreate; self.onUpdate = onUpdate
    }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        onCreate = o.bool("onCreate", default: false)
        onUpdate = o.bool("onUpdate", default: false)
        if !onCreate && !onUpdate { o.fail("onCreate", "at least one of onCreate and onUpdate must be true") }
    }

    public var storage: SQLStorageKind { .text }
    public var defaultSQL: String { "''" }
    public var zeroValue: JSON { .string("") }
    public var isReadOnly: Bool { true }
    public func normalize(_ input: JSON) -> JSON {
        guard case .string(let s) = input, let t = Timestamp.parse(s) else { return .string("") }
        return .string(t.formatted)
    }
    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? { nil }
    public func sqlValue(_ value: JSON) -> SQLValue { .text(Cast.string(value)) }
    public func readValue(_ statement: Statement, _ column: Int32) -> JSON { .string(statement.string(column)) }
    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) { writer.textColumn(statement, column) }
    public var columnFormat: ColumnFormat { .text }
    public func optionsJSON() -> [(String, JSON)] { [("onCreate", .bool(onCreate)), ("onUpdate", .bool(onUpdate))] }
}
