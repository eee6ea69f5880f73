// Aerie — transaction and savepoint tests
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieSQLite

@Suite struct ConnectionTransactionsTests {
    struct Failure: Error {}

    func makeConnection() throws -> Connection {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE t(n INTEGER)")
        return conn
    }

    func count(_ conn: Connection) throws -> SQLValue? { try conn.queryScalar("SELECT count(*) FROM t") }

    @Test(arguments: [Connection.TransactionKind.deferred, .immediate, .exclusive])
    func transactionCommits_WhenBodyReturns(_ kind: Connection.TransactionKind) throws {
        let conn = try makeConnection()
        let result = try conn.transaction(kind) {
            #expect(conn.isInTransaction)
            try conn.run("INSERT INTO t VALUES (1)")
            return "done"
        }
        #expect(result == "done")
        #expect(!conn.isInTransaction)
        #expect(try count(conn) == .integer(1))
    }

    @Test func transactionRollsBack_WhenBodyThrows() throws {
        let conn = try makeConnection()
        #expect(throws: Failure.self) {
            try conn.transaction {
                try conn.run("INSERT INTO t VALUES (1)")
                throw Failure()
            }
        }
        #expect(!conn.isInTransaction)
        #expect(try count(conn) == .integer(0))
    }

    @Test func nestedTransaction_Throws() throws {
        let conn = try makeConnection()
        try conn.transaction {
            let error = #expect(throws: SQLiteError.self) { try conn.transaction { } }
            #expect(error?.sql == "BEGIN IMMEDIATE")
        }
        #expect(!conn.isInTransaction)
    }

    @Test func savepointRollsBackOnlyItsOwnWork() throws {
        let conn = try makeConnection()
        try conn.transaction {
            try conn.run("INSERT INTO t VALUES (1)")
            try conn.savepoint("outer") {
                try conn.run("INSERT INTO t VALUES (2)")
                #expect(throws: Failure.self) {
                    try conn.savepoint("inner \"quoted\"") {
                        try conn.run("INSERT INTO t VALUES (3)")
                        throw Failure()
                    }
                }
            }
        }
        var seen: [Int64] = []
        try conn.query("SELECT n FROM t ORDER BY n") { seen.append($0.int64(0)) }
        #expect(seen == [1, 2])
    }

    @Test func outermostSavepoint_ActsAsTransaction() throws {
        let conn = try makeConnection()
        #expect(throws: Failure.self) {
            try conn.savepoint("sp") {
                try conn.run("INSERT INTO t VALUES (1)")
                #expect(conn.isInTransaction)
                throw Failure()
            }
        }
        #expect(!conn.isInTransaction)
        #expect(try count(conn) == .integer(0))
        try conn.savepoint("sp") { try conn.run("INSERT INTO t VALUES (1)") }
        #expect(!conn.isInTransaction)
        #expect(try count(conn) == .integer(1))
    }
}
