// Aerie — SQL dialect tests
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieSQLite

@Suite struct SQLDialectTests {
    let dialect: any SQLDialect = SQLiteDialect()

    @Test(arguments: [("title", "\"title\""), ("a\"b", "\"a\"\"b\""), ("", "\"\""), ("sp ace", "\"sp ace\"")])
    func quotesIdentifiers(_ input: String, _ expected: String) {
        #expect(dialect.quoteIdentifier(input) == expected)
    }

    @Test func quotedIdentifierIsUsableInSQLite() throws {
        let conn = try Connection(path: ":memory:")
        let table = dialect.quoteIdentifier("we\"ird; DROP")
        try conn.execute("CREATE TABLE \(table)(\(dialect.quoteIdentifier("select")) \(dialect.columnType(for: .text)))")
        try conn.run("INSERT INTO \(table) VALUES (\(dialect.placeholder(1)))", [.text("x")])
        #expect(try conn.tableExists("we\"ird; DROP"))
    }

    @Test func describesSQLite() throws {
        #expect(dialect.name == "sqlite")
        #expect(dialect.placeholder(3) == "?")
        #expect(dialect.columnType(for: .integer) == "INTEGER")
        #expect(dialect.columnType(for: .real) == "REAL")
        #expect(dialect.columnType(for: .boolean) == "BOOLEAN")
        #expect(dialect.columnType(for: .json) == "JSON")
        #expect(dialect.columnType(for: .blob) == "BLOB")
        let conn = try Connection(path: ":memory:")
        guard case .text(let now)? = try conn.queryScalar("SELECT \(dialect.currentTimestampExpression)") else {
            Issue.record("timestamp is not text"); return
        }
        #expect(now.utf8.count == 24)  // 2024-05-01 12:00:00.123Z
        #expect(now.hasSuffix("Z"))
    }
}
