// Aerie — a prepared statement
// SPDX-License-Identifier: MIT
import CSQLite

/// A prepared statement owned by one connection; finalized in `deinit`.
///
/// Not `Sendable`: like its connection it is confined to one thread at a time.
/// Column accessors take 0-based indexes, bind methods 1-based ones (SQLite's conventions).
///
/// ```swift
/// let statement = try conn.prepare("SELECT id, title FROM posts WHERE id = ?")
/// statement.bind(text: "abc", at: 1)
/// while try statement.step() { print(statement.string(1)) }
/// ```
public final class Statement {
    /// The SQL text the statement was prepared from.
    public let sql: String
    /// The C handle, valid until `deinit`.
    let handle: OpaquePointer
    /// The first failure of a non-throwing fast-path bind, thrown by the next `step()`.
    private var pendingBindError: SQLiteError?
    /// Statement-cache bookkeeping: the connection's use counter at the last checkout.
    var lastUse: UInt64 = 0

    init(sql: String, handle: OpaquePointer) {
        self.sql = sql
        self.handle = handle
    }

    deinit { sqlite3_finalize(handle) }

    /// The connection's error for a non-OK result code.
    private func error(_ resultCode: Int32) -> SQLiteError {
        let db = sqlite3_db_handle(handle)
        // A failed bind sets the extended code on the connection; fall back to the call's result.
        let extended = db.map { sqlite3_extended_errcode($0) } ?? resultCode
        let code = extended & 0xff == resultCode & 0xff ? extended : resultCode
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "unknown error"
        return SQLiteError(code: code, message: message, sql: sql)
    }

    // MARK: - Binding

    /// Binds a value to the 1-based parameter `index`.
    public func bind(_ value: SQLValue, at index: Int32) throws {
        let rc = bindCode(value, at: index)
        if rc != SQLITE_OK { throw error(rc) }
    }

    /// Clears all bindings, then binds `values` to parameters 1...n.
    public func bind(_ values: [SQLValue]) throws {
        sqlite3_clear_bindings(handle)
        pendingBindError = nil
        var index: Int32 = 1
        for value in values {
            try bind(value, at: index)
            index += 1
        }
    }

    /// Binds an integer; non-throwing fast path. A failure (an index out of range) is remembered
    /// and thrown by the next `step()`.
    public func bind(int64 value: Int64, at index: Int32) {
        record(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds text with its explicit UTF-8 length (so NUL bytes survive); non-throwing fast path.
    /// A failure (an index out of range, or text over SQLITE_MAX_LENGTH) is thrown by the next `step()`.
    public func bind(text value: String, at index: Int32) {
        record(bindText(value, at: index))
    }

    /// Binds NULL; non-throwing fast path like `bind(int64:at:)`.
    public func bindNull(at index: Int32) {
        record(sqlite3_bind_null(handle, index))
    }

    /// Number of SQL parameters (the largest index).
    public var parameterCount: Int32 { sqlite3_bind_parameter_count(handle) }

    private func record(_ rc: Int32) {
        if rc != SQLITE_OK, pendingBindError == nil { pendingBindError = error(rc) }
    }

    private func bindCode(_ value: SQLValue, at index: Int32) -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(handle, index)
        case .integer(let v):
            return sqlite3_bind_int64(handle, index, v)
        case .real(let v):
            return sqlite3_bind_double(handle, index, v)
        case .text(let v):
            return bindText(v, at: index)
        case .blob(let bytes):
            // A NULL data pointer would bind SQL NULL (https://sqlite.org/c3ref/bind_blob.html),
            // so an empty blob is bound as a zero-length zeroblob instead.
            if bytes.isEmpty { return sqlite3_bind_zeroblob(handle, index, 0) }
            return bytes.withUnsafeBytes {
                sqlite3_bind_blob64(handle, index, $0.baseAddress, sqlite3_uint64($0.count), aerie_sqlite_transient())
            }
        }
    }

    private func bindText(_ value: String, at index: Int32) -> Int32 {
        var value = value
        return value.withUTF8 { utf8 in
            // Same NULL-pointer rule as blobs: an empty string must still be text.
            guard let base = utf8.baseAddress, utf8.count > 0 else {
                return sqlite3_bind_text(handle, index, "", 0, aerie_sqlite_transient())
            }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text64(handle, index, $0, sqlite3_uint64(utf8.count), aerie_sqlite_transient(), UInt8(SQLITE_UTF8))
            }
        }
    }

    // MARK: - Stepping

    /// Advances to the next row; `true` when a row is available, `false` when done.
    public func step() throws -> Bool {
        if let pending = pendingBindError {
            pendingBindError = nil
            throw pending
        }
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw error(rc)
    }

    /// Resets the statement so it can run again and clears its bindings.
    public func reset() {
        // sqlite3_reset repeats the last step's error, which `step()` already threw.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        pendingBindError = nil
    }

    /// Whether the statement has been stepped but not yet run to completion or reset.
    var isBusy: Bool { sqlite3_stmt_busy(handle) != 0 }

    // MARK: - Columns

    /// Number of columns in the result.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of column `i` (its `AS` alias when given).
    public func columnName(_ i: Int32) -> String {
        sqlite3_column_name(handle, i).map { String(cString: $0) } ?? ""
    }

    /// The storage class of column `i` in the current row.
    public func columnType(_ i: Int32) -> SQLColumnType {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_TEXT: .text
        case SQLITE_BLOB: .blob
        default: .null
        }
    }

    /// Whether column `i` is NULL in the current row.
    public func isNull(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }

    /// Column `i` as an integer (SQLite's conversions apply; NULL is 0).
    public func int64(_ i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }

    /// Column `i` as a double (SQLite's conversions apply; NULL is 0.0).
    public func double(_ i: Int32) -> Double { sqlite3_column_double(handle, i) }

    /// Column `i` as a string, decoded from its UTF-8 bytes with their explicit length.
    public func string(_ i: Int32) -> String {
        withUTF8(i) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with column `i`'s UTF-8 bytes without copying them; the buffer is valid only
    /// inside `body` (until the next step, reset or column conversion).
    public func withUTF8<T>(_ i: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        // text first, then bytes: the documented order that yields the UTF-8 length
        // (https://sqlite.org/c3ref/column_blob.html).
        guard let text = sqlite3_column_text(handle, i) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let count = Int(sqlite3_column_bytes(handle, i))
        return try body(UnsafeRawBufferPointer(start: text, count: count))
    }

    /// Column `i` as bytes; an empty blob and NULL both read as `[]`.
    public func blob(_ i: Int32) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(handle, i) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, i))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    /// Column `i` with its own storage class.
    public func value(_ i: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT: .text(string(i))
        case SQLITE_BLOB: .blob(blob(i))
        default: .null
        }
    }

    /// Every column of the current row.
    public func values() -> [SQLValue] {
        let count = columnCount
        var row: [SQLValue] = []
        row.reserveCapacity(Int(count))
        for i in 0..<count { row.append(value(i)) }
        return row
    }
}
