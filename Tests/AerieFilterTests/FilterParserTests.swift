// Aerie — tests for the filter lexer and parser: operators, literals, precedence, errors and limits
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieFilter

private func parse(_ text: String, limits: FilterLimits = .init()) throws -> FilterExpression? {
    try FilterParser.parse(text, limits: limits)
}

private func errorText(_ text: String, limits: FilterLimits = .init()) -> String? {
    do {
        _ = try FilterParser.parse(text, limits: limits)
        return nil
    } catch {
        return error.description
    }
}

private func ident(_ name: String, _ column: Int, line: Int = 1, offset: Int? = nil) -> FilterOperand {
    .identifier(name, position: SourcePosition(line: line, column: column, offset: offset ?? column - 1))
}

@Suite struct FilterParserTests {
    @Test(arguments: FilterOperator.allCases)
    func parsesEveryOperator(_ op: FilterOperator) throws {
        let expression = try parse("views \(op.rawValue) 1")
        #expect(expression == .comparison(ident("views", 1), op, .number(1, text: "1")))
        let tight = try parse("views\(op.rawValue)1")
        #expect(tight == .comparison(ident("views", 1), op, .number(1, text: "1")))
    }

    @Test(arguments: [
        ("'abc'", FilterOperand.string("abc")),
        ("\"abc\"", .string("abc")),
        ("''", .string("")),
        ("'it\\'s'", .string("it's")),
        ("\"say \\\"hi\\\"\"", .string("say \"hi\"")),
        ("'a\\\"b'", .string("a\\\"b")),
        ("'a\\nb'", .string("a\\nb")),
        ("'ünïcödé ✓'", .string("ünïcödé ✓")),
        ("'a\u{0}b'", .string("a\u{0}b")),
        ("'-- /* */ ; DROP TABLE x'", .string("-- /* */ ; DROP TABLE x")),
        ("12", .number(12, text: "12")),
        ("-1.5", .number(-1.5, text: "-1.5")),
        ("0.25", .number(0.25, text: "0.25")),
        ("true", .bool(true)),
        ("TRUE", .bool(true)),
        ("False", .bool(false)),
        ("null", .null),
        ("NULL", .null),
        ("@now", .macro(.now)),
        ("@todayStart", .macro(.todayStart)),
        ("@weekday", .macro(.weekday)),
    ])
    func parsesLiteral(_ source: String, _ expected: FilterOperand) throws {
        #expect(try parse("a = \(source)") == .comparison(ident("a", 1), .equal, expected))
        #expect(try parse("\(source) = a") == .comparison(expected, .equal, ident("a", source.unicodeScalars.count + 4, offset: source.utf8.count + 3)))
    }

    @Test(arguments: ["title", "author.name", "tags:each", "title:lower", "@request.auth.id", "@collection.users:u.name",
                      "comments_via_post.text", "#x", "meta.a.0", "_id", "@requestX"])
    func keepsIdentifierTextWithModifiers(_ name: String) throws {
        #expect(try parse("\(name) = 1") == .comparison(ident(name, 1), .equal, .number(1, text: "1")))
    }

    @Test func andBindsTighterThanOr() throws {
        let a = FilterExpression.comparison(ident("a", 1), .equal, .number(1, text: "1"))
        let b = FilterExpression.comparison(ident("b", 10), .equal, .number(2, text: "2"))
        let c = FilterExpression.comparison(ident("c", 19), .equal, .number(3, text: "3"))
        #expect(try parse("a = 1 || b = 2 && c = 3") == .or(a, .and(b, c)))
        let a2 = FilterExpression.comparison(ident("a", 1), .equal, .number(1, text: "1"))
        let b2 = FilterExpression.comparison(ident("b", 10), .equal, .number(2, text: "2"))
        let c2 = FilterExpression.comparison(ident("c", 19), .equal, .number(3, text: "3"))
        #expect(try parse("a = 1 && b = 2 || c = 3") == .or(.and(a2, b2), c2))
    }

