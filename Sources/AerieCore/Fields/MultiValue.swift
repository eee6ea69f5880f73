// Aerie — shared behaviour of the list-valued fields (select, relation, file)
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieSQLite

/// Fields whose value is a string when `maxSelect <= 1` and a string array otherwise.
protocol MultiValueField: FieldType {
    var maxSelect: Int { get }
}

extension MultiValueField {
    /// Whether the value is an array.
    public var isMultiple: Bool { maxSelect > 1 }
    public var storage: SQLStorageKind { isMultiple ? .json : .text }
    public var defaultSQL: String { isMultiple ? "'[]'" : "''" }
    public var zeroValue: JSON { isMultiple ? .array([]) : .string("") }

    /// Unique non-empty strings; a single-value field keeps the last one (spec §8).
    public func normalize(_ input: JSON) -> JSON {
        let values = Cast.uniqueStrings(input)
        if isMultiple { return .array(values.map(JSON.string)) }
        return .string(values.last ?? "")
    }

    /// The value as a list, whatever its shape.
    func list(_ value: JSON) -> [String] { Cast.uniqueStrings(value) }

    /// The list stored in a column, read without building a JSON value for single values.
    func list(_ statement: Statement, _ column: Int32) -> [String] {
        if isMultiple { return list(readValue(statement, column)) }
        let value = statement.string(column)
        return value.isEmpty ? [] : [value]
    }

    public func apply(_ modifier: FieldModifier, to current: JSON, operand: JSON) -> JSON? {
        let old = list(current), extra = Cast.uniqueStrings(operand)
        let merged: [String]
        switch modifier {
        case .append: merged = old + extra.filter { !old.contains($0) }
        case .prepend: merged = extra + old.filter { !extra.contains($0) }
        case .subtract: merged = old.filter { !extra.contains($0) }
        }
        return normalize(.array(merged.map(JSON.string)))
    }

    public func sqlValue(_ value: JSON) -> SQLValue {
        if isMultiple {
            var w = JSONWriter(capacity: 64)
            w.value(.array(list(value).map(JSON.string)))
            return .text(String(decoding: w.bytes, as: UTF8.self))
        }
        return .text(Cast.string(value))
    }

    public func readValue(_ statement: Statement, _ column: Int32) -> JSON {
        if isMultiple {
            let text = statement.string(column)
            if let parsed = try? JSONParser.parse(text), case .array = parsed { return normalize(parsed) }
            return .array([])
        }
        return .string(statement.string(column))
    }

    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) {
        if isMultiple { writer.jsonColumn(statement, column, fallback: "[]") } else { writer.textColumn(statement, column) }
    }

    func tooMany(_ count: Int, code: String = "validation_too_many_values") -> FieldIssue? {
        let limit = Swift.max(maxSelect, 1)
        guard count > limit else { return nil }
        let message = code == "validation_too_many_files" ? "The maximum allowed files is \(limit)." : "Select no more than \(limit)."
        return FieldIssue(code, message, params: ["maxSelect": .int(Int64(limit))])
    }
}
