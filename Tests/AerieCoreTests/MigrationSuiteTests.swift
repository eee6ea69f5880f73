// Aerie — every kind of schema change, applied to a database holding records
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import AerieSQLite
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Each test opens a data directory with schema v1, stores records, plans and applies v2 the
/// way `aerie schema apply` does, then reads the raw rows back.
@Suite struct MigrationSuiteTests {
    static let admin = Requester(isSuperuser: true)

    final class Directory {
        let path: String
        init() {
            var template = Array("/tmp/aerie-migrate-XXXXXX".utf8CString)
            path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        }
        deinit { _ = system("rm -rf '\(path)'") }
    }

    func schema(_ text: String) throws -> Schema { try SchemaLoader.load(Array(text.utf8), file: "s.json") }

    /// Opens v1, creates `records` in `collection`, closes; then plans and applies v2.
    func migrate(_ v1: String, _ records: [JSONObject], into collection: String = "posts", to v2: String,
                 allowDataLoss: Bool = false) throws -> (Directory, MigrationPlan, DatabasePool) {
        let dir = Directory()
        let app = try App.open(directory: dir.path, schema: try schema(v1))
        for r in records { _ = try app.records.create(collection: collection, body: r, requester: Self.admin) }
        app.close()
        let target = try schema(v2)
        let pool = try DatabasePool(path: App.databasePath(in: dir.path), readerCount: 1)
        let plan = try pool.write { db -> MigrationPlan in
            let plan = try Migrator.plan(db, to: target)
            try Migrator.apply(plan, on: db, allowDataLoss: allowDataLoss)
            return plan
        }
        // Applying is idempotent, and the result opens as a server would open it.
        let again = try pool.write { try Migrator.plan($0, to: target) }
        #expect(again.isEmpty, "a second plan should be empty: \(again.steps)")
        #expect(try pool.read { try $0.queryScalar("PRAGMA integrity_check") } == .text("ok"))
        return (dir, plan, pool)
    }

    func rows(_ pool: DatabasePool, _ sql: String) throws -> [[SQLValue]] {
        try pool.read { db in
            var out: [[SQLValue]] = []
            let stmt = try db.prepare(sql)
            while try stmt.step() {
                out.append((0..<stmt.columnCount).map { stmt.value($0) })
            }
            return out
        }
    }

    func summaries(_ plan: MigrationPlan) -> [String] { plan.steps.map(\.description) }

