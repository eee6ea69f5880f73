// Aerie — json field
// SPDX-License-Identifier: MIT
public import AerieJSON
public import AerieSQLite

/// Any JSON value (`json`), limited by its serialized size (`maxSize`, 0 means 1 MiB).
public struct JSONField: FieldType {
    public static let typeName = "json"
    public var base: FieldBase
    public var maxSize = 0

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        maxSize = o.int("maxSize", min: 0)
    }

    public var effectiveMaxSize: Int { maxSize == 0 ? 1 << 20 : maxSize }
    public var storage: SQLStorageKind { .json }
    public var defaultSQL: String { "NULL" }
    public var zeroValue: JSON { .null }

    /// A string is decoded as JSON only when it looks like a JSON literal (spec §8);
    /// otherwise it is kept as a JSON string.
    public func normalize(_ input: JSON) -> JSON {
        guard case .string(let s) = input else { return input.withSortedKeys() }
        guard let first = s.utf8.first else { return input }
        let looksLikeJSON = s == "null" || s == "true" || s == "false" || (first >= 48 && first <= 57)
            || first == UInt8(ascii: "-") || first == UInt8(ascii: "\"") || first == UInt8(ascii: "[") || first == UInt8(ascii: "{")
        if looksLikeJSON, let parsed = try? JSONParser.parse(s) { return parsed.withSortedKeys() }
        return input
    }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        if base.required {
            switch value {
            case .null: return .required
            case .string(let s) where s.isEmpty: return .required
            case .array(let a) where a.isEmpty: return .required
            case .object(let o) where o.isEmpty: return .required
            default: break
            }
        }
        let size = value.serialized().count
        if size > effectiveMaxSize {
            return FieldIssue("validation_json_size_limit", "The maximum allowed JSON size is \(effectiveMaxSize) bytes.",
                              params: ["maxSize": .int(Int64(effectiveMaxSize))])
        }
        return nil
    }

    public func sqlValue(_ value: JSON) -> SQLValue {
        if value.isNull { return .null }
        return .text(String(decoding: value.serialized(), as: UTF8.self))
    }

    public func readValue(_ statement: Statement, _ column: Int32) -> JSON {
        if statement.isNull(column) { return .null }
        return (try? JSONParser.parse(statement.string(column))) ?? .null
    }

    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) {
        writer.jsonColumn(statement, column, fallback: "null")
    }
    public var columnFormat: ColumnFormat { .json(.null) }

    public func optionsJSON() -> [(String, JSON)] { [("maxSize", .int(Int64(maxSize)))] }
}
