// Aerie — SQLiteError tests
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieSQLite

@Suite struct SQLiteErrorTests {
    @Test func uniqueViolation_CarriesCodeAndSQL_ButNotBoundValues() throws {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE users(email TEXT UNIQUE, token TEXT)")
        let secret = "s3cr3t-token-value"
        let sql = "INSERT INTO users(email, token) VALUES (?, ?)"
        try conn.run(sql, [.text("a@example.com"), .text(secret)])
        let error = #expect(throws: SQLiteError.self) { try conn.run(sql, [.text("a@example.com"), .text(secret)]) }
        guard let error else { return }
        #expect(error.code == SQLiteError.constraintUnique)
        #expect(error.primaryCode == SQLiteError.constraint)
        #expect(error.isUniqueConstraint)
        #expect(error.isConstraint)
        #expect(!error.isBusy)
        #expect(error.sql == sql)
        #expect(error.message.contains("UNIQUE constraint failed"))
        #expect(!error.description.contains(secret))
        #expect(!error.description.contains("a@example.com"))
        #expect(error.description.contains(sql))
    }

    @Test func primaryKeyViolation_IsUniqueConstraint() throws {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE t(id TEXT PRIMARY KEY) WITHOUT ROWID; INSERT INTO t VALUES ('a')")
        let error = #expect(throws: SQLiteError.self) { try conn.run("INSERT INTO t VALUES (?)", [.text("a")]) }
        #expect(error?.code == SQLiteError.constraintPrimaryKey)
        #expect(error?.isUniqueConstraint == true)
    }

    @Test func foreignKeyViolation_IsReported() throws {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE a(id INTEGER PRIMARY KEY); CREATE TABLE b(a_id INTEGER REFERENCES a(id))")
        let error = #expect(throws: SQLiteError.self) { try conn.run("INSERT INTO b VALUES (42)") }
        #expect(error?.isForeignKeyConstraint == true)
        #expect(error?.isUniqueConstraint == false)
    }

    @Test func catchPattern_MatchesPrimaryAndExtendedCodes() throws {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE t(v TEXT NOT NULL)")
        var caughtFamily = false
        do { try conn.run("INSERT INTO t VALUES (NULL)") } catch SQLiteError.constraint { caughtFamily = true }
        #expect(caughtFamily)
        var caughtExact = false
        do { try conn.run("INSERT INTO t VALUES (NULL)") } catch SQLiteError.constraintUnique {
            Issue.record("NOT NULL must not match UNIQUE")
        } catch SQLiteError.constraintNotNull { caughtExact = true }
        #expect(caughtExact)
        #expect(!(SQLiteError.constraint ~= (CancellationError() as any Error)))
    }

    @Test func syntaxError_HasGenericCode() throws {
        let conn = try Connection(path: ":memory:")
        let error = #expect(throws: SQLiteError.self) { try conn.run("SELEC 1") }
        #expect(error?.code == SQLiteError.error)
        #expect(error?.sql == "SELEC 1")
        #expect(error?.description.hasPrefix("SQLite error 1 (error): ") == true)
    }
}
