// Aerie — `aerie schema validate|plan|apply|export|import-pocketbase` as a subprocess
// SPDX-License-Identifier: MIT
import Foundation
import Testing

@Suite struct SchemaCommandTests {
    static let v1 = #"""
        {"collections":[{"name":"posts","fields":[{"id":"f1","name":"title","type":"text"},{"name":"n","type":"number"}],"listRule":""}]}
        """#

    /// A directory with `schema.json` (v1) applied to `data/` and one record stored through the API.
    func prepared() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.v1)
        let applied = try aerie("schema", "apply", "--dir", "data", in: directory)
        #expect(applied.status == 0, "\(applied)")
        return directory
    }

    @Test func validate_reportsValidAndInvalidFiles() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.v1)
        let ok = try aerie("schema", "validate", in: directory)
        #expect(ok.status == 0 && ok.stdout == "schema.json: valid (1 collection)\n", "\(ok)")

        try directory.write("bad.json", "{\"collections\": [\n  {\"name\": \"posts\",\n   \"fields\": [{\"name\": \"n\", \"type\": \"number\", \"min\": \"x\"}]}]}")
        let bad = try aerie("schema", "validate", "--schema", "bad.json", in: directory)
        #expect(bad.status == 1, "\(bad)")
        #expect(bad.stderr.contains("bad.json:3:"), "\(bad)")
        #expect(bad.stderr.contains("collections[0].fields[0].min"), "\(bad)")

        try directory.write("rule.json", #"{"collections":[{"name":"posts","fields":[],"listRule":"nosuchfield = 1"}]}"#)
        let rule = try aerie("schema", "validate", "--schema", "rule.json", in: directory)
        #expect(rule.status == 1 && rule.stderr.contains("listRule"), "\(rule)")
    }

    @Test func plan_apply_export_roundTrip() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.v1)
        let plan = try aerie("schema", "plan", "--dir", "data", in: directory)
        #expect(plan.status == 0 && plan.stdout.contains("+ create collection posts"), "\(plan)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/data/data.db"), "plan must not create anything")

        let apply = try aerie("schema", "apply", "--dir", "data", in: directory)
        #expect(apply.status == 0 && apply.stdout.contains("Applied 2 steps"), "\(apply)")
        let again = try aerie("schema", "apply", "--dir", "data", in: directory)
        #expect(again.stdout.contains("No changes"), "\(again)")

        let export = try aerie("schema", "export", "--dir", "data", "--out", "exported.json", in: directory)
        #expect(export.status == 0 && export.stdout.isEmpty, "\(export)")
        let replan = try aerie("schema", "plan", "--dir", "data", "--schema", "exported.json", in: directory)
        #expect(replan.stdout.contains("No changes"), "\(replan)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!files.contains { $0.contains(".tmp-") }, "\(files)")
    }

    @Test func apply_refusesDataLoss_thenBacksUpAndApplies_WhenAllowed() throws {
        let directory = try prepared()
        try directory.write("v2.json", #"{"collections":[{"name":"posts","fields":[{"id":"f1","name":"headline","type":"text"}],"listRule":""}]}"#)
        let before = try aerie("schema", "export", "--dir", "data", in: directory).stdout

        let refused = try aerie("schema", "apply", "--dir", "data", "--schema", "v2.json", in: directory)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("! drop field posts.n"), "\(refused)")
        #expect(refused.stderr.contains("nothing was changed"), "\(refused)")
        #expect(try aerie("schema", "export", "--dir", "data", in: directory).stdout == before)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/data/backups"), "no backup for a refused plan")

        let plan = try aerie("schema", "plan", "--dir", "data", "--schema", "v2.json", in: directory)
        #expect(plan.stdout.contains("+ rename field posts.title to headline") && plan.stdout.contains("1 data-losing"), "\(plan)")

        let applied = try aerie("schema", "apply", "--dir", "data", "--schema", "v2.json", "--allow-data-loss", in: directory)
        #expect(applied.status == 0, "\(applied)")
        let backups = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/data/backups")
        #expect(backups.count == 1 && backups[0].hasPrefix("pre-apply-") && backups[0].hasSuffix(".tar"), "\(backups)")
        let after = try aerie("schema", "export", "--dir", "data", in: directory).stdout
        #expect(after.contains("headline") && !after.contains(#""name": "n""#), "\(after)")
    }

    @Test func apply_refuses_WhileServing() throws {
        let directory = try prepared()
        let server = try StartedServer(["--dir", "data", "--quiet"], in: directory)
        let refused = try aerie("schema", "apply", "--dir", "data", in: directory)
        #expect(refused.status == 1 && refused.stderr.contains("stop it first"), "\(refused)")
        #expect(try server.stop().status == 0)
    }

    @Test func importPocketBase_convertsARealExport() throws {
        let directory = try TemporaryDirectory()
        let fixture = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/pocketbase-collections.json").path
        let result = try aerie("schema", "import-pocketbase", fixture, "--out", "schema.json", in: directory)
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("note: skipped system collection _mfas"), "\(result)")
        let text = try String(contentsOfFile: directory.path + "/schema.json", encoding: .utf8)
        #expect(text.contains(#""collection": "users""#), "\(text)")
        let valid = try aerie("schema", "validate", in: directory)
        #expect(valid.status == 0 && valid.stdout.contains("valid (3 collections)"), "\(valid)")
        #expect(result.stderr.contains("note: skipped view collection post_stats"), "\(result)")
        let applied = try aerie("schema", "apply", "--dir", "data", in: directory)
        #expect(applied.status == 0 && applied.stdout.contains("create collection comments"), "\(applied)")
        // Ids survive, so the export of the applied directory is the same schema.
        #expect(try aerie("schema", "export", "--dir", "data", in: directory).stdout.contains(#""id": "pbc_533777971""#))

        // The `GET /api/collections` page shape works too.
        let page = try String(contentsOfFile: fixture, encoding: .utf8)
        try directory.write("page.json", #"{"page":1,"perPage":100,"totalItems":9,"totalPages":1,"items":"# + page + "}")
        let fromPage = try aerie("schema", "import-pocketbase", "page.json", in: directory)
        #expect(fromPage.status == 0 && fromPage.stdout == text, "\(fromPage)")

        try directory.write("nope.json", "{\"hello\": 1}")
        let bad = try aerie("schema", "import-pocketbase", "nope.json", in: directory)
        #expect(bad.status == 1 && bad.stderr.contains("expected PocketBase collections"), "\(bad)")
    }
}
