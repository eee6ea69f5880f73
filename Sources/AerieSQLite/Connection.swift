// Aerie — one SQLite connection
// SPDX-License-Identifier: MIT
import CSQLite

/// One SQLite connection, confined to one thread at a time.
///
/// Opened with `SQLITE_OPEN_NOMUTEX` (multi-thread mode): SQLite does no locking of its own
/// because a connection is never used by two threads at once, which `Connection` not being
/// `Sendable` enforces and `DatabasePool` guarantees when it hands connections out.
///
/// ```swift
/// let conn = try Connection(path: "/data/aerie.db")
/// try conn.execute("CREATE TABLE IF NOT EXISTS posts(id TEXT PRIMARY KEY, title TEXT)")
/// try conn.run("INSERT INTO posts VALUES (?, ?)", [.text("p1"), .text("Hello")])
/// let title = try conn.queryScalar("SELECT title FROM posts WHERE id = ?", [.text("p1")])
/// ```
public final class Connection {
    /// The database file path as given.
    public let path: String
    /// Whether the connection was opened read-only.
    public let isReadOnly: Bool
    /// The C handle; `nil` once closed.
    private var db: OpaquePointer?
    private var cache = StatementCache(capacity: Connection.statementCacheCapacity)
    /// The open handle, for extensions in this module.
    var rawHandle: OpaquePointer? { db }
    /// The `withTimeLimit` deadline (monotonic nanoseconds, 0 = none), read by SQLite's
    /// progress handler through this stable address.
    let timeLimitDeadline: UnsafeMutablePointer<UInt64> = {
        let pointer = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()

    /// Upper bound of the per-connection prepared-statement cache.
    public static let statementCacheCapacity = 256

    /// Opens (and, unless read-only, creates) the database at `path` and applies Aerie's pragmas.
    ///
    /// Order matters: `busy_timeout` comes first so that switching to WAL, which needs a lock,
    /// already waits instead of failing with SQLITE_BUSY; then (writers only) `journal_mode=WAL`,
    /// then `synchronous=NORMAL` (durable in WAL except for the last commits on power loss,
    /// https://sqlite.org/pragma.html#pragma_synchronous), `foreign_keys=ON`, `temp_store=MEMORY`.
    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5000) throws {
        // NOMUTEX is only honoured by a threadsafe build; a single-thread build would be unsafe
        // under the pool no matter what we do.
        precondition(sqlite3_threadsafe() != 0, "libsqlite3 was built without thread support")
        self.path = path
        self.isReadOnly = readOnly
        var handle: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            // sqlite3_open_v2 usually allocates a handle even on failure; it carries the message.
            let message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open database"
            let code = handle.map { sqlite3_extended_errcode($0) } ?? rc
            sqlite3_close_v2(handle)
            throw SQLiteError(code: code, message: message)
        }
        db = handle
        sqlite3_extended_result_codes(handle, 1)
        do {
            sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
            if !readOnly { try execute("PRAGMA journal_mode=WAL") }
            try execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY")
            // No memory-mapped I/O (`mmap_size` stays 0): mapped readers made filtered lists ~11 %
            // faster but updates ~25 % slower, since every checkpoint that grows the file makes
            // each reader remap it (munmap, TLB shootdowns across cores).
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
        timeLimitDeadline.deallocate()
    }

    /// Finalizes cached statements and closes the connection; idempotent.
    ///
    /// Uses `sqlite3_close_v2`, so statements still referenced elsewhere keep the connection
    /// alive as a zombie until they are finalized instead of making the close fail.
    public func close() {
        guard let handle = db else { return }
        cache.removeAll()
        sqlite3_close_v2(handle)
        db = nil
    }

    /// Whether `close()` has been called.
    public var isClosed: Bool { db == nil }

    /// The open handle, or a SQLITE_MISUSE error once closed.
    func handle(sql: String? = nil) throws -> OpaquePointer {
        guard let db else { throw SQLiteError(code: SQLiteError.misuse, message: "connection is closed", sql: sql) }
        return db
    }

    /// The connection's current error.
    func lastError(sql: String?) -> SQLiteError {
        guard let db else { return SQLiteError(code: SQLiteError.misuse, message: "connection is closed", sql: sql) }
        return SQLiteError(code: sqlite3_extended_errcode(db), message: String(cString: sqlite3_errmsg(db)), sql: sql)
    }

    // MARK: - Statements

