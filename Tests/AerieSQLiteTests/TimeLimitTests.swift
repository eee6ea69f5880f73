// Aerie — Connection.withTimeLimit stops long statements and leaves the connection usable
// SPDX-License-Identifier: MIT
import AerieSQLite
import Foundation
import Testing

@Suite struct TimeLimitTests {
    /// Counts forever: only an interrupt ends it.
    static let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"

    @Test func endlessQuery_isStoppedNearItsLimit_andTheConnectionStillWorks() throws {
        let db = try Connection(path: ":memory:")
        let start = Date()
        var stopped = false
        do {
            _ = try db.withTimeLimit(milliseconds: 50) { try db.queryScalar(Self.endless) }
        } catch let error as SQLiteError {
            stopped = error.isInterrupted
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(stopped)
        #expect(elapsed >= 0.045 && elapsed < 2, "stopped after \(elapsed) s")
        #expect(try db.queryScalar("SELECT 41 + 1") == .integer(42))
        // The limit ended with the call: a later statement runs as long as it needs.
        #expect(try db.queryScalar("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c") == .integer(300_000))
    }

    @Test func zeroMeansNoLimit_andQuickQueriesPass() throws {
        let db = try Connection(path: ":memory:")
        #expect(try db.withTimeLimit(milliseconds: 0) { try db.queryScalar("SELECT 1") } == .integer(1))
        #expect(try db.withTimeLimit(milliseconds: 5_000) { try db.queryScalar("SELECT 2") } == .integer(2))
    }

    @Test func nestedCalls_keepTheOuterDeadline() throws {
        let db = try Connection(path: ":memory:")
        let start = Date()
        #expect(throws: SQLiteError.self) {
            try db.withTimeLimit(milliseconds: 50) {
                try db.withTimeLimit(milliseconds: 60_000) { _ = try db.queryScalar(Self.endless) }
            }
        }
        #expect(Date().timeIntervalSince(start) < 2)
    }
}
