// Aerie — SQL text generation behind a dialect
// SPDX-License-Identifier: MIT

/// The storage kinds the schema layer asks a dialect to map to column types.
public enum SQLStorageKind: Sendable {
    /// Strings.
    case text
    /// 64-bit integers.
    case integer
    /// Floating-point numbers.
    case real
    /// Booleans.
    case boolean
    /// JSON documents stored as text.
    case json
    /// Raw bytes.
    case blob
}

/// The spelling differences between SQL engines, so SQL generation above this layer
/// never hard-codes SQLite syntax and a PostgreSQL dialect can be added later.
public protocol SQLDialect: Sendable {
    /// A short engine name such as "sqlite".
    var name: String { get }
    /// Quotes an identifier so it is never read as a keyword or as SQL.
    func quoteIdentifier(_ identifier: String) -> String
    /// The parameter marker for the 1-based bind `index`.
    func placeholder(_ index: Int) -> String
    /// The column type declared for a storage kind.
    func columnType(for kind: SQLStorageKind) -> String
    /// An expression for the current UTC time as an ISO 8601 string with milliseconds.
    var currentTimestampExpression: String { get }
}

/// SQLite's spelling (https://sqlite.org/lang_keywords.html, https://sqlite.org/datatype3.html).
public struct SQLiteDialect: SQLDialect {
    /// Creates the dialect; it has no state.
    public init() {}

    /// "sqlite".
    public var name: String { "sqlite" }

    /// `"ident"` with every embedded `"` doubled, the standard SQL quoting SQLite accepts.
    public func quoteIdentifier(_ identifier: String) -> String {
        var quoted = "\""
        for character in identifier.unicodeScalars {
            if character == "\"" { quoted += "\"\"" } else { quoted.unicodeScalars.append(character) }
        }
        quoted += "\""
        return quoted
    }

    /// Always `?`: SQLite numbers anonymous parameters by position.
    public func placeholder(_ index: Int) -> String { "?" }

    /// Type names chosen for their affinity (https://sqlite.org/datatype3.html §3.1): REAL keeps
    /// doubles as doubles (NUMERIC would store 1.0 as the integer 1). BOOLEAN and JSON get NUMERIC
    /// affinity, as in PocketBase: JSON text that is a bare number (`123`) is stored as a number and
    /// reads back as the same digits, any other JSON stays text.
    public func columnType(for kind: SQLStorageKind) -> String {
        switch kind {
        case .text: "TEXT"
        case .integer: "INTEGER"
        case .real: "REAL"
        case .boolean: "BOOLEAN"
        case .json: "JSON"
        case .blob: "BLOB"
        }
    }

    /// `strftime('%Y-%m-%d %H:%M:%fZ')`, e.g. `2024-05-01 12:00:00.123Z`, which sorts as text.
    public var currentTimestampExpression: String { "strftime('%Y-%m-%d %H:%M:%fZ')" }
}
