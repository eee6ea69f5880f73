// Aerie — exact SQL and bind lists for every construct (PocketBase filter_test.go style)
// SPDX-License-Identifier: MIT
import AerieBase
import Testing
@testable import AerieFilter

/// A tiny schema: `posts` with text, number, bool, json, date, a single relation and multi-valued fields.
struct PostsResolver: FieldResolver {
    static let authorJoin = SQLFragment("LEFT JOIN \"users\" \"author\" ON \"author\".\"id\" = \"posts\".\"author\"")
    static let tagsFanOut = SQLFragment("LEFT JOIN json_each(\"posts\".\"tags\") AS t")
    static let tagsSource = SQLFragment("(SELECT st.value AS value FROM (SELECT 1) LEFT JOIN json_each(\"posts\".\"tags\") AS st)")
    static let relsFanOut = [SQLFragment("LEFT JOIN json_each(\"posts\".\"rels\") je"),
                             SQLFragment("LEFT JOIN \"tags\" \"r\" ON \"r\".\"id\" = je.value")]
    static func relsSource(_ column: String) -> SQLFragment {
        SQLFragment("(SELECT \"sr\".\"\(column)\" AS value FROM (SELECT 1) LEFT JOIN json_each(\"posts\".\"rels\") sje LEFT JOIN \"tags\" \"sr\" ON \"sr\".\"id\" = sje.value)")
    }
    static let clubJoin = SQLFragment("LEFT JOIN \"clubs\" \"club\" ON \"club\".\"id\" = \"posts\".\"club\"")
    static let clubGuard = SQLFragment("(\"club\".\"id\" IS NULL OR \"club\".\"level\" > ?)", arguments: [.double(1)])

    func resolve(_ identifier: String, at position: SourcePosition) throws(FilterError) -> FieldResolution {
        switch identifier {
        case "title", "created": return .identifier(ResolvedIdentifier(sql: "\"posts\".\"\(identifier)\""))
        case "views": return .identifier(ResolvedIdentifier(sql: "\"posts\".\"views\"", kind: .number))
        case "published": return .identifier(ResolvedIdentifier(sql: "\"posts\".\"published\"", kind: .bool))
        case "meta": return .identifier(ResolvedIdentifier(sql: "\"posts\".\"meta\"", kind: .json))
        case "title:lower": return .identifier(ResolvedIdentifier(SQLFragment("\"posts\".\"title\"").lowercased()))
        case "tags:length": return .identifier(ResolvedIdentifier(SQLFragment("\"posts\".\"tags\"").arrayLength(), kind: .number))
        case "where.lon", "where.lat":
            let key = identifier == "where.lon" ? "lon" : "lat"
            return .identifier(ResolvedIdentifier(sql: "json_extract(\"posts\".\"where\", '$.\(key)')", kind: .number))
        case "author.name":
            return .identifier(ResolvedIdentifier(SQLFragment("\"author\".\"name\""), joins: [Self.authorJoin]))
        case "tags:each":
            return .identifier(ResolvedIdentifier(SQLFragment("t.value"), multiValueSource: Self.tagsSource, fanOutJoins: [Self.tagsFanOut]))
        case "rels.name", "rels.weight":
            let column = identifier == "rels.name" ? "name" : "weight"
            return .identifier(ResolvedIdentifier(SQLFragment("\"r\".\"\(column)\""), kind: column == "name" ? .text : .number,
                                                  multiValueSource: Self.relsSource(column), fanOutJoins: Self.relsFanOut))
        case "club.name":
            return .identifier(ResolvedIdentifier(SQLFragment("\"club\".\"name\""), joins: [Self.clubJoin], constraints: [Self.clubGuard]))
        case "@request.auth.id": return .value(.text("u1"))
        case "@request.auth.verified": return .value(.bool(true))
        case "@request.guest.id": return .value(.null)
        case "@request.query.empty": return .value(.text(""))
        default:
            _ = try FilterIdentifier(parsing: identifier, at: position)
            throw FilterError("unknown field \"\(identifier)\"", at: position)
        }
    }
}

/// 2023-11-14 22:13:20.123 UTC, a Tuesday.
let fixedNow = Timestamp(milliseconds: 1_700_000_000_123)

