// Aerie — tests for the sort parameter parser (spec §6)
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieFilter

@Suite struct SortParserTests {
    @Test func parsesDirectionsAndTrimsWhitespace() throws {
        let terms = try SortParser.parse("-created, title ,+views,\tauthor.name")
        #expect(terms == [
            SortTerm(.identifier("created", position: SourcePosition(line: 1, column: 2, offset: 1)), isDescending: true),
            SortTerm(.identifier("title", position: SourcePosition(line: 1, column: 11, offset: 10))),
            SortTerm(.identifier("views", position: SourcePosition(line: 1, column: 19, offset: 18))),
            SortTerm(.identifier("author.name", position: SourcePosition(line: 1, column: 26, offset: 25))),
        ])
        #expect(terms.map(\.direction) == ["DESC", "ASC", "ASC", "ASC"])
    }

    @Test func specialTerms() throws {
        #expect(try SortParser.parse("@random,-@rowid") == [SortTerm(.random), SortTerm(.rowID, isDescending: true)])
    }

    @Test(arguments: ["", "   "])
    func emptyMeansNoSort(_ text: String) throws {
        #expect(try SortParser.parse(text).isEmpty)
    }

    @Test(arguments: [
        ("a,,b", "empty sort term at 1:3"),
        ("a,", "empty sort term at 1:3"),
        ("-", "invalid sort term \"-\" at 1:1"),
        ("'title'", "invalid sort term \"'title'\" at 1:1"),
        ("123", "invalid sort term \"123\" at 1:1"),
        ("a b", "invalid sort term \"a b\" at 1:1"),
        ("a = 1", "invalid sort term \"a = 1\" at 1:1"),
        ("x,true", "cannot sort by the literal \"true\" at 1:3"),
        ("NULL", "cannot sort by the literal \"NULL\" at 1:1"),
        ("@now", "cannot sort by the literal \"@now\" at 1:1"),
        ("title.", "invalid identifier \"title.\" at 1:1"),
        ("x,--a", "unexpected character '-' at 1:4"),
        ("a;b", "invalid sort term \"a;b\" at 1:1"),
        ("a,b,c,d,e,f,g,h,i", "too many sort terms (max 8) at 1:17"),
    ])
    func rejects(_ text: String, _ message: String) {
        #expect(throws: FilterError.self) { try SortParser.parse(text) }
        do { _ = try SortParser.parse(text) } catch { #expect(error.description == message) }
    }

    @Test func termLengthLimit() throws {
        let ok = String(repeating: "a", count: 255)
        #expect(try SortParser.parse(ok).count == 1)
        #expect(throws: FilterError("sort term is too long (max 255 characters)", at: .start)) {
            try SortParser.parse(ok + "a")
        }
        #expect(try SortParser.parse("a,b,c,d,e,f,g,h").count == 8)
    }
}
