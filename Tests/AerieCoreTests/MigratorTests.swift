// Aerie — tests for migration plans between a schema file and a database
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import AerieSQLite
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct MigratorTests {
    func tempDir() -> String {
        var template = Array("/tmp/aerie-core-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    func schema(_ text: String) throws -> Schema { try SchemaLoader.load(Array(text.utf8), file: "s.json") }

    @Test func safeChanges_AreAppliedAndDataSurvives() throws {
        let dir = tempDir()
        defer { _ = system("rm -rf '\(dir)'") }
        let v1 = try schema(#"{"collections":[{"name":"posts","fields":[{"id":"f1","name":"title","type":"text"}],"listRule":"","createRule":""}]}"#)
        var app = try App.open(directory: dir, schema: v1)
        _ = try app.records.create(collection: "posts", body: ["title": "kept"], requester: .guest)
        app.close()
        // Rename the field through its stable id, add a field, an index and a collection.
        let v2 = try schema(#"""
            {"collections":[{"name":"posts","fields":[{"id":"f1","name":"headline","type":"text"},{"name":"views","type":"number"}],
              "indexes":["CREATE INDEX idx_views ON posts (views)"],"listRule":""},
             {"name":"tags","fields":[{"name":"label","type":"text"}]}]}
            """#)
        app = try App.open(directory: dir, schema: v2)
        defer { app.close() }
        let page = try app.records.list(collection: "posts", query: ListQuery(), requester: .guest)
        let text = String(decoding: page, as: UTF8.self)
        #expect(text.contains(#""headline":"kept""#))
        #expect(text.contains(#""views":0"#))
        let plan = try app.pool.write { try Migrator.plan($0, to: v2) }
        #expect(plan.isEmpty, "re-applying the same schema is a no-op: \(plan.steps)")
    }

    @Test func dataLosingChanges_RefuseToStart() throws {
        let dir = tempDir()
        defer { _ = system("rm -rf '\(dir)'") }
        let v1 = try schema(#"{"collections":[{"name":"posts","fields":[{"name":"title","type":"text"},{"name":"n","type":"number"}]},{"name":"old","fields":[]}]}"#)
        try App.open(directory: dir, schema: v1).close()
        let v2 = try schema(#"{"collections":[{"name":"posts","fields":[{"name":"n","type":"bool"}]}]}"#)
        #expect {
            try App.open(directory: dir, schema: v2)
        } throws: { error in
            let text = "\(error)"
            return text.contains("drop field posts.title") && text.contains("drop collection old") && text.contains("change field posts.n")
        }
        // Nothing changed: the old schema still opens cleanly.
        let app = try App.open(directory: dir, schema: v1)
        let plan = try app.pool.write { try Migrator.plan($0, to: v1) }
        #expect(plan.isEmpty)
        app.close()
    }
}
