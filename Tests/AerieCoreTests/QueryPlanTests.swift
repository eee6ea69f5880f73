// Aerie — the list queries use their indexes (EXPLAIN QUERY PLAN)
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct QueryPlanTests {
    static let schemaText = #"""
    { "collections": [
      { "name": "users", "type": "auth", "fields": [ { "name": "name", "type": "text" } ], "listRule": "" },
      { "name": "posts",
        "fields": [
          { "name": "title", "type": "text" }, { "name": "slug", "type": "text" }, { "name": "views", "type": "number" },
          { "name": "author", "type": "relation", "collection": "users" }
        ],
        "indexes": [ "CREATE INDEX idx_posts_views ON posts (views)", "CREATE UNIQUE INDEX idx_posts_slug ON posts (slug)",
                     "CREATE INDEX idx_posts_author ON posts (author)" ],
        "listRule": "" } ] }
    """#

    func withApp(_ body: (App) throws -> Void) throws {
        var template = Array("/tmp/aerie-plan-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        defer { _ = system("rm -rf '\(dir)'") }
        let app = try App.open(directory: dir, schema: try SchemaLoader.load(Array(Self.schemaText.utf8), file: "s.json"))
        defer { app.close() }
        // A few rows so the planner sees a real table; ANALYZE is not needed for these shapes.
        for i in 0..<50 {
            _ = try app.records.create(collection: "posts", body: ["title": .string("t\(i)"), "slug": .string("s\(i)"), "views": .int(Int64(i))],
                                       requester: Requester(isSuperuser: true))
        }
        try body(app)
    }

    func plan(_ app: App, filter: String = "", sort: String = "") throws -> String {
        var q = ListQuery()
        q.filter = filter
        q.sort = sort
        return try app.records.explainList(collection: "posts", query: q, requester: Requester(isSuperuser: true)).joined(separator: " | ")
    }

    @Test(arguments: [
        ("views = 5", "idx_posts_views"), ("views > 40", "idx_posts_views"), ("views >= 10 && views < 20", "idx_posts_views"),
        ("slug = 's3'", "idx_posts_slug"), ("author = 'abcdefghijklmno'", "idx_posts_author"),
    ])
    func indexedFilters_UseTheirIndex(_ filter: String, _ index: String) throws {
        try withApp { app in
            let text = try plan(app, filter: filter)
            #expect(text.contains("USING INDEX \(index)") || text.contains("USING COVERING INDEX \(index)"), "\(filter): \(text)")
        }
    }

    @Test func sortByIndexedField_AvoidsATempBTree() throws {
        try withApp { app in
            let text = try plan(app, sort: "-views")
            #expect(text.contains("idx_posts_views"), "\(text)")
            #expect(!text.contains("USE TEMP B-TREE FOR ORDER BY"), "\(text)")
        }
    }

    @Test func idLookups_UseThePrimaryKey() throws {
        try withApp { app in
            let text = try plan(app, filter: "id = 'abcdefghijklmno'")
            #expect(text.contains("sqlite_autoindex_posts_1") || text.contains("PRIMARY KEY"), "\(text)")
        }
    }
}
