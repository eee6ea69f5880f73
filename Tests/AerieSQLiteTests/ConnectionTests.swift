// Aerie — Connection tests
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieSQLite

@Suite struct ConnectionTests {
    @Test func appliesPragmas_WhenOpened() throws {
        let dir = try TemporaryDirectory()
        let conn = try Connection(path: dir.file("db.sqlite"))
        #expect(try conn.queryScalar("PRAGMA journal_mode") == .text("wal"))
        #expect(try conn.queryScalar("PRAGMA foreign_keys") == .integer(1))
        #expect(try conn.queryScalar("PRAGMA busy_timeout") == .integer(5000))
        #expect(try conn.queryScalar("PRAGMA synchronous") == .integer(1))  // NORMAL
        #expect(try conn.queryScalar("PRAGMA temp_store") == .integer(2))   // MEMORY
    }

    @Test func readOnlyConnection_RejectsWrites() throws {
        let dir = try TemporaryDirectory()
        let writer = try Connection(path: dir.file("db.sqlite"))
        try writer.execute("CREATE TABLE t(x)")
        let reader = try Connection(path: dir.file("db.sqlite"), readOnly: true, busyTimeoutMilliseconds: 1234)
        #expect(reader.isReadOnly)
        #expect(try reader.queryScalar("PRAGMA busy_timeout") == .integer(1234))
        #expect(try reader.queryScalar("PRAGMA foreign_keys") == .integer(1))
        let error = #expect(throws: SQLiteError.self) { try reader.run("INSERT INTO t VALUES (1)") }
        #expect(error?.primaryCode == SQLiteError.readOnly)
    }

    @Test func openFails_WhenDirectoryIsMissing() throws {
        let dir = try TemporaryDirectory()
        let error = #expect(throws: SQLiteError.self) { try Connection(path: dir.file("missing/db.sqlite")) }
        #expect(error?.primaryCode == SQLiteError.cantOpen)
    }

    @Test func runReturnsChanges_AndLastInsertRowID() throws {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t(name) VALUES ('a'), ('b')")
        #expect(try conn.run("INSERT INTO t(name) VALUES (?)", [.text("c")]) == 1)
        #expect(conn.lastInsertRowID == 3)
        #expect(try conn.run("UPDATE t SET name = upper(name)") == 3)
        #expect(conn.changes == 3)
    }

    @Test func queryCallsRowForEachRow() throws {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE t(n INTEGER); INSERT INTO t VALUES (1), (2), (3)")
        var seen: [Int64] = []
        try conn.query("SELECT n FROM t WHERE n >= ? ORDER BY n", [.integer(2)]) { seen.append($0.int64(0)) }
        #expect(seen == [2, 3])
        #expect(try conn.queryRow("SELECT n, n * 10 FROM t ORDER BY n") == [.integer(1), .integer(10)])
        #expect(try conn.queryRow("SELECT n FROM t WHERE n > 99") == nil)
        #expect(try conn.queryScalar("SELECT NULL") == .null)
        #expect(try conn.queryScalar("SELECT n FROM t WHERE n > 99") == nil)
    }

    struct Stop: Error {}

    @Test func queryResetsStatement_WhenRowThrows() throws {
        let dir = try TemporaryDirectory()
        let conn = try Connection(path: dir.file("db.sqlite"))
        try conn.execute("CREATE TABLE t(n INTEGER); INSERT INTO t VALUES (1), (2)")
        #expect(throws: Stop.self) { try conn.query("SELECT n FROM t") { _ in throw Stop() } }
        // An unreset SELECT would keep a read transaction open.
        #expect(!conn.isInTransaction)
        #expect(!(try conn.cachedStatement("SELECT n FROM t")).isBusy)
        var count = 0
        try conn.query("SELECT n FROM t") { _ in count += 1 }
        #expect(count == 2)
    }

    @Test func nestedQueryWithSameSQL_DoesNotResetOuterIteration() throws {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE t(n INTEGER); INSERT INTO t VALUES (1), (2), (3)")
        var pairs = 0
        try conn.query("SELECT n FROM t") { _ in
            try conn.query("SELECT n FROM t") { _ in pairs += 1 }
        }
        #expect(pairs == 9)
    }

    @Test func prepareRejectsSeveralStatements_AndEmptySQL() throws {
        let conn = try Connection(path: ":memory:")
        #expect(throws: SQLiteError.self) { try conn.prepare("SELECT 1; SELECT 2") }
        #expect(throws: SQLiteError.self) { try conn.prepare("  ") }
        _ = try conn.prepare("SELECT 1; ")
    }

    @Test func tableExists_IgnoresCase() throws {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE Posts(id TEXT)")
        #expect(try conn.tableExists("posts"))
        #expect(try conn.tableExists("Posts"))
        #expect(try !conn.tableExists("users"))
    }

    @Test func closeIsIdempotent_AndLaterCallsThrowMisuse() throws {
        let conn = try Connection(path: ":memory:")
        let statement = try conn.prepare("SELECT 1")  // outlives the close: sqlite3_close_v2 zombie
        conn.close()
        conn.close()
        #expect(conn.isClosed)
        let error = #expect(throws: SQLiteError.self) { try conn.run("SELECT 1") }
        #expect(error?.code == SQLiteError.misuse)
        #expect(conn.changes == 0)
        #expect(!conn.isInTransaction)
        _ = statement
    }
}