    @Test func parenthesesGroup() throws {
        let a = FilterExpression.comparison(ident("a", 2), .equal, .number(1, text: "1"))
        let b = FilterExpression.comparison(ident("b", 11), .equal, .number(2, text: "2"))
        let c = FilterExpression.comparison(ident("c", 21), .equal, .number(3, text: "3"))
        #expect(try parse("(a = 1 || b = 2) && c = 3") == .and(.or(a, b), c))
        #expect(try parse("((((a = 1))))") == .comparison(ident("a", 5), .equal, .number(1, text: "1")))
    }

    @Test func chainsAreLeftAssociative() throws {
        let x = { (col: Int) in FilterExpression.comparison(ident("a", col), .equal, .number(1, text: "1")) }
        #expect(try parse("a = 1 && a = 1 && a = 1") == .and(.and(x(1), x(10)), x(19)))
    }

    @Test func commentsAndNewlinesAreTrivia() throws {
        let text = "// leading\na = 1 // trailing\n\t&& b = 'x' // end"
        let expected = FilterExpression.and(
            .comparison(ident("a", 1, line: 2, offset: 11), .equal, .number(1, text: "1")),
            .comparison(ident("b", 5, line: 3, offset: 33), .equal, .string("x")))
        #expect(try parse(text) == expected)
    }