    /// Runs one or more `;`-separated statements without parameters (`sqlite3_exec`).
    public func execute(_ sql: String) throws {
        let db = try handle(sql: sql)
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        guard rc != SQLITE_OK else { return }
        let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
        sqlite3_free(message)
        throw SQLiteError(code: sqlite3_extended_errcode(db), message: text, sql: sql)
    }

    /// Prepares one statement, uncached.
    public func prepare(_ sql: String) throws -> Statement {
        try prepare(sql, flags: 0)
    }

    private func prepare(_ sql: String, flags: UInt32) throws -> Statement {
        let db = try handle(sql: sql)
        var statement: OpaquePointer?
        var remainderIsBlank = true
        let rc = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(db, text, -1, flags, &statement, &tail)
            // A second statement would be silently ignored; refuse it (execute() runs several).
            while let t = tail, t.pointee != 0 {
                let c = UInt8(bitPattern: t.pointee)
                if c != UInt8(ascii: " ") && c != UInt8(ascii: "\n") && c != UInt8(ascii: "\t")
                    && c != UInt8(ascii: "\r") && c != UInt8(ascii: ";") {
                    remainderIsBlank = false
                    break
                }
                tail = t + 1
            }
            return rc
        }
        guard rc == SQLITE_OK else { throw lastError(sql: sql) }
        guard let statement else {
            throw SQLiteError(code: SQLiteError.misuse, message: "no SQL statement to prepare", sql: sql)
        }
        guard remainderIsBlank else {
            sqlite3_finalize(statement)
            throw SQLiteError(code: SQLiteError.misuse, message: "prepare takes a single statement; use execute for several", sql: sql)
        }
        return Statement(sql: sql, handle: statement)
    }

    /// The cached statement for `sql`, reset with its bindings cleared.
    ///
    /// Statements live in a per-connection LRU of `statementCacheCapacity` entries, prepared with
    /// `SQLITE_PREPARE_PERSISTENT`. When the cached statement is still being stepped (a nested
    /// query with the same SQL inside a `query` row callback), a fresh uncached statement is
    /// returned instead, so the outer iteration is never reset underneath its caller.
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = cache.statement(for: sql) {
            if statement.isBusy { return try prepare(sql, flags: 0) }
            statement.reset()
            return statement
        }
        let statement = try prepare(sql, flags: UInt32(SQLITE_PREPARE_PERSISTENT))
        cache.insert(statement)
        return statement
    }

    /// Number of statements currently in the cache.
    public var cachedStatementCount: Int { cache.count }

    /// Runs one statement with `arguments` via the cache, stepping it to completion; returns the
    /// number of rows changed (`sqlite3_changes64`).
    @discardableResult
    public func run(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try bind(arguments, to: statement)
        while try statement.step() {}
        return changes
    }

    /// Runs a query via the cache and calls `row` for each result row; the statement is always
    /// reset afterwards, also when `row` throws, so no read snapshot stays open.
    public func query(_ sql: String, _ arguments: [SQLValue] = [], _ row: (Statement) throws -> Void) throws {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try bind(arguments, to: statement)
        while try statement.step() { try row(statement) }
    }

    /// The first row's values, or `nil` when the query returns no row.
    public func queryRow(_ sql: String, _ arguments: [SQLValue] = []) throws -> [SQLValue]? {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try bind(arguments, to: statement)
        return try statement.step() ? statement.values() : nil
    }

    /// The first column of the first row, or `nil` when the query returns no row.
    public func queryScalar(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLValue? {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try bind(arguments, to: statement)
        return try statement.step() ? statement.value(0) : nil
    }

    /// Binds 1...n to a statement whose bindings are already clear.
    private func bind(_ arguments: [SQLValue], to statement: Statement) throws {
        var index: Int32 = 1
        for argument in arguments {
            try statement.bind(argument, at: index)
            index += 1
        }
    }

    // MARK: - State

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 { db.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int { db.map { Int(sqlite3_changes64($0)) } ?? 0 }

    /// Whether a transaction is open (`!sqlite3_get_autocommit`).
    public var isInTransaction: Bool { db.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// Whether a table (or view) named `name` exists in the main schema; names compare
    /// case-insensitively, as SQLite resolves them.
    public func tableExists(_ name: String) throws -> Bool {
        try queryScalar(
            "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
            [.text(name)]) != nil
    }

    /// Runs `PRAGMA wal_checkpoint(TRUNCATE)` through the C API; throws SQLITE_BUSY when readers
    /// kept the checkpoint from completing within the busy timeout.
    func checkpointTruncate() throws {
        let db = try handle()
        let rc = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        if rc != SQLITE_OK { throw lastError(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }
}