func emit(_ filter: String) throws -> FilterSQL {
    let expression = try #require(try FilterParser.parse(filter))
    return try FilterSQLEmitter(resolver: PostsResolver(), now: { fixedNow }).emit(expression)
}

private let tagsFrom = #"(SELECT 1) LEFT JOIN json_each("posts"."tags") AS t"#
private let tagsSource = #"(SELECT st.value AS value FROM (SELECT 1) LEFT JOIN json_each("posts"."tags") AS st)"#
private let relsFrom = #"(SELECT 1) LEFT JOIN json_each("posts"."rels") je LEFT JOIN "tags" "r" ON "r"."id" = je.value"#
private let relsName = #"(SELECT "sr"."name" AS value FROM (SELECT 1) LEFT JOIN json_each("posts"."rels") sje LEFT JOIN "tags" "sr" ON "sr"."id" = sje.value)"#

struct Case: Sendable, CustomTestStringConvertible {
    var filter: String
    var sql: String
    var arguments: [FilterValue]
    init(_ filter: String, _ sql: String, _ arguments: [FilterValue] = []) {
        self.filter = filter
        self.sql = sql
        self.arguments = arguments
    }
    var testDescription: String { filter }
}

@Suite struct FilterSQLEmitterTests {
    @Test(arguments: [
        // = / != with NULL and '' folding (spec §5.3)
        Case("title = 'abc'", #""posts"."title" = ?"#, [.text("abc")]),
        Case("title != 'abc'", #""posts"."title" IS NOT ?"#, [.text("abc")]),
        Case("'abc' = title", #"? = "posts"."title""#, [.text("abc")]),
        Case("title = ''", #"("posts"."title" = '' OR "posts"."title" IS NULL)"#),
        Case("title = null", #"("posts"."title" = '' OR "posts"."title" IS NULL)"#),
        Case("title != ''", #"("posts"."title" IS NOT '' AND "posts"."title" IS NOT NULL)"#),
        Case("title != NULL", #"("posts"."title" IS NOT '' AND "posts"."title" IS NOT NULL)"#),
        Case("'' = title", #"('' = "posts"."title" OR "posts"."title" IS NULL)"#),
        Case("null != title", #"('' IS NOT "posts"."title" AND "posts"."title" IS NOT NULL)"#),
        Case("title = author.name", #"COALESCE("posts"."title", '') = COALESCE("author"."name", '')"#),
        Case("title != author.name", #"COALESCE("posts"."title", '') IS NOT COALESCE("author"."name", '')"#),
        Case("'' = null", "'' = ''"),
        Case("null != ''", "'' IS NOT ''"),
        Case("5 = null", "? = ''", [.double(5)]),
        Case("published = true", #""posts"."published" = 1"#),
        Case("published != false", #""posts"."published" IS NOT 0"#),
        Case("published = 1", #""posts"."published" = ?"#, [.double(1)]),
        Case("meta = null", #""posts"."meta" IS NULL"#),
        Case("meta != ''", #""posts"."meta" IS NOT ''"#),
        Case("meta = 'x'", #""posts"."meta" IS ?"#, [.text("x")]),
        Case("title = @request.auth.id", #""posts"."title" = ?"#, [.text("u1")]),
        Case("@request.auth.id != ''", "? IS NOT ''", [.text("u1")]),
        Case("@request.guest.id != ''", "'' IS NOT ''"),
        Case("@request.guest.id = title", #"('' = "posts"."title" OR "posts"."title" IS NULL)"#),
        Case("@request.query.empty = ''", "'' = ''"),
        Case("published = @request.auth.verified", #""posts"."published" = ?"#, [.bool(true)]),
        // ordering operators
        Case("views > 3", #""posts"."views" > ?"#, [.double(3)]),
        Case("views >= -1.5", #""posts"."views" >= ?"#, [.double(-1.5)]),
        Case("views < '3'", #""posts"."views" < ?"#, [.text("3")]),
        Case("views <= title", #""posts"."views" <= "posts"."title""#),
        Case("views > null", #""posts"."views" > NULL"#),
        // LIKE (spec §5.3)
        Case("title ~ 'abc'", #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("%abc%")]),
        Case("title !~ 'abc'", #""posts"."title" NOT LIKE ? ESCAPE '\'"#, [.text("%abc%")]),
        Case("title ~ 'abc%'", #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("abc%")]),
        Case("title ~ 'a_b'", #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("%a\\_b%")]),
        Case(#"title ~ 'a\%b'"#, #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("%a\\%b%")]),
        Case(#"title ~ 'a\b'"#, #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("%a\\\\b%")]),
        Case(#"title ~ '50\%_%'"#, #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("50\\%_%")]),
        Case("title ~ ''", #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("%%")]),
        Case("title ~ 12", #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("%12%")]),
        Case("title ~ 1.5", #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("%1.5%")]),
        Case("title ~ author.name", #""posts"."title" LIKE ('%' || "author"."name" || '%') ESCAPE '\'"#),
        Case("title !~ null", #""posts"."title" NOT LIKE ('%' || NULL || '%') ESCAPE '\'"#),
        Case("'abc' ~ title", #"? LIKE ('%' || "posts"."title" || '%') ESCAPE '\'"#, [.text("abc")]),
        Case("title ~ @request.auth.id", #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("%u1%")]),
        // single-valued operands ignore the ? prefix
        Case("title ?= 'a'", #""posts"."title" = ?"#, [.text("a")]),
        Case("title ?~ 'a'", #""posts"."title" LIKE ? ESCAPE '\'"#, [.text("%a%")]),
        // modifiers through the resolver helpers
        Case("title:lower = 'abc'", #"LOWER("posts"."title") = ?"#, [.text("abc")]),
        Case("tags:length > 2",
             #"(CASE WHEN json_valid("posts"."tags") AND json_type("posts"."tags") = 'array' THEN json_array_length("posts"."tags") WHEN "posts"."tags" IS NULL OR "posts"."tags" = '' THEN 0 ELSE 1 END) > ?"#,
             [.double(2)]),
        // macros
        Case("created >= @todayStart", #""posts"."created" >= ?"#, [.text("2023-11-14 00:00:00.000Z")]),
        Case("created < @now", #""posts"."created" < ?"#, [.text("2023-11-14 22:13:20.123Z")]),
        Case("views = @year", #""posts"."views" = ?"#, [.integer(2023)]),
        // precedence and grouping
        Case("title = 'a' || title = 'b' && views > 1",
             #"("posts"."title" = ? OR ("posts"."title" = ? AND "posts"."views" > ?))"#, [.text("a"), .text("b"), .double(1)]),
        Case("(title = 'a' || title = 'b') && views > 1",
             #"(("posts"."title" = ? OR "posts"."title" = ?) AND "posts"."views" > ?)"#, [.text("a"), .text("b"), .double(1)]),
        Case("views = 1 && views = 2 && views = 3", #"("posts"."views" = ? AND "posts"."views" = ? AND "posts"."views" = ?)"#,
             [.double(1), .double(2), .double(3)]),
        Case("views = 1 || views = 2 || views = 3 && views = 4",
             #"("posts"."views" = ? OR "posts"."views" = ? OR ("posts"."views" = ? AND "posts"."views" = ?))"#,
             [.double(1), .double(2), .double(3), .double(4)]),
        Case("((views = 1 || views = 2)) && (views = 3 || views = 4)",
             #"(("posts"."views" = ? OR "posts"."views" = ?) AND ("posts"."views" = ? OR "posts"."views" = ?))"#,
             [.double(1), .double(2), .double(3), .double(4)]),
        // multi-valued operands (spec §5.4): one EXISTS over the fan-out, items compared directly
        Case("tags:each ?= 'c'", "EXISTS (SELECT 1 FROM \(tagsFrom) WHERE t.value = ?)", [.text("c")]),
        Case("tags:each ?!= 'c'", "EXISTS (SELECT 1 FROM \(tagsFrom) WHERE t.value IS NOT ?)", [.text("c")]),
        Case("tags:each ?~ 'c'", "EXISTS (SELECT 1 FROM \(tagsFrom) WHERE t.value LIKE ? ESCAPE '\\')", [.text("%c%")]),
        Case("rels.name ?= ''", #"EXISTS (SELECT 1 FROM \#(relsFrom) WHERE ("r"."name" = '' OR "r"."name" IS NULL))"#),
        Case("tags:each = 'c'",
             "EXISTS (SELECT 1 FROM \(tagsFrom) WHERE (t.value = ? AND NOT EXISTS (SELECT 1 FROM \(tagsSource) AS __mv1 WHERE NOT (__mv1.value = ?))))",
             [.text("c"), .text("c")]),
        Case("rels.name > 'm'",
             #"EXISTS (SELECT 1 FROM \#(relsFrom) WHERE ("r"."name" > ? AND NOT EXISTS (SELECT 1 FROM \#(relsName) AS __mv1 WHERE NOT (__mv1.value > ?))))"#,
             [.text("m"), .text("m")]),
        Case("'c' != tags:each",
             "EXISTS (SELECT 1 FROM \(tagsFrom) WHERE (? IS NOT t.value AND NOT EXISTS (SELECT 1 FROM \(tagsSource) AS __mv1 WHERE NOT (? IS NOT __mv1.value))))",
             [.text("c"), .text("c")]),
        Case("tags:each ?= rels.name",
             #"EXISTS (SELECT 1 FROM \#(tagsFrom) LEFT JOIN json_each("posts"."rels") je LEFT JOIN "tags" "r" ON "r"."id" = je.value WHERE COALESCE(t.value, '') = COALESCE("r"."name", ''))"#),
        Case("tags:each ~ rels.name",
             #"EXISTS (SELECT 1 FROM \#(tagsFrom) LEFT JOIN json_each("posts"."rels") je LEFT JOIN "tags" "r" ON "r"."id" = je.value WHERE (t.value LIKE ('%' || "r"."name" || '%') ESCAPE '\' AND NOT EXISTS (SELECT 1 FROM \#(tagsSource) AS __mv1 LEFT JOIN \#(relsName) AS __mv2 WHERE NOT (__mv1.value LIKE ('%' || __mv2.value || '%') ESCAPE '\'))))"#),
        // comparisons on one path share its item (PocketBase's fan-out): same tag row for both
        Case("tags:each ?= 'a' && tags:each ?= 'b'", "EXISTS (SELECT 1 FROM \(tagsFrom) WHERE t.value = ? AND t.value = ?)", [.text("a"), .text("b")]),
        Case("rels.name ?= 'a' && rels.weight ?> 3",
             #"EXISTS (SELECT 1 FROM \#(relsFrom) WHERE "r"."name" = ? AND "r"."weight" > ?)"#, [.text("a"), .double(3)]),
        // top-level terms without fan-out stay outside the EXISTS (indexes still serve them); ORs go inside
        Case("title = 'x' && tags:each ?= 'c'", #"("posts"."title" = ? AND EXISTS (SELECT 1 FROM \#(tagsFrom) WHERE t.value = ?))"#, [.text("x"), .text("c")]),
        Case("title = 'x' || tags:each ?= 'c'", #"EXISTS (SELECT 1 FROM \#(tagsFrom) WHERE ("posts"."title" = ? OR t.value = ?))"#, [.text("x"), .text("c")]),
        // constraints (a related collection's list rule) are ANDed once at the top level
        Case("club.name = 'x'", #"("club"."name" = ? AND ("club"."id" IS NULL OR "club"."level" > ?))"#, [.text("x"), .double(1)]),
        Case("club.name = 'x' || club.name = 'y'",
             #"(("club"."name" = ? OR "club"."name" = ?) AND ("club"."id" IS NULL OR "club"."level" > ?))"#, [.text("x"), .text("y"), .double(1)]),
        Case("club.name = 'x' && tags:each ?= 'c'",
             #"("club"."name" = ? AND EXISTS (SELECT 1 FROM \#(tagsFrom) WHERE t.value = ?) AND ("club"."id" IS NULL OR "club"."level" > ?))"#,
             [.text("x"), .text("c"), .double(1)]),
        // terms on unrelated paths get one EXISTS each (no cross product of their items)
        Case("tags:each ?= 'a' && rels.name ?= 'b'",
             #"(EXISTS (SELECT 1 FROM \#(tagsFrom) WHERE t.value = ?) AND EXISTS (SELECT 1 FROM \#(relsFrom) WHERE "r"."name" = ?))"#,
             [.text("a"), .text("b")]),
        Case("tags:each ?= 'a' && rels.name ?= 'b' && tags:each ?!= rels.name",
             #"EXISTS (SELECT 1 FROM \#(tagsFrom) LEFT JOIN json_each("posts"."rels") je LEFT JOIN "tags" "r" ON "r"."id" = je.value WHERE t.value = ? AND "r"."name" = ? AND COALESCE(t.value, '') IS NOT COALESCE("r"."name", ''))"#,
             [.text("a"), .text("b")]),
        // functions (spec §5.9)
        Case("geoDistance(where.lon, where.lat, 10.001, 20) < 1",
             #"(6371 * acos(cos(radians(json_extract("posts"."where", '$.lat'))) * cos(radians(?)) * cos(radians(?) - radians(json_extract("posts"."where", '$.lon'))) + sin(radians(json_extract("posts"."where", '$.lat'))) * sin(radians(?)))) < ?"#,
             [.double(20), .double(10.001), .double(20), .double(1)]),
        Case("geoDistance(1, 2, 3, 4) = null",
             "(6371 * acos(cos(radians(?)) * cos(radians(?)) * cos(radians(?) - radians(?)) + sin(radians(?)) * sin(radians(?)))) IS NULL",
             [.double(2), .double(4), .double(3), .double(1), .double(2), .double(4)]),
        Case("strftime('%Y', created) = '2026'", #"strftime(?, "posts"."created") = ?"#, [.text("%Y"), .text("2026")]),
        Case("strftime('%Y-%m', @now, 'start of month') != ''", "(strftime(?, ?, ?) IS NOT '' AND strftime(?, ?, ?) IS NOT NULL)",
             [.text("%Y-%m"), .text("2023-11-14 22:13:20.123Z"), .text("start of month"), .text("%Y-%m"), .text("2023-11-14 22:13:20.123Z"), .text("start of month")]),
        Case("strftime('%s', tags:each) > 0", "EXISTS (SELECT 1 FROM \(tagsFrom) WHERE strftime(?, t.value) > ?)", [.text("%s"), .double(0)]),
    ])
    func emitsExactSQL(_ c: Case) throws {
        let out = try emit(c.filter)
        #expect(out.condition.sql == c.sql)
        #expect(out.condition.arguments == c.arguments)
        let placeholders = out.condition.sql.filter { $0 == "?" }.count
        #expect(placeholders == out.condition.arguments.count)
    }

    @Test func joinsAreCollectedOnceInFirstUseOrder() throws {
        let out = try emit("author.name = 'a' || (author.name = 'b' && title ~ author.name)")
        #expect(out.joins == [PostsResolver.authorJoin])
        #expect(out.arguments == [.text("a"), .text("b")])
    }

    @Test func fanOutIsExposedForSortKeys() throws {
        let out = try emit("title = 'x' && tags:each ?= 'c'")
        #expect(out.fanOutJoins == [PostsResolver.tagsFanOut])
        #expect(out.fanOutTerms.map(\.sql) == ["t.value = ?"])
        #expect(try emit("title = 'x'").fanOutJoins.isEmpty)
    }

    @Test func multiValuedOperandsAddNoJoins() throws {
        #expect(try emit("tags:each ?= 'a'").joins.isEmpty)
    }

    @Test func resolverErrorsPassThrough() throws {
        #expect(throws: FilterError("unknown field \"titel\"", at: .start)) { try emit("titel = 'x'") }
        #expect(throws: FilterError("unknown field \"missing\"", at: SourcePosition(line: 1, column: 20, offset: 19))) {
            try emit("title = 'x' && 1 = missing")
        }
        #expect(throws: FilterError("unknown modifier \"upper\"", at: .start)) { try emit("title:upper = 'x'") }
    }

    @Test func emittedSQLNeverContainsLiteralText() throws {
        let hostile = #"title = 'x\' OR 1=1 --' || title ~ "'; DROP TABLE posts; --" || title = '/* */'"#
        let out = try emit(hostile)
        #expect(!out.condition.sql.contains("DROP"))
        #expect(!out.condition.sql.contains("1=1"))
        #expect(!out.condition.sql.contains("/*"))
    }
}