    @Test func addAndRenameCollection_KeepRecords() throws {
        let (dir, plan, pool) = try migrate(
            #"{"collections":[{"id":"c1","name":"posts","fields":[{"name":"title","type":"text"}]}]}"#,
            [["title": "a"], ["title": "b"]],
            to: #"{"collections":[{"id":"c1","name":"articles","fields":[{"name":"title","type":"text"}]},{"name":"tags","fields":[{"name":"label","type":"text"}]}]}"#)
        defer { pool.close(); _ = dir }
        #expect(summaries(plan).contains("+ rename collection posts to articles"))
        #expect(summaries(plan).contains { $0.hasPrefix("+ create collection tags") })
        #expect(try rows(pool, #"SELECT "title" FROM "articles" ORDER BY "title""#) == [[.text("a")], [.text("b")]])
        #expect(try rows(pool, #"SELECT count(*) FROM "tags""#) == [[.integer(0)]])
    }

    @Test func dropCollection_IsDataLosing() throws {
        let (dir, plan, pool) = try migrate(
            #"{"collections":[{"name":"posts","fields":[{"name":"title","type":"text"}]},{"name":"old","fields":[]}]}"#,
            [["title": "kept"]],
            to: #"{"collections":[{"name":"posts","fields":[{"name":"title","type":"text"}]}]}"#, allowDataLoss: true)
        defer { pool.close(); _ = dir }
        #expect(plan.dataLosingSteps.map(\.summary) == ["drop collection old and all its records"])
        #expect(try !pool.read { try $0.tableExists("old") })
        #expect(try rows(pool, #"SELECT "title" FROM "posts""#) == [[.text("kept")]])
    }

    @Test func addRenameAndDropFields_KeepValues() throws {
        let (dir, plan, pool) = try migrate(
            #"{"collections":[{"name":"posts","fields":[{"id":"f1","name":"title","type":"text"},{"name":"gone","type":"text"}]}]}"#,
            [["title": "hello", "gone": "x"]],
            to: #"{"collections":[{"name":"posts","fields":[{"id":"f1","name":"headline","type":"text"},{"name":"views","type":"number"}]}]}"#,
            allowDataLoss: true)
        defer { pool.close(); _ = dir }
        let steps = summaries(plan)
        #expect(steps.contains("+ rename field posts.title to headline"))
        #expect(steps.contains("+ add field posts.views (number)"))
        #expect(steps.contains("! drop field posts.gone (text) and its data"))
        #expect(try rows(pool, #"SELECT "headline", "views" FROM "posts""#) == [[.text("hello"), .integer(0)]])
    }

    @Test func optionAndRuleChanges_AreRecordedWithoutDDL() throws {
        let (dir, plan, pool) = try migrate(
            #"{"collections":[{"name":"posts","fields":[{"name":"title","type":"text","max":10}],"listRule":null}]}"#,
            [["title": "short"]],
            to: #"{"collections":[{"name":"posts","fields":[{"name":"title","type":"text","max":200,"required":true}],"listRule":"title != ''"}]}"#)
        defer { pool.close(); _ = dir }
        let steps = summaries(plan)
        #expect(steps.contains("~ change options of field posts.title: required false → true, max 10 → 200"), "\(steps)")
        #expect(steps.contains(#"~ change listRule of posts: null → "title != ''""#), "\(steps)")
        #expect(plan.steps.allSatisfy { $0.sql.isEmpty && !$0.isDataLosing })
        let exported = try pool.read { try StoredSchema.schemaFile($0) }
        #expect(exported.contains(#""max": 200"#) && exported.contains(#""listRule": "title != ''""#), "\(exported)")
    }

    @Test func indexChanges_DropAndCreate() throws {
        let (dir, plan, pool) = try migrate(
            #"{"collections":[{"name":"posts","fields":[{"name":"a","type":"text"},{"name":"b","type":"text"}],"indexes":["CREATE INDEX idx_a ON posts (a)","CREATE INDEX idx_keep ON posts (b)"]}]}"#,
            [["a": "1", "b": "2"]],
            to: #"{"collections":[{"name":"posts","fields":[{"name":"a","type":"text"},{"name":"b","type":"text"}],"indexes":["CREATE UNIQUE INDEX idx_a ON posts (a, b)","CREATE INDEX idx_keep ON posts (b)","CREATE INDEX idx_new ON posts (b, a)"]}]}"#)
        defer { pool.close(); _ = dir }
        let steps = summaries(plan)
        #expect(steps == ["+ drop index idx_a on posts", "+ create index idx_a on posts", "+ create index idx_new on posts"], "\(steps)")
        let sql = try rows(pool, "SELECT sql FROM sqlite_master WHERE name = 'idx_a'")
        #expect(sql.first?.first == .text(#"CREATE UNIQUE INDEX "idx_a" ON "posts" (a, b)"#))
        #expect(try rows(pool, #"SELECT "a", "b" FROM "posts""#) == [[.text("1"), .text("2")]])
    }

    @Test func losslessTypeChanges_ConvertValues() throws {
        let (dir, plan, pool) = try migrate(
            #"""
            {"collections":[{"name":"posts","fields":[{"id":"n","name":"n","type":"number"},{"id":"b","name":"flag","type":"bool"},
              {"id":"s","name":"tag","type":"select","values":["a","b"],"maxSelect":1},{"id":"t","name":"note","type":"text"},
              {"id":"e","name":"mail","type":"email"}],
              "indexes":["CREATE INDEX idx_n ON posts (n)"]}]}
            """#,
            [["n": 42, "flag": true, "tag": "a", "note": "hi", "mail": "a@b.co"], ["n": 1.5, "flag": false, "tag": "", "note": "", "mail": ""]],
            to: #"""
            {"collections":[{"name":"posts","fields":[{"id":"n","name":"n","type":"text"},{"id":"b","name":"flagged","type":"number"},
              {"id":"s","name":"tag","type":"select","values":["a","b"],"maxSelect":2},{"id":"t","name":"note","type":"json"},
              {"id":"e","name":"mail","type":"text"}],
              "indexes":["CREATE INDEX idx_n ON posts (n)"]}]}
            """#)
        defer { pool.close(); _ = dir }
        #expect(plan.dataLosingSteps.isEmpty, "\(summaries(plan))")
        let steps = summaries(plan)
        #expect(steps.contains { $0.hasPrefix("+ change field posts.flag from bool to number, renamed to flagged") }, "\(steps)")
        // The index on the rebuilt column was dropped before and recreated after.
        #expect(steps.first == "+ drop index idx_n on posts" && steps.last == "+ create index idx_n on posts", "\(steps)")
        let got = try rows(pool, #"SELECT "n", "flagged", "tag", "note", "mail" FROM "posts" ORDER BY "flagged" DESC"#)
        #expect(got == [[.text("42"), .integer(1), .text(#"["a"]"#), .text(#""hi""#), .text("a@b.co")],
                        [.text("1.5"), .integer(0), .text("[]"), .text(#""""#), .text("")]], "\(got)")
        #expect(try rows(pool, "SELECT count(*) FROM sqlite_master WHERE name = 'idx_n'") == [[.integer(1)]])
    }

    @Test func lossyTypeChanges_AreMarkedAndConvertWhenAllowed() throws {
        let (dir, plan, pool) = try migrate(
            #"""
            {"collections":[{"name":"posts","fields":[{"id":"t","name":"count","type":"text"},
              {"id":"m","name":"tags","type":"select","values":["a","b","c"],"maxSelect":3}]}]}
            """#,
            [["count": "12", "tags": ["a", "b"]], ["count": "abc", "tags": []]],
            to: #"""
            {"collections":[{"name":"posts","fields":[{"id":"t","name":"count","type":"number"},
              {"id":"m","name":"tags","type":"select","values":["a","b","c"],"maxSelect":1}]}]}
            """#, allowDataLoss: true)
        defer { pool.close(); _ = dir }
        #expect(plan.dataLosingSteps.count == 2, "\(summaries(plan))")
        let got = try rows(pool, #"SELECT "count", "tags" FROM "posts" ORDER BY "count" DESC"#)
        #expect(got == [[.integer(12), .text("b")], [.integer(0), .text("")]], "\(got)")
    }

    @Test func collectionTypeChange_RecreatesTableWhenAllowed() throws {
        let (dir, plan, pool) = try migrate(
            #"{"collections":[{"name":"people","fields":[{"name":"nick","type":"text"}]}]}"#,
            [["nick": "x"]], into: "people",
            to: #"{"collections":[{"name":"people","type":"auth","fields":[{"name":"nick","type":"text"}]}]}"#, allowDataLoss: true)
        defer { pool.close(); _ = dir }
        #expect(plan.dataLosingSteps.count == 1)
        #expect(try rows(pool, #"SELECT count(*) FROM "people""#) == [[.integer(0)]])
        #expect(try rows(pool, #"SELECT count(*) FROM pragma_table_info('people') WHERE name = 'tokenKey'"#) == [[.integer(1)]])
    }

    @Test func refusedSteps_ChangeNothing() throws {
        let dir = Directory()
        let v1 = try schema(#"{"collections":[{"name":"posts","fields":[{"name":"title","type":"text"},{"name":"n","type":"number"}]}]}"#)
        let app = try App.open(directory: dir.path, schema: v1)
        _ = try app.records.create(collection: "posts", body: ["title": "kept", "n": 3], requester: Self.admin)
        app.close()
        let v2 = try schema(#"{"collections":[{"name":"posts","fields":[{"name":"n","type":"bool"}]}]}"#)
        #expect(throws: StartupError.self) { try App.open(directory: dir.path, schema: v2) }
        let pool = try DatabasePool(path: App.databasePath(in: dir.path), readerCount: 1)
        defer { pool.close() }
        #expect(try rows(pool, #"SELECT "title", "n" FROM "posts""#) == [[.text("kept"), .integer(3)]])
        #expect(try pool.write { try Migrator.plan($0, to: v1) }.isEmpty)
    }

    @Test func exportedSchema_LoadsBackToAnEmptyPlan() throws {
        let (dir, _, pool) = try migrate(
            #"{"collections":[{"name":"users","type":"auth","fields":[{"name":"name","type":"text"}]},{"name":"posts","fields":[{"name":"author","type":"relation","collection":"users"}],"indexes":["CREATE INDEX idx_author ON posts (author)"],"listRule":""}]}"#,
            [], to: #"{"collections":[{"name":"users","type":"auth","fields":[{"name":"name","type":"text"}]},{"name":"posts","fields":[{"name":"author","type":"relation","collection":"users"}],"indexes":["CREATE INDEX idx_author ON posts (author)"],"listRule":""}]}"#)
        defer { pool.close(); _ = dir }
        let text = try pool.read { try StoredSchema.schemaFile($0) }
        let reloaded = try schema(text)
        #expect(try pool.write { try Migrator.plan($0, to: reloaded) }.isEmpty)
    }
}

extension MigrationSuiteTests {
    @Test func swappedNames_andANewFieldTakingAnOldName_keepEveryValue() throws {
        let (dir, plan, pool) = try migrate(
            #"{"collections":[{"name":"posts","fields":[{"id":"fa","name":"a","type":"text"},{"id":"fb","name":"b","type":"text"},{"id":"ft","name":"title","type":"text"}]}]}"#,
            [["a": "A", "b": "B", "title": "T"]],
            to: #"""
            {"collections":[{"name":"posts","fields":[{"name":"title","type":"number"},{"id":"fa","name":"b","type":"text"},
              {"id":"fb","name":"a","type":"text"},{"id":"ft","name":"headline","type":"text"}]}]}
            """#)
        defer { pool.close(); _ = dir }
        let steps = summaries(plan)
        #expect(steps.contains("+ add field posts.title (number)"), "\(steps)")
        #expect(steps.contains("+ rename field posts.title to headline"), "\(steps)")
        #expect(plan.dataLosingSteps.isEmpty, "\(steps)")
        #expect(try rows(pool, #"SELECT "a", "b", "headline", "title" FROM "posts""#) == [[.text("B"), .text("A"), .text("T"), .integer(0)]])
    }
}

extension MigrationSuiteTests {
    @Test func collectionNames_canSwapAndBeReused() throws {
        let (dir, plan, pool) = try migrate(
            #"""
            {"collections":[{"id":"c1","name":"posts","fields":[{"name":"title","type":"text"}]},
              {"id":"c2","name":"drafts","fields":[{"name":"title","type":"text"}]},
              {"id":"c3","name":"archive","fields":[]}]}
            """#,
            [["title": "P"]],
            to: #"""
            {"collections":[{"name":"posts","fields":[{"name":"body","type":"text"}]},
              {"id":"c2","name":"archive","fields":[{"name":"title","type":"text"}]},
              {"id":"c1","name":"drafts","fields":[{"name":"title","type":"text"}]}]}
            """#, allowDataLoss: true)
        defer { pool.close(); _ = dir }
        let steps = summaries(plan)
        #expect(steps.contains("! drop collection archive and all its records"), "\(steps)")
        #expect(steps.contains("+ rename collection posts to drafts") && steps.contains("+ rename collection drafts to archive"), "\(steps)")
        #expect(steps.last?.hasPrefix("+ create collection posts") == true, "\(steps)")
        #expect(try rows(pool, #"SELECT "title" FROM "drafts""#) == [[.text("P")]])
        #expect(try rows(pool, #"SELECT count(*) FROM "archive""#) == [[.integer(0)]])
        #expect(try rows(pool, #"SELECT count(*) FROM pragma_table_info('posts') WHERE name = 'body'"#) == [[.integer(1)]])
    }
}

extension MigrationSuiteTests {
    @Test func indexes_followTheFile_afterSwapsAndMovesBetweenCollections() throws {
        let (dir, plan, pool) = try migrate(
            #"""
            {"collections":[{"name":"posts","fields":[{"id":"fa","name":"a","type":"text"},{"id":"fb","name":"b","type":"text"}],
               "indexes":["CREATE INDEX idx_a ON posts (a)","CREATE INDEX idx_moving ON posts (b)"]},
              {"name":"notes","fields":[{"name":"c","type":"text"}]}]}
            """#,
            [["a": "A", "b": "B"]],
            to: #"""
            {"collections":[{"name":"notes","fields":[{"name":"c","type":"text"}],"indexes":["CREATE INDEX idx_moving ON notes (c)"]},
              {"name":"posts","fields":[{"id":"fa","name":"b","type":"text"},{"id":"fb","name":"a","type":"text"}],
               "indexes":["CREATE INDEX idx_a ON posts (a)"]}]}
            """#)
        defer { pool.close(); _ = dir }
        #expect(plan.dataLosingSteps.isEmpty, "\(summaries(plan))")
        let indexes = try rows(pool, "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND name IN ('idx_a', 'idx_moving') ORDER BY name")
        #expect(indexes == [[.text("idx_a"), .text("posts"), .text(#"CREATE INDEX "idx_a" ON "posts" (a)"#)],
                            [.text("idx_moving"), .text("notes"), .text(#"CREATE INDEX "idx_moving" ON "notes" (c)"#)]], "\(indexes)")
        #expect(try rows(pool, #"SELECT "a", "b" FROM "posts""#) == [[.text("B"), .text("A")]])
    }
}
