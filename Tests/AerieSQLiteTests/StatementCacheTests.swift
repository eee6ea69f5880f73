// Aerie — statement cache tests
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieSQLite

@Suite struct StatementCacheTests {
    @Test func returnsSameStatement_ForSameSQL() throws {
        let conn = try Connection(path: ":memory:")
        let first = try conn.cachedStatement("SELECT ?")
        try first.bind([.integer(1)])
        #expect(try first.step())
        #expect(try !first.step())
        let second = try conn.cachedStatement("SELECT ?")
        #expect(first === second)
        // Handed out reset with bindings cleared.
        #expect(try second.step())
        #expect(second.isNull(0))
        #expect(try conn.cachedStatement("SELECT 2") !== first)
    }

    @Test func handsOutFreshStatement_WhileCachedOneIsMidIteration() throws {
        let conn = try Connection(path: ":memory:")
        let first = try conn.cachedStatement("SELECT 1")
        #expect(try first.step())
        let second = try conn.cachedStatement("SELECT 1")
        #expect(first !== second)
        #expect(first.isBusy)  // not reset underneath its user
        first.reset()
        #expect(try conn.cachedStatement("SELECT 1") === first)
    }

    @Test func isBounded_AndEvictsLeastRecentlyUsed() throws {
        let conn = try Connection(path: ":memory:")
        let keep = try conn.cachedStatement("SELECT 'keep'")
        for i in 0..<(Connection.statementCacheCapacity + 50) {
            _ = try conn.cachedStatement("SELECT \(i)")
            _ = try conn.cachedStatement("SELECT 'keep'")  // stays most recent
        }
        #expect(conn.cachedStatementCount == Connection.statementCacheCapacity)
        #expect(try conn.cachedStatement("SELECT 'keep'") === keep)
        // The oldest distinct statement was evicted and is prepared anew.
        #expect(try conn.queryScalar("SELECT 0") == .integer(0))
        #expect(conn.cachedStatementCount == Connection.statementCacheCapacity)
    }
}
