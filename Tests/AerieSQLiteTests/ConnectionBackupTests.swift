// Aerie — online backup tests
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieSQLite

@Suite struct ConnectionBackupTests {
    @Test func backupProducesIntactCopy() throws {
        let dir = try TemporaryDirectory()
        let pool = try DatabasePool(path: dir.file("db.sqlite"), readerCount: 2)
        try pool.write { conn in
            try conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT); CREATE INDEX t_body ON t(body)")
            for i in 0..<500 { try conn.run("INSERT INTO t(body) VALUES (?)", [.text("row \(i)")]) }
        }
        // Back up from a reader while the writer keeps writing: the copy is a snapshot.
        try pool.read { try $0.backup(to: dir.file("backup.sqlite")) }
        try pool.write { try $0.run("DELETE FROM t") }
        let copy = try Connection(path: dir.file("backup.sqlite"), readOnly: true)
        #expect(try copy.queryScalar("PRAGMA integrity_check") == .text("ok"))
        #expect(try copy.queryScalar("SELECT count(*) FROM t") == .integer(500))
    }

    @Test func backupFails_WhenDestinationIsUnwritable() throws {
        let dir = try TemporaryDirectory()
        let conn = try Connection(path: ":memory:")
        #expect(throws: SQLiteError.self) { try conn.backup(to: dir.file("no/such/dir.sqlite")) }
    }
}
