// Aerie — the error every SQLite call throws
// SPDX-License-Identifier: MIT

/// A failed SQLite call: the extended result code, SQLite's message and the statement text.
///
/// Bound values are deliberately never recorded (GRDB does the same): they may be passwords,
/// tokens or personal data, and this error's `description` ends up in logs.
///
/// ```swift
/// do { try conn.run("INSERT INTO users(email) VALUES (?)", [.text(email)]) }
/// catch let error as SQLiteError where error.isUniqueConstraint { … }
/// catch SQLiteError.busy { … }   // `~=` matches a primary code against every extended code
/// ```
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (https://sqlite.org/rescode.html).
    public let code: Int32
    /// SQLite's English message (`sqlite3_errmsg`) or ours for misuse of this wrapper.
    public let message: String
    /// The SQL text that failed, when a statement was involved; never the bound values.
    public let sql: String?

    /// Creates an error; `code` may be primary or extended.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code: the low eight bits of the extended code.
    public var primaryCode: Int32 { code & 0xff }

    /// "SQLite error 2067 (constraint): UNIQUE constraint failed: users.email — in `INSERT …`".
    public var description: String {
        var text = "SQLite error \(code) (\(Self.name(of: primaryCode))): \(message)"
        if let sql { text += " — in `\(sql)`" }
        return text
    }

    /// SQLITE_BUSY or one of its extended codes: another connection holds a conflicting lock
    /// beyond the busy timeout.
    public var isBusy: Bool { primaryCode == Self.busy }
    /// Any SQLITE_CONSTRAINT violation (unique, not null, foreign key, check, …).
    public var isConstraint: Bool { primaryCode == Self.constraint }
    /// A UNIQUE or PRIMARY KEY violation: the row would duplicate an existing key.
    public var isUniqueConstraint: Bool { code == Self.constraintUnique || code == Self.constraintPrimaryKey }
    /// A FOREIGN KEY violation.
    public var isForeignKeyConstraint: Bool { code == Self.constraintForeignKey }
    /// A NOT NULL violation.
    public var isNotNullConstraint: Bool { code == Self.constraintNotNull }

    /// Whether this error matches `code`: a primary code (< 256) matches every extended code in
    /// its family, an extended code matches exactly.
    public func matches(_ code: Int32) -> Bool {
        code & ~0xff == 0 ? primaryCode == code : self.code == code
    }

    // MARK: - Result codes (https://sqlite.org/rescode.html)

    /// SQLITE_ERROR: generic error, including SQL syntax errors.
    public static let error: Int32 = 1
    /// SQLITE_INTERNAL.
    public static let `internal`: Int32 = 2
    /// SQLITE_PERM.
    public static let permission: Int32 = 3
    /// SQLITE_ABORT.
    public static let abort: Int32 = 4
    /// SQLITE_BUSY: the database file is locked beyond the busy timeout.
    public static let busy: Int32 = 5
    /// SQLITE_LOCKED: a conflict within the same connection (or shared cache).
    public static let locked: Int32 = 6
    /// SQLITE_NOMEM.
    public static let noMemory: Int32 = 7
    /// SQLITE_READONLY: a write on a read-only connection.
    public static let readOnly: Int32 = 8
    /// SQLITE_INTERRUPT.
    public static let interrupt: Int32 = 9
    /// SQLITE_IOERR.
    public static let ioError: Int32 = 10
    /// SQLITE_CORRUPT.
    public static let corrupt: Int32 = 11
    /// SQLITE_FULL: the disk is full.
    public static let full: Int32 = 13
    /// SQLITE_CANTOPEN.
    public static let cantOpen: Int32 = 14
    /// SQLITE_SCHEMA: the schema changed under a prepared statement.
    public static let schema: Int32 = 17
    /// SQLITE_TOOBIG: a string or blob exceeds SQLITE_MAX_LENGTH.
    public static let tooBig: Int32 = 18
    /// SQLITE_CONSTRAINT: any constraint violation.
    public static let constraint: Int32 = 19
    /// SQLITE_MISMATCH: datatype mismatch (e.g. a non-integer rowid).
    public static let mismatch: Int32 = 20
    /// SQLITE_MISUSE: the API was used incorrectly, e.g. a closed connection or pool.
    public static let misuse: Int32 = 21
    /// SQLITE_RANGE: a bind index out of range.
    public static let range: Int32 = 25
    /// SQLITE_NOTADB: the file is not a database.
    public static let notADatabase: Int32 = 26

    /// SQLITE_BUSY_SNAPSHOT: a WAL read snapshot could not be upgraded to a write.
    public static let busySnapshot: Int32 = 517
    /// SQLITE_CONSTRAINT_CHECK.
    public static let constraintCheck: Int32 = 275
    /// SQLITE_CONSTRAINT_FOREIGNKEY.
    public static let constraintForeignKey: Int32 = 787
    /// SQLITE_CONSTRAINT_NOTNULL.
    public static let constraintNotNull: Int32 = 1299
    /// SQLITE_CONSTRAINT_PRIMARYKEY.
    public static let constraintPrimaryKey: Int32 = 1555
    /// SQLITE_CONSTRAINT_UNIQUE.
    public static let constraintUnique: Int32 = 2067

    /// A short lower-case name for a primary code, for `description`.
    static func name(of primaryCode: Int32) -> String {
        switch primaryCode {
        case 1: "error"
        case 2: "internal"
        case 3: "permission"
        case 4: "abort"
        case 5: "busy"
        case 6: "locked"
        case 7: "no memory"
        case 8: "read-only"
        case 9: "interrupt"
        case 10: "I/O error"
        case 11: "corrupt"
        case 13: "full"
        case 14: "can't open"
        case 17: "schema"
        case 18: "too big"
        case 19: "constraint"
        case 20: "mismatch"
        case 21: "misuse"
        case 25: "range"
        case 26: "not a database"
        default: "code \(primaryCode)"
        }
    }
}

/// Matches a result code against an error, so `catch SQLiteError.constraint` catches every
/// constraint violation and `catch SQLiteError.constraintUnique` only unique ones.
///
/// A free function because Swift requires a member operator to take its own type, and the
/// catch pattern is matched against `any Error`.
public func ~= (code: Int32, error: any Error) -> Bool {
    guard let error = error as? SQLiteError else { return false }
    return error.matches(code)
}
