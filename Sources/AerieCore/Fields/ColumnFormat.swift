// Aerie — how a field's column is written to JSON, decided once per collection
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieSQLite

/// The shape of a field's column in record JSON. Serializers look this up in a plain table
/// (`OutputColumn`) per row instead of calling through the `any FieldType` existential, which
/// copied each field's strings (retains and releases) for every value written.
/// `.custom` calls the field's own `writeValue`.
public enum ColumnFormat: Sendable, Equatable {
    /// TEXT written as a JSON string.
    case text
    /// An integer or a float, 0 for NULL (number fields).
    case number
    /// 0 or non-zero written as `false` / `true`.
    case bool
    /// JSON text written verbatim, or the fallback when NULL or empty.
    case json(JSONFallback)
    /// The field's `writeValue`.
    case custom

    /// What a JSON column holds when it is NULL or empty.
    public enum JSONFallback: Sendable, Equatable {
        case null, emptyArray, origin

        var text: String {
            switch self {
            case .null: "null"
            case .emptyArray: "[]"
            case .origin: #"{"lon":0,"lat":0}"#
            }
        }
    }

    /// Writes column `column` of the current row in this format (not for `.custom`).
    @inline(__always)
    func write(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) {
        switch self {
        case .text: writer.textColumn(statement, column)
        case .number: NumberField.write(statement, column, to: &writer)
        case .bool: writer.bool(statement.int64(column) != 0)
        case .json(let fallback): writer.jsonColumn(statement, column, fallback: fallback.text)
        case .custom: preconditionFailure("custom columns are written by their field")
        }
    }
}

/// One output column of a compiled collection: where its encoded key sits in the collection's
/// key bytes, whether it is hidden, and its format. Trivially copyable, so reading it per row
/// costs no reference counting.
struct OutputColumn: Sendable {
    var keyStart: Int
    var keyEnd: Int
    var isHidden: Bool
    var format: ColumnFormat
}
