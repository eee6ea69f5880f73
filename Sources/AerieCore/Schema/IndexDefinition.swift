// Aerie — a parsed CREATE INDEX statement from the schema file
// SPDX-License-Identifier: MIT
import AerieBase

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (col [COLLATE x] [ASC|DESC], …) [WHERE expr]`,
/// parsed so names and columns can be checked against the collection before any SQL runs.
public struct IndexDefinition: Sendable, Hashable {
    public var name: String
    public var table: String
    public var isUnique: Bool
    public var columns: [String]
    /// The text between the parentheses, as written (column list with collations and order).
    public var columnsSQL: String
    /// The `WHERE` clause without the keyword, or "".
    public var whereSQL: String
    /// The statement as written in the schema file.
    public var sql: String

    /// Parses one statement; returns a message on failure.
    public static func parse(_ sql: String) -> Result<IndexDefinition, IndexParseError> {
        var lexer = Lexer(Array(sql.utf8))
        func fail(_ m: String) -> Result<IndexDefinition, IndexParseError> { .failure(IndexParseError(message: m)) }
        guard lexer.keyword("CREATE") else { return fail("must start with CREATE INDEX or CREATE UNIQUE INDEX") }
        let unique = lexer.keyword("UNIQUE")
        guard lexer.keyword("INDEX") else { return fail("must start with CREATE INDEX or CREATE UNIQUE INDEX") }
        if lexer.keyword("IF") {
            guard lexer.keyword("NOT"), lexer.keyword("EXISTS") else { return fail("expected IF NOT EXISTS") }
        }
        guard let name = lexer.identifier() else { return fail("expected an index name") }
        guard lexer.keyword("ON") else { return fail("expected ON after the index name") }
        guard let table = lexer.identifier() else { return fail("expected a collection name after ON") }
        guard lexer.punct(UInt8(ascii: "(")) else { return fail("expected ( and a column list") }
        let open = lexer.i
        var depth = 1
        while lexer.i < lexer.b.count && depth > 0 {
            let c = lexer.b[lexer.i]
            if c == UInt8(ascii: "(") { depth += 1 } else if c == UInt8(ascii: ")") { depth -= 1 }
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "`") {
                let q = c
                lexer.i += 1
                while lexer.i < lexer.b.count && lexer.b[lexer.i] != q { lexer.i += 1 }
            }
            lexer.i += 1
        }
        guard depth == 0 else { return fail("unbalanced parentheses in the column list") }
        let inner = Array(lexer.b[open..<(lexer.i - 1)])
        var columns: [String] = []
        for part in splitTopLevel(inner) {
            var l = Lexer(part)
            guard let col = l.identifier() else { return fail("each indexed term must start with a column name") }
            columns.append(col)
        }
        guard !columns.isEmpty else { return fail("the column list is empty") }
        var whereSQL = ""
        if lexer.keyword("WHERE") {
            whereSQL = String(decoding: lexer.b[lexer.i...], as: UTF8.self).trimmingASCII()
            if whereSQL.hasSuffix(";") { whereSQL.removeLast() }
            if whereSQL.isEmpty { return fail("WHERE needs an expression") }
            if whereSQL.contains(";") { return fail("only one statement is allowed") }
        } else {
            lexer.skipSpace()
            if lexer.i < lexer.b.count && lexer.b[lexer.i] == UInt8(ascii: ";") { lexer.i += 1; lexer.skipSpace() }
            guard lexer.i == lexer.b.count else { return fail("unexpected text after the column list") }
        }
        return .success(IndexDefinition(name: name, table: table, isUnique: unique, columns: columns,
                                        columnsSQL: String(decoding: inner, as: UTF8.self).trimmingASCII(),
                                        whereSQL: whereSQL, sql: sql))
    }

    private static func splitTopLevel(_ b: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = [], current: [UInt8] = [], depth = 0
        for c in b {
            if c == UInt8(ascii: "(") { depth += 1 }
            if c == UInt8(ascii: ")") { depth -= 1 }
            if c == UInt8(ascii: ",") && depth == 0 { parts.append(current); current = []; continue }
            current.append(c)
        }
        parts.append(current)
        return parts
    }

    private struct Lexer {
        let b: [UInt8]
        var i = 0
        init(_ b: [UInt8]) { self.b = b }
        mutating func skipSpace() { while i < b.count && (b[i] == 32 || b[i] == 9 || b[i] == 10 || b[i] == 13) { i += 1 } }
        mutating func keyword(_ k: String) -> Bool {
            skipSpace()
            let kb = Array(k.utf8)
            guard i + kb.count <= b.count else { return false }
            for (j, c) in kb.enumerated() where (b[i + j] | 0x20) != (c | 0x20) { return false }
            if i + kb.count < b.count, isIdent(b[i + kb.count]) { return false }
            i += kb.count
            return true
        }
        mutating func punct(_ c: UInt8) -> Bool {
            skipSpace()
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        func isIdent(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c == 95 }
        mutating func identifier() -> String? {
            skipSpace()
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: "`") || b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "[") {
                let close = b[i] == UInt8(ascii: "[") ? UInt8(ascii: "]") : b[i]
                let start = i + 1
                i += 1
                while i < b.count && b[i] != close { i += 1 }
                guard i < b.count, i > start else { return nil }
                let name = String(decoding: b[start..<i], as: UTF8.self)
                i += 1
                return name
            }
            let start = i
            while i < b.count && isIdent(b[i]) { i += 1 }
            return i > start ? String(decoding: b[start..<i], as: UTF8.self) : nil
        }
    }
}

/// Why an index statement was rejected.
public struct IndexParseError: Error, Sendable { public var message: String }
