// Aerie — `--schema` files: missing, invalid with a located message, valid, and data-loss refusal
// SPDX-License-Identifier: MIT
import AerieTesting
import Foundation
import Glibc
import Testing

@Suite struct SchemaFileTests {
    @Test func serve_fails_WhenSchemaFileMissing() throws {
        let directory = try TemporaryDirectory()
        let result = try aerie("serve", "--http", "127.0.0.1:0", "--dir", "data", "--schema", "missing.json", in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.errorMessage?.contains("missing.json") == true, "\(result)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/data"), "nothing is created: \(result)")
    }

    @Test func serve_fails_WithLocatedIssue_WhenSchemaInvalid() throws {
        let directory = try TemporaryDirectory()
        try directory.write("bad.json", """
            {
              "collections": [
                {
                  "name": "a",
                  "fields": [{ "name": "x", "type": "nope" }]
                }
              ]
            }
            """)
        let result = try aerie("serve", "--http", "127.0.0.1:0", "--dir", "data", "--schema", "bad.json", in: directory)
        #expect(result.status == 1, "\(result)")
        // Line 5, column 41 is the value of "type", so an editor can jump straight to it.
        #expect(result.stderr.contains("\nbad.json:5:41: collections[0].fields[0].type: unknown field type \"nope\""), "\(result)")
        #expect(result.stderr.contains("nope"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/data"), "nothing is created: \(result)")
    }

    @Test func serve_fails_WhenSchemaIsNotJSON() throws {
        let directory = try TemporaryDirectory()
        try directory.write("broken.json", "{ \"collections\": [ }\n")
        let result = try aerie("serve", "--http", "127.0.0.1:0", "--dir", "data", "--schema", "broken.json", in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("broken.json:1:"), "\(result)")
    }

    @Test(arguments: [true, false])
    func serve_usesCustomSchema(explicitFlag: Bool) throws {
        // Given with --schema, or found as ./schema.json in the working directory.
        let directory = try TemporaryDirectory()
        try directory.write(explicitFlag ? "custom.json" : "schema.json", """
            { "collections": [{ "name": "notes", "fields": [{ "name": "text", "type": "text" }],
                                "listRule": "", "viewRule": "", "createRule": "" }] }
            """)
        let schemaArguments = explicitFlag ? ["--schema", "custom.json"] : []
        let server = try StartedServer(["--dir", "data", "--quiet"] + schemaArguments, in: directory)
        #expect(server.readyLine.contains(explicitFlag ? "schema custom.json" : "schema schema.json"), "\(server.readyLine)")

        let client = try RawHTTPClient(port: server.port)
        let body = Array(#"{"text":"hello"}"#.utf8)
        let created = try client.request("POST", "/api/collections/notes/records",
                                          headers: [("Content-Type", "application/json")], body: body)
        #expect(created.status == 200, "\(created.bodyText)")
        let listed = try client.request("GET", "/api/collections/notes/records")
        #expect(listed.status == 200)
        #expect(listed.bodyText.contains(#""text":"hello""#), "\(listed.bodyText)")
        // The starter schema's collections are not there.
        #expect(try client.request("GET", "/api/collections/posts/records").status == 404)
        client.close()
        #expect(try server.stop().status == 0)
    }

    @Test func commands_refuseToStart_WhenSchemaWouldLoseData() throws {
        let directory = try TemporaryDirectory()
        try directory.write("v1.json", #"{ "collections": [{ "name": "a", "fields": [{ "name": "x", "type": "text" }, { "name": "y", "type": "text" }] }] }"#)
        try directory.write("v2.json", #"{ "collections": [{ "name": "a", "fields": [{ "name": "y", "type": "text" }] }] }"#)

        let server = try StartedServer(["--dir", "data", "--quiet", "--schema", "v1.json"], in: directory)
        #expect(try server.stop().status == 0)

        let serveRefused = try aerie("serve", "--http", "127.0.0.1:0", "--dir", "data", "--schema", "v2.json", in: directory)
        #expect(serveRefused.status == 1, "\(serveRefused)")
        #expect(serveRefused.errorMessage?.contains("drop field a.x") == true, "\(serveRefused)")
        #expect(!serveRefused.stderr.contains(" serving "), "\(serveRefused)")

        // Maintenance commands never apply the schema, so they work whatever file is around.
        let listed = try aerie("superuser", "list", "--dir", "data", in: directory)
        #expect(listed.status == 0, "\(listed)")
        // The data directory is untouched, so the old schema still serves.
        let again = try StartedServer(["--dir", "data", "--quiet", "--schema", "v1.json"], in: directory)
        #expect(try again.stop().status == 0)
    }
}
