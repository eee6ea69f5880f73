// Aerie — tests for schema file loading and validation
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import Testing

@Suite struct SchemaLoaderTests {
    func load(_ text: String) throws(SchemaError) -> Schema {
        try SchemaLoader.load(Array(text.utf8), file: "schema.json")
    }

    func issues(_ text: String) -> [SchemaIssue] {
        do { _ = try load(text); return [] } catch { return error.issues }
    }

    @Test func starterShape_LoadsWithSystemFields() throws {
        let schema = try load("""
            // comments and trailing commas are fine
            { "collections": [
                { "name": "users", "type": "auth", "fields": [ { "name": "name", "type": "text" }, ] },
                { "name": "posts", "fields": [ { "name": "title", "type": "text", "required": true },
                                               { "name": "author", "type": "relation", "collection": "users" } ],
                  "indexes": ["CREATE INDEX idx_posts_title ON posts (title)"], "listRule": "" },
            ] }
            """)
        let posts = try #require(schema.collection("POSTS"))
        #expect(posts.id == "pbc_1125843985")
        #expect(posts.fields.map(\.name) == ["id", "title", "author", "created", "updated"])
        #expect(posts.rules.list == "")
        #expect(posts.rules.view == nil)
        let users = try #require(schema.collection("users"))
        #expect(users.fields.map(\.name) == ["id", "password", "tokenKey", "email", "emailVisibility", "verified", "name", "created", "updated"])
        #expect(users.indexes.count == 2)
        let author = try #require(posts.field(named: "author") as? RelationField)
        #expect(author.collectionID == users.id)
        #expect(schema.collection("_superusers")?.id == "pbc_3142635823")
    }

    @Test func errors_CarryPathLineAndColumn() {
        let text = """
            {
              "collections": [
                { "name": "posts",
                  "fields": [
                    { "name": "tags", "type": "select", "values": ["a"], "maxSelect": -1 }
                  ] }
              ]
            }
            """
        let found = issues(text)
        #expect(found.count == 1)
        #expect(found.first?.path == "collections[0].fields[0].maxSelect")
        #expect(found.first?.line == 5)
        #expect(found.first?.column != nil)
        let error = SchemaError(file: "schema.json", issues: found)
        #expect(error.description.hasPrefix("schema.json:5:"))
    }

    @Test(arguments: [
        (#"{"collections":[{"name":"_hidden"}]}"#, "collections[0].name"),
        (#"{"collections":[{"name":"1abc"}]}"#, "collections[0].name"),
        (#"{"collections":[{"name":"a"},{"name":"A"}]}"#, "collections[1].name"),
        (#"{"collections":[{"name":"a","type":"nope"}]}"#, "collections[0].type"),
        (#"{"collections":[{"name":"a","fields":[{"name":"x","type":"weird"}]}]}"#, "collections[0].fields[0].type"),
        (#"{"collections":[{"name":"a","fields":[{"name":"x","type":"text"},{"name":"x","type":"text"}]}]}"#, "collections[0].fields[1].name"),
        (#"{"collections":[{"name":"a","fields":[{"name":"expand","type":"text"}]}]}"#, "collections[0].fields[0].name"),
        (#"{"collections":[{"name":"a","fields":[{"name":"r","type":"relation","collection":"missing"}]}]}"#, "collections[0].fields[0].collection"),
        (#"{"collections":[{"name":"a","fields":[{"name":"s","type":"select"}]}]}"#, "collections[0].fields[0].values"),
        (#"{"collections":[{"name":"a","fields":[{"name":"t","type":"text","min":5,"max":2}]}]}"#, "collections[0].fields[0].min"),
        (#"{"collections":[{"name":"a","indexes":["CREATE INDEX i ON b (x)"]}]}"#, "collections[0].indexes[0]"),
        (#"{"collections":[{"name":"a","indexes":["CREATE INDEX i ON a (nope)"]}]}"#, "collections[0].indexes[0]"),
        (#"{"collections":[{"name":"a","indexes":["DROP TABLE a"]}]}"#, "collections[0].indexes[0]"),
        (#"{"collections":[{"name":"a","listRule":5}]}"#, "collections[0].listRule"),
        (#"{"collections":[{"name":"a","type":"auth","manageRule":""}]}"#, "collections[0].manageRule"),
        (#"{"collections":[{"name":"a","type":"auth","authToken":{"duration":1}}]}"#, "collections[0].authToken.duration"),
        (#"{"collectionz":[]}"#, "collectionz"),
    ])
    func invalidSchemas_NameThePath(_ text: String, _ path: String) {
        let found = issues(text)
        #expect(found.contains { $0.path == path }, "\(found)")
    }

    @Test func invalidJSON_ReportsLineAndColumn() {
        let found = issues("{\n  \"collections\": [\n    {\"name\": }\n]}")
        #expect(found.first?.line == 3)
        #expect(found.first?.message.hasPrefix("invalid JSON") == true)
    }

    @Test func indexParser_AcceptsQuotedNamesAndWhere() throws {
        let i = try IndexDefinition.parse("CREATE UNIQUE INDEX IF NOT EXISTS `idx_x` ON \"posts\" (`slug` COLLATE NOCASE DESC, title) WHERE slug != ''").get()
        #expect(i.isUnique)
        #expect(i.name == "idx_x")
        #expect(i.table == "posts")
        #expect(i.columns == ["slug", "title"])
        #expect(i.whereSQL == "slug != ''")
    }
}
