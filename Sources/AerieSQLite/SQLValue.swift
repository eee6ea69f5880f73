// Aerie — SQLite values and column types
// SPDX-License-Identifier: MIT

/// A value as SQLite stores it: exactly its five storage classes (https://sqlite.org/datatype3.html).
public enum SQLValue: Sendable, Hashable {
    /// SQL NULL.
    case null
    /// A 64-bit signed integer.
    case integer(Int64)
    /// An IEEE 754 double.
    case real(Double)
    /// UTF-8 text; may contain NUL bytes, which round-trip because lengths are always explicit.
    case text(String)
    /// Raw bytes; an empty blob stays an empty blob, never NULL.
    case blob([UInt8])
}

extension SQLValue {
    /// Whether the value is SQL NULL.
    public var isNull: Bool { if case .null = self { true } else { false } }
}

/// The storage class of one column of the current row (`sqlite3_column_type`).
public enum SQLColumnType: Sendable {
    /// SQLITE_INTEGER.
    case integer
    /// SQLITE_FLOAT.
    case real
    /// SQLITE_TEXT.
    case text
    /// SQLITE_BLOB.
    case blob
    /// SQLITE_NULL.
    case null
}