    @Test func functionsParseWithTheirArguments() throws {
        let geo = try parse("geoDistance(where.lon, where.lat, 10.001, 20,) < 1")
        #expect(geo == .comparison(
            .function(.geoDistance, args: [ident("where.lon", 13), ident("where.lat", 24), .number(10.001, text: "10.001"), .number(20, text: "20")],
                      position: .start),
            .less, .number(1, text: "1")))
        let strf = try parse("strftime('%Y', created, 'start of month') = '2026'")
        #expect(strf == .comparison(
            .function(.strftime, args: [.string("%Y"), ident("created", 16), .string("start of month")], position: .start),
            .equal, .string("2026")))
    }

    @Test func emptyTextIsNoFilter() throws {
        #expect(try parse("") == nil)
    }

    @Test(arguments: [
        ("   ", "empty filter expression at 1:1"),
        ("// nothing", "empty filter expression at 1:1"),
        ("title = ", "unexpected end of filter, expected an operand at 1:9"),
        ("title", "unexpected end of filter, expected an operator at 1:6"),
        ("(title = 1", "missing ')' for '(' at 1:1"),
        ("title = 1)", "unexpected ')' at 1:10"),
        ("()", "unexpected ')' at 1:2"),
        ("title = 'abc", "unterminated string at 1:9"),
        ("title = \"abc'", "unterminated string at 1:9"),
        ("title = 'a\\'", "unterminated string at 1:9"),
        ("title == 1", "unknown operator \"==\" at 1:7"),
        ("title =! 1", "unknown operator \"=!\" at 1:7"),
        ("title = 1 & b = 2", "unknown operator \"&\" at 1:11"),
        ("title = 1 &&& b = 2", "unknown operator \"&&&\" at 1:11"),
        ("title = 1 b = 2", "unexpected identifier \"b\" at 1:11"),
        ("title = 1 &&", "unexpected end of filter, expected an operand at 1:13"),
        ("&& title = 1", "unexpected '&&' at 1:1"),
        ("title = 1.", "invalid number \"1.\" at 1:9"),
        ("title = .5", "unexpected character '.' at 1:9"),
        ("title = 1.2.3", "invalid number \"1.2.3\" at 1:9"),
        ("title = 1e400", "invalid number \"1e400\" at 1:9"),
        ("title = 12abc", "invalid number \"12abc\" at 1:9"),
        ("title. = 1", "invalid identifier \"title.\" at 1:1"),
        ("title: = 1", "invalid identifier \"title:\" at 1:1"),
        ("_ = 1", "invalid identifier \"_\" at 1:1"),
        ("@ = 1", "invalid identifier \"@\" at 1:1"),
        ("foo(1) = 1", "unknown function \"foo\" at 1:1"),
        ("geoDistance(1, 2, 3) < 1", "geoDistance expects 4 arguments, got 3 at 1:1"),
        ("geoDistance(1, 2, 3, 'x') < 1", "geoDistance argument 4 must be a number or an identifier at 1:22"),
        ("strftime() = 1", "strftime expects a format argument at 1:1"),
        ("strftime(created) = 1", "strftime format must be a text literal at 1:10"),
        ("strftime('%Y', created, 5) = 1", "strftime modifier 1 must be a text literal at 1:25"),
        ("strftime('%Y', created = 1", "unexpected operator '=' at 1:24"),
        ("strftime('%Y', strftime('%Y', strftime('%Y', strftime('%Y')))) = 1", "functions nested too deeply (max 3) at 1:46"),
        ("title = 1 -- comment", "unexpected character '-' at 1:11"),
        ("/* c */ title = 1", "unexpected character '/' at 1:1"),
        ("title = 1; DROP TABLE x", "unexpected character ';' at 1:10"),
        ("título = 1", "unexpected character 'í' at 1:2"),
        ("'ü' = )", "unexpected ')' at 1:7"),
        ("title = 1 &&\n  )", "unexpected ')' at 2:3"),
        ("title = 1\u{0}", "unexpected character '\\u{0}' at 1:10"),
        ("title = [1]", "unexpected character '[' at 1:9"),
        ("title IN ('a')", "unexpected identifier \"IN\" at 1:7"),
    ])
    func reportsPositionedErrors(_ text: String, _ expected: String) {
        #expect(errorText(text) == expected)
    }

    @Test func hugeIntegerIsOutOfRange() {
        let digits = String(repeating: "9", count: 400)
        #expect(errorText("a = \(digits)") == "number out of range \"\(String(repeating: "9", count: 32))…\" at 1:5")
    }

    @Test func lengthLimitCountsUTF8Bytes() {
        let limits = FilterLimits(maxLength: 20)
        #expect(errorText("title = '\(String(repeating: "x", count: 10))'", limits: limits) == nil)
        #expect(errorText("title = '\(String(repeating: "é", count: 7))'", limits: limits) == "filter is too long (max 20 characters) at 1:1")
        #expect(errorText(String(repeating: " ", count: 3501)) == "filter is too long (max 3500 characters) at 1:1")
    }

    @Test func comparisonLimit() {
        let ok = Array(repeating: "a=1", count: 200).joined(separator: "&&")
        #expect(errorText(ok) == nil)
        let tooMany = Array(repeating: "a=1", count: 201).joined(separator: "&&")
        #expect(errorText(tooMany) == "too many comparisons (max 200) at 1:1001")
    }

    @Test func depthLimit() {
        let ok = String(repeating: "(", count: 64) + "a=1" + String(repeating: ")", count: 64)
        #expect(errorText(ok) == nil)
        let deep = String(repeating: "(", count: 65) + "a=1" + String(repeating: ")", count: 65)
        #expect(errorText(deep) == "parentheses nested too deeply (max 64) at 1:65")
    }

    @Test func tenThousandParenthesesAreAnErrorNotACrash() {
        let unbalanced = String(repeating: "(", count: 10_000)
        #expect(errorText(unbalanced, limits: FilterLimits(maxLength: 100_000)) == "parentheses nested too deeply (max 64) at 1:65")
        let balanced = String(repeating: "(", count: 10_000) + "a=1" + String(repeating: ")", count: 10_000)
        #expect(errorText(balanced, limits: FilterLimits(maxLength: 100_000)) == "parentheses nested too deeply (max 64) at 1:65")
        #expect(errorText(String(repeating: ")", count: 10_000), limits: FilterLimits(maxLength: 100_000)) == "unexpected ')' at 1:1")
    }
}
