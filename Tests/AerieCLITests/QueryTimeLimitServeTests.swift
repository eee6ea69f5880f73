// Aerie — `aerie serve` takes the list-query time limit from AERIE_QUERY_TIME_LIMIT_MS
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Foundation
import Testing

@Suite struct QueryTimeLimitServeTests {
    static let schema = #"""
    { "collections": [ { "name": "notes", "type": "base", "listRule": "", "viewRule": "",
        "fields": [ { "name": "title", "type": "text" } ] } ] }
    """#

    @Test func serve_stopsSlowListQueries_atTheLimitFromTheEnvironment() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.schema)
        #expect(try aerie("schema", "apply", "--dir", "data", "--schema", "schema.json", in: directory).status == 0)
        try directory.write("notes.ndjson", (1...3000).map { #"{"title":"note \#($0)"}"# }.joined(separator: "\n"))
        #expect(try aerie("records", "import", "notes", "notes.ndjson", "--dir", "data", in: directory).status == 0)
        #expect(try aerie("superuser", "create", "root@example.com", "password123", "--dir", "data", in: directory).status == 0)
        let server = try StartedServer(["--dir", "data", "--schema", "schema.json", "--quiet"], in: directory,
                                       environment: ["AERIE_QUERY_TIME_LIMIT_MS": "20"])
        defer { _ = try? server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let login = try client.request("POST", "/api/collections/_superusers/auth-with-password", headers: [("Content-Type", "application/json")],
                                       body: Array(#"{"identity":"root@example.com","password":"password123"}"#.utf8))
        let token = try #require(try JSONParser.parse(login.body)["token"]?.stringValue, "\(login.bodyText)")
        // @collection.notes fans out every row against every row: 9,000,000 pairs.
        let filter = "@collection.notes.title ~ 'zzz' || title ~ 'zzz'"
        let encoded = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let slow = try client.request("GET", "/api/collections/notes/records?filter=" + encoded, headers: [("Authorization", token)])
        #expect(slow.status == 400, "\(slow.status) \(slow.bodyText)")
        #expect(slow.bodyText.contains("took longer than 20 ms"), "\(slow.bodyText)")
        let quick = try client.request("GET", "/api/collections/notes/records?perPage=1")
        #expect(quick.status == 200 && quick.bodyText.contains(#""totalItems":3000"#), "\(quick.bodyText)")
    }
}
