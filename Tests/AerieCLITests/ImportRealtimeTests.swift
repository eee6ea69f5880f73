// Aerie — `aerie records import` beside a running server: realtime events through the outbox
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import AerieSQLite
import AerieTesting
import Foundation
import Glibc
import Testing

@Suite struct ImportRealtimeTests {
    static let publicSchema = #"""
        {"collections":[{"name":"posts","fields":[{"name":"title","type":"text","required":true},{"name":"n","type":"number"}],
          "listRule":"","viewRule":""}]}
        """#
    static let ownerSchema = #"""
        {"collections":[
         {"name":"users","type":"auth","fields":[],"listRule":"id = @request.auth.id","viewRule":"id = @request.auth.id","createRule":""},
         {"name":"posts","fields":[{"name":"title","type":"text","required":true},
           {"name":"owner","type":"relation","collection":"users","maxSelect":1}],
          "listRule":"owner = @request.auth.id","viewRule":"owner = @request.auth.id"}]}
        """#

    static func postID(_ prefix: Character, _ n: Int) -> String {
        let digits = String(n)
        return String(prefix) + String(repeating: "0", count: 14 - digits.count) + digits
    }

    /// Runs `aerie records import posts FILE --dir <server dir>` with `lines` as FILE.
    func importPosts(_ lines: [String], into server: TestServer) throws -> AerieResult {
        let work = try TemporaryDirectory()
        try work.write("posts.ndjson", lines.joined(separator: "\n") + "\n")
        return try aerie(["records", "import", "posts", "posts.ndjson", "--dir", server.directory], in: work, timeout: .seconds(60))
    }

    /// Opens `/api/realtime`, subscribes to `topics` with `token` and returns the stream.
    func subscribe(_ server: TestServer, _ topics: [String], token: String? = nil) throws -> SSEClient {
        let sse = try SSEClient(port: server.port)
        let first = try #require(try sse.nextEvent())
        #expect(first.event == "PB_CONNECT")
        let r = try server.request("POST", "/api/realtime", json: ["clientId": .string(first.id), "subscriptions": .array(topics.map(JSON.string))],
                                   token: token)
        #expect(r.status == 204, "\(r.text)")
        return sse
    }

    /// Events up to and including the one for record `last` (which must arrive).
    func events(_ sse: SSEClient, through last: String) throws -> [(event: String, data: JSON)] {
        var out: [(event: String, data: JSON)] = []
        while true {
            let e = try #require(try sse.nextEvent(timeout: .seconds(20)), "record \(last) never arrived (\(out.count) events before)")
            let data = (try? JSONParser.parse(e.data)) ?? .null
            out.append((e.event, data))
            if data["record"]?["id"] == .string(last) { return out }
        }
    }

    /// Rows left in the server's outbox, once the server has consumed what it read.
    func outboxSettles(_ server: TestServer) throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let n = try server.app.pool.read { db in try db.queryScalar(#"SELECT count(*) FROM "_events""#) }
            if n == .integer(0) || ContinuousClock.now > deadline { if case .integer(let v)? = n { return Int(v) }; return -1 }
            usleep(20_000)
        }
    }

    @Test func importedRecords_reachGuestSubscribers_asCreateEvents_andAFailedImportPublishesNothing() throws {
        let server = try TestServer(schema: Self.publicSchema)
        defer { server.stop() }
        let sse = try subscribe(server, ["posts/*"])

        // All or nothing: the valid first line of a failing import must not be announced.
        let failed = try importPosts([#"{"id":"\#(Self.postID("f", 1))","title":"fine"}"#, #"{"title":""}"#], into: server)
        #expect(failed.status == 1 && failed.stderr.contains("line 2"), "\(failed)")

        let count = 300
        let lines = (1...count).map { #"{"id":"\#(Self.postID("p", $0))","title":"post \#($0)","n":\#($0)}"# }
        let imported = try importPosts(lines, into: server)
        #expect(imported.status == 0 && imported.stdout == "imported \(count) records into posts\n", "\(imported)")
        let received = try events(sse, through: Self.postID("p", count))
        #expect(received.count == count)
        #expect(received.map { $0.data["record"]?["id"]?.stringValue ?? "" } == (1...count).map { Self.postID("p", $0) })
        for e in received {
            #expect(e.event == "posts/*")
            #expect(e.data.objectValue?.keys == ["record", "action"])
            #expect(e.data["action"] == "create")
        }
        // The record as the API shows it to the same guest (PocketBase's payload is that record).
        let viewed = try server.request("GET", "/api/collections/posts/records/\(Self.postID("p", 7))")
        #expect(viewed.status == 200)
        #expect(received[6].data["record"] == viewed.json)
        #expect(received[6].data["record"]?["collectionName"] == "posts" && received[6].data["record"]?["n"] == 7)

        // A later import arrives next: nothing was published twice, nothing from the failed one.
        let marker = Self.postID("m", 1)
        #expect(try importPosts([#"{"id":"\#(marker)","title":"marker"}"#], into: server).status == 0)
        let next = try #require(try sse.nextEvent(timeout: .seconds(20)))
        #expect((try? JSONParser.parse(next.data))?["record"]?["id"] == .string(marker), "\(next.data)")
        #expect(try outboxSettles(server) == 0)
        #expect(server.outbox.publishedCount == count + 1)
    }

    @Test func ownerOnlyRule_eachUserReceivesOnlyItsOwnImportedRecords() throws {
        let server = try TestServer(schema: Self.ownerSchema)
        defer { server.stop() }
        func signUp(_ email: String) throws -> (id: String, token: String) {
            let created = try server.request("POST", "/api/collections/users/records",
                                             json: ["email": .string(email), "password": "password-1", "passwordConfirm": "password-1"])
            let login = try server.request("POST", "/api/collections/users/auth-with-password", json: ["identity": .string(email), "password": "password-1"])
            let id = try #require(created.json["id"]?.stringValue, "\(created.text)")
            return (id, try #require(login.json["token"]?.stringValue, "\(login.text)"))
        }
        let ann = try signUp("ann@example.com"), bob = try signUp("bob@example.com")
        let annStream = try subscribe(server, ["posts/*"], token: ann.token)
        let bobStream = try subscribe(server, ["posts/*"], token: bob.token)
        let guestStream = try subscribe(server, ["posts/*"])

        var lines: [String] = []
        var annIDs: [String] = [], bobIDs: [String] = []
        for n in 1...50 {
            let owner = n % 3 == 0 ? bob.id : ann.id
            let id = Self.postID("p", n)
            if owner == ann.id { annIDs.append(id) } else { bobIDs.append(id) }
            lines.append(#"{"id":"\#(id)","title":"post \#(n)","owner":"\#(owner)"}"#)
        }
        #expect(try importPosts(lines, into: server).status == 0)
        // Markers in a second import: everything of the first is published before them.
        let annEnd = Self.postID("a", 1), bobEnd = Self.postID("b", 1)
        #expect(try importPosts([#"{"id":"\#(annEnd)","title":"end","owner":"\#(ann.id)"}"#,
                                 #"{"id":"\#(bobEnd)","title":"end","owner":"\#(bob.id)"}"#], into: server).status == 0)
        let annSeen = try events(annStream, through: annEnd).map { $0.data["record"]?["id"]?.stringValue ?? "" }
        let bobSeen = try events(bobStream, through: bobEnd).map { $0.data["record"]?["id"]?.stringValue ?? "" }
        #expect(annSeen == annIDs + [annEnd])
        #expect(bobSeen == bobIDs + [bobEnd])
        // The guest passes no owner rule; the stream stays open but silent.
        #expect(try guestStream.events(within: .milliseconds(300)).isEmpty)
    }

    @Test func serveProcess_publishesImportedRecords_andLeavesNoOutboxRowsAfterStopping() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.publicSchema)
        let server = try StartedServer(["--dir", "data", "--schema", "schema.json", "--quiet"], in: directory)
        let sse = try SSEClient(port: server.port)
        let first = try #require(try sse.nextEvent())
        let r = try RawHTTPClient(port: server.port).request("POST", "/api/realtime", headers: [("Content-Type", "application/json")],
                                                             body: JSON.object(["clientId": .string(first.id), "subscriptions": ["posts/*"]]).serialized())
        #expect(r.status == 204)
        try directory.write("posts.ndjson", (1...5).map { #"{"id":"\#(Self.postID("s", $0))","title":"s"}"# }.joined(separator: "\n"))
        let imported = try aerie("records", "import", "posts", "posts.ndjson", "--dir", "data", in: directory)
        #expect(imported.status == 0, "\(imported)")
        let seen = try events(sse, through: Self.postID("s", 5))
        #expect(seen.map { $0.data["record"]?["id"]?.stringValue ?? "" } == (1...5).map { Self.postID("s", $0) })
        #expect(seen.allSatisfy { $0.event == "posts/*" && $0.data["action"] == "create" })
        #expect(try server.stop().status == 0)
        // Stopped: the presence lock is gone, so a new import queues nothing.
        try directory.write("more.ndjson", #"{"title":"later"}"#)
        #expect(try aerie("records", "import", "posts", "more.ndjson", "--dir", "data", in: directory).status == 0)
        #expect(try outbox(directory).isEmpty)
    }

    static let plainSchema = #"{"collections":[{"name":"posts","fields":[{"name":"title","type":"text","required":true}]}]}"#

    func outbox(_ directory: TemporaryDirectory) throws -> [[SQLValue]] {
        let db = try Connection(path: directory.path + "/data/data.db", readOnly: true)
        defer { db.close() }
        var rows: [[SQLValue]] = []
        try db.query(#"SELECT "recordRef", "action" FROM "_events" ORDER BY "id""#) { row in rows.append([.text(row.string(0)), .text(row.string(1))]) }
        return rows
    }

    @Test func withoutAServer_importLeavesTheOutboxEmpty_withOne_itQueuesOneRowPerCommittedRecord() throws {
        let directory = try TemporaryDirectory()
        try directory.write("schema.json", Self.plainSchema)
        #expect(try aerie("schema", "apply", "--dir", "data", in: directory).status == 0)
        try directory.write("a.ndjson", (1...3).map { #"{"id":"\#(Self.postID("a", $0))","title":"a"}"# }.joined(separator: "\n"))
        #expect(try aerie("records", "import", "posts", "a.ndjson", "--dir", "data", in: directory).status == 0)
        #expect(try outbox(directory).isEmpty)

        // Hold the server's presence lock (no server reads the outbox here, so the rows stay).
        let fd = open(directory.path + "/data/.aerie.events.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(fd >= 0 && flock(fd, LOCK_SH) == 0)
        defer { close(fd) }
        try directory.write("b.ndjson", (1...4).map { #"{"id":"\#(Self.postID("b", $0))","title":"b"}"# }.joined(separator: "\n"))
        #expect(try aerie("records", "import", "posts", "b.ndjson", "--dir", "data", in: directory).status == 0)
        #expect(try outbox(directory) == (1...4).map { [.text(Self.postID("b", $0)), .text("create")] })

        // A failed import rolls its outbox rows back with its records.
        try directory.write("c.ndjson", #"{"id":"\#(Self.postID("c", 1))","title":"c"}"# + "\n" + #"{"title":""}"#)
        #expect(try aerie("records", "import", "posts", "c.ndjson", "--dir", "data", in: directory).status == 1)
        #expect(try outbox(directory).count == 4)
    }
}
