// Aerie — Statement tests
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieSQLite

@Suite struct StatementTests {
    static let values: [SQLValue] = [
        .null,
        .integer(0), .integer(Int64.min), .integer(Int64.max), .integer(-1),
        .real(3.25), .real(-0.5), .real(Double.greatestFiniteMagnitude),
        .text(""), .text("héllo 🌍"), .text("a\u{0}b"), .text("\u{0}"),
        .blob([]), .blob([0, 1, 255]), .blob([UInt8](repeating: 7, count: 10_000)),
    ]

    @Test(arguments: values)
    func valueRoundTrips(_ value: SQLValue) throws {
        let conn = try Connection(path: ":memory:")
        try conn.execute("CREATE TABLE t(v)")  // no declared type: no affinity conversion
        try conn.run("INSERT INTO t VALUES (?)", [value])
        #expect(try conn.queryScalar("SELECT v FROM t") == value)
        let statement = try conn.prepare("SELECT v, typeof(v) FROM t")
        #expect(try statement.step())
        switch value {
        case .null:
            #expect(statement.isNull(0))
            #expect(statement.columnType(0) == .null)
        case .integer(let v):
            #expect(statement.int64(0) == v)
            #expect(statement.columnType(0) == .integer)
        case .real(let v):
            #expect(statement.double(0) == v)
            #expect(statement.columnType(0) == .real)
        case .text(let v):
            #expect(statement.string(0) == v)
            #expect(statement.withUTF8(0) { Array($0) } == Array(v.utf8))
            #expect(statement.columnType(0) == .text)
        case .blob(let v):
            #expect(statement.blob(0) == v)
            #expect(statement.columnType(0) == .blob)
            #expect(statement.string(1) == "blob")  // an empty blob is not NULL
        }
        #expect(try !statement.step())
    }

    @Test func fastPathBinds_RoundTrip() throws {
        let conn = try Connection(path: ":memory:")
        let statement = try conn.prepare("SELECT ?, ?, ?")
        statement.bind(int64: Int64.min, at: 1)
        statement.bind(text: "x\u{0}y", at: 2)
        statement.bindNull(at: 3)
        #expect(try statement.step())
        #expect(statement.values() == [.integer(Int64.min), .text("x\u{0}y"), .null])
    }

    @Test func fastPathBindError_IsThrownByNextStep() throws {
        let conn = try Connection(path: ":memory:")
        let statement = try conn.prepare("SELECT ?")
        statement.bind(int64: 1, at: 5)
        let error = #expect(throws: SQLiteError.self) { try statement.step() }
        #expect(error?.primaryCode == SQLiteError.range)
        #expect(error?.sql == "SELECT ?")
        statement.reset()
        statement.bind(int64: 1, at: 1)
        #expect(try statement.step())
    }

    @Test func throwingBind_ReportsRange() throws {
        let conn = try Connection(path: ":memory:")
        let statement = try conn.prepare("SELECT ?")
        #expect(statement.parameterCount == 1)
        let error = #expect(throws: SQLiteError.self) { try statement.bind([.integer(1), .integer(2)]) }
        #expect(error?.primaryCode == SQLiteError.range)
    }

    @Test func columnsDescribeTheResult() throws {
        let conn = try Connection(path: ":memory:")
        let statement = try conn.prepare("SELECT 1 AS one, 'two' AS two, 3.0 AS three")
        #expect(statement.columnCount == 3)
        #expect((0..<3).map(statement.columnName) == ["one", "two", "three"])
        #expect(try statement.step())
        #expect((0..<3).map(statement.columnType) == [.integer, .text, .real])
    }

    @Test func resetClearsBindings() throws {
        let conn = try Connection(path: ":memory:")
        let statement = try conn.prepare("SELECT ?")
        try statement.bind([.integer(9)])
        #expect(try statement.step())
        statement.reset()
        #expect(try statement.step())
        #expect(statement.isNull(0))
    }
}
