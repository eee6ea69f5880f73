// Aerie — black-box tests of /api/realtime with a raw SSE client
// SPDX-License-Identifier: MIT
import AerieAPI
import AerieBase
import AerieCore
import AerieHTTP
import AerieJSON
import AerieTesting
import Foundation
import Synchronization
import Testing

/// Open posts, owner-only notes (with a hidden field), superuser-only secrets.
let realtimeSchema = #"""
{
  "collections": [
    { "name": "users", "type": "auth", "fields": [ { "name": "name", "type": "text" } ],
      "listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id", "createRule": "" },
    { "name": "posts",
      "fields": [ { "name": "title", "type": "text" }, { "name": "body", "type": "editor" },
                  { "name": "author", "type": "relation", "collection": "users", "maxSelect": 1 } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "notes",
      "fields": [ { "name": "text", "type": "text" }, { "name": "secret", "type": "text", "hidden": true },
                  { "name": "owner", "type": "relation", "collection": "users", "maxSelect": 1 } ],
      "listRule": "owner = @request.auth.id", "viewRule": "owner = @request.auth.id",
      "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "secrets", "fields": [ { "name": "value", "type": "text" } ] },
    { "name": "comments",
      "fields": [ { "name": "text", "type": "text" },
                  { "name": "post", "type": "relation", "collection": "posts", "maxSelect": 1, "cascadeDelete": true } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "likes",
      "fields": [ { "name": "post", "type": "relation", "collection": "posts", "maxSelect": 1 } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "members", "fields": [ { "name": "value", "type": "text" } ],
      "listRule": "@request.auth.id != ''", "viewRule": "@request.auth.id != ''", "createRule": "" }
  ]
}
"""#

/// A connected realtime client: the raw stream and its id.
struct RealtimeClient {
    let sse: SSEClient
    let id: String

    /// The next event, which must arrive.
    func next(sourceLocation: SourceLocation = #_sourceLocation) throws -> SSEEvent {
        try #require(try sse.nextEvent(timeout: .seconds(10)), "no event arrived", sourceLocation: sourceLocation)
    }

    /// The next event's `data` as JSON.
    func nextData(sourceLocation: SourceLocation = #_sourceLocation) throws -> (event: String, data: JSON) {
        let e = try next(sourceLocation: sourceLocation)
        #expect(e.id == id, "every event carries the client id", sourceLocation: sourceLocation)
        return (e.event, (try? JSONParser.parse(e.data)) ?? .null)
    }
}

extension TestServer {
    /// Opens `/api/realtime` and reads `PB_CONNECT`.
    func realtimeConnect() throws -> RealtimeClient {
        let sse = try SSEClient(port: port)
        let first = try #require(try sse.nextEvent())
        #expect(first.event == "PB_CONNECT")
        return RealtimeClient(sse: sse, id: first.id)
    }

    /// `POST /api/realtime`.
    func realtimeSubscribe(_ clientID: String, _ topics: [String], token: String? = nil) throws -> TestResponse {
        try request("POST", "/api/realtime", json: ["clientId": .string(clientID), "subscriptions": .array(topics.map(JSON.string))],
                    token: token)
    }

    /// Creates a record as the superuser and returns its id.
    func createRecord(_ collection: String, _ body: JSONObject, token: String? = nil) throws -> String {
        let r = try request("POST", "/api/collections/\(collection)/records", json: .object(body), token: token ?? superuserToken())
        guard r.status == 200, let id = r.json["id"]?.stringValue else {
            throw CoreError.internal(detail: "create failed: \(r.status) \(r.text)")
        }
        return id
    }
}

/// A server on `schema` with custom realtime settings and direct access to the broker.
final class RealtimeServer: Sendable {
    let app: App
    let responder: APIResponder
    let server: HTTPServer
    let port: Int
    let directory: String

    init(schema: String, settings: RealtimeSettings) throws {
        directory = "/tmp/aerie-rt-\(RandomID.make(length: 12))"
        Log.setLevel(.warning)
        app = try App.open(directory: directory, schema: try SchemaLoader.load(Array(schema.utf8), file: "schema.json"), readerCount: 2)
        responder = APIResponder(app: app, realtime: settings)
        var config = HTTPServerConfiguration()
        config.port = 0
        config.loopCount = 1
        config.workerCount = 2
        server = HTTPServer(configuration: config, responder: responder)
        port = try server.start()
    }

    func stop() {
        server.shutdown(gracePeriod: .seconds(2))
        app.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func post(_ path: String, _ json: JSON, token: String? = nil) throws -> RawHTTPResponse {
        var headers = [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", token)) }
        return try RawHTTPClient(port: port).request("POST", path, headers: headers, body: json.serialized())
    }

    /// Signs a user up in `users` and logs in; returns its id and token.
    func signUp(_ email: String) throws -> (id: String, token: String) {
        let created = try post("/api/collections/users/records", ["email": .string(email), "password": "password-1", "passwordConfirm": "password-1"])
        let login = try post("/api/collections/users/auth-with-password", ["identity": .string(email), "password": "password-1"])
        let id = (try? JSONParser.parse(created.body))?["id"]?.stringValue ?? ""
        let token = (try? JSONParser.parse(login.body))?["token"]?.stringValue ?? ""
        guard !id.isEmpty, !token.isEmpty else { throw CoreError.internal(detail: "sign-up failed: \(created.bodyText)") }
        return (id, token)
    }

    /// Opens a stream and subscribes it with `token`.
    func subscribed(_ topics: [JSON], token: String?) throws -> (SSEClient, String) {
        let sse = try SSEClient(port: port)
        let id = try #require(try sse.nextEvent()).id
        let r = try post("/api/realtime", ["clientId": .string(id), "subscriptions": .array(topics)], token: token)
        guard r.status == 204 else { throw CoreError.internal(detail: "subscribe failed: \(r.bodyText)") }
        return (sse, id)
    }
}

@Suite struct RealtimeTests {
    func server() throws -> TestServer { try TestServer(schema: realtimeSchema) }

    // MARK: - Connect and subscribe

    @Test func connect_SendsPBConnectWithClientID() throws {
        let s = try server(); defer { s.stop() }
        let sse = try SSEClient(port: s.port)
        #expect(sse.status == 200)
        #expect(sse.header("Content-Type") == "text/event-stream")
        #expect(sse.header("Cache-Control") == "no-store")
        #expect(sse.header("X-Accel-Buffering") == "no")
        #expect(sse.header("Transfer-Encoding") == "chunked")
        let e = try #require(try sse.nextEvent())
        #expect(e.event == "PB_CONNECT")
        #expect(e.id.utf8.count == 40 && e.id.utf8.allSatisfy { isAlphanumeric($0) })
        #expect(e.data == #"{"clientId":"\#(e.id)"}"#)
        // Exact framing: `id:`, `event:`, `data:` with no space, blank line, one chunk.
        let raw = String(decoding: sse.rawBody, as: UTF8.self)
        #expect(raw.hasPrefix("7b\r\nid:\(e.id)\nevent:PB_CONNECT\ndata:{\"clientId\":\"\(e.id)\"}\n\n\r\n"))
        let other = try s.realtimeConnect()
        #expect(other.id != e.id)
    }

    @Test func recordEvents_CreateUpdateDelete_WithPocketBasePayloads() throws {
        let s = try server(); defer { s.stop() }
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["posts/*"]).status == 204)
        let id = try s.createRecord("posts", ["title": "hello"])
        let created = try c.nextData()
        #expect(created.event == "posts/*")
        #expect(created.data["action"] == "create")
        #expect(created.data["record"]?["id"] == .string(id))
        #expect(created.data["record"]?["title"] == "hello")
        #expect(created.data["record"]?["collectionName"] == "posts")
        #expect(created.data.objectValue?.keys == ["record", "action"])
        #expect(try s.request("PATCH", "/api/collections/posts/records/\(id)", json: ["title": "changed"]).status == 200)
        let updated = try c.nextData()
        #expect(updated.data["action"] == "update")
        #expect(updated.data["record"]?["title"] == "changed")
        #expect(try s.request("DELETE", "/api/collections/posts/records/\(id)").status == 204)
        let deleted = try c.nextData()
        #expect(deleted.data["action"] == "delete")
        #expect(deleted.data["record"]?["id"] == .string(id))
        #expect(deleted.data["record"]?["title"] == "changed")
    }

    @Test func topics_RecordCollectionLegacyAndByID_EachGetTheirOwnEvent() throws {
        let s = try server(); defer { s.stop() }
        let first = try s.createRecord("posts", ["title": "first"])
        let second = try s.createRecord("posts", ["title": "second"])
        let collectionID = try #require(try s.request("GET", "/api/collections/posts/records/\(first)").json["collectionId"]?.stringValue)
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["posts/\(first)", "\(collectionID)/\(first)", "posts"]).status == 204)
        #expect(try s.request("PATCH", "/api/collections/posts/records/\(second)", json: ["title": "x"]).status == 200)
        #expect(try c.nextData().event == "posts", "the legacy collection topic sees every record")
        #expect(try s.request("PATCH", "/api/collections/posts/records/\(first)", json: ["title": "y"]).status == 200)
        var names = Set<String>()
        for _ in 0..<3 { names.insert(try c.nextData().event) }
        #expect(names == ["posts/\(first)", "\(collectionID)/\(first)", "posts"], "one event per matching topic, named by it")
    }

    @Test func unsubscribe_StopsEvents() throws {
        let s = try server(); defer { s.stop() }
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["posts/*", "secrets/*"]).status == 204)
        _ = try s.createRecord("posts", ["title": "one"])
        #expect(try c.nextData().event == "posts/*")
        // Subscriptions are replaced as a whole: keep only secrets (which a guest never sees).
        #expect(try s.realtimeSubscribe(c.id, ["secrets/*"]).status == 204)
        _ = try s.createRecord("posts", ["title": "two"])
        _ = try s.createRecord("secrets", ["value": "hidden"])   // not subscribed (and locked): no event
        #expect(try s.realtimeSubscribe(c.id, ["posts/*"]).status == 204)
        _ = try s.createRecord("posts", ["title": "three"])
        let next = try c.nextData()
        #expect(next.data["record"]?["title"] == "three", "nothing arrived for 'two' or the hidden note")
        #expect(try s.realtimeSubscribe(c.id, []).status == 204)
        _ = try s.createRecord("posts", ["title": "four"])
        #expect(try c.sse.nextEvent(timeout: .milliseconds(300)) == nil)
    }

    @Test func reconnect_GetsNewClient_OldIDIsForgotten() throws {
        let s = try server(); defer { s.stop() }
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["posts/*"]).status == 204)
        c.sse.close()
        let again = try s.realtimeConnect()
        #expect(again.id != c.id)
        #expect(try s.realtimeSubscribe(again.id, ["posts/*"]).status == 204)
        _ = try s.createRecord("posts", ["title": "after reconnect"])
        #expect(try again.nextData().data["record"]?["title"] == "after reconnect")
        // The old client is gone once its connection closed (the loop noticed the EOF).
        var status = 0
        for _ in 0..<100 {
            status = try s.realtimeSubscribe(c.id, ["posts/*"]).status
            if status == 404 { break }
            _ = try again.sse.nextEvent(timeout: .milliseconds(20))
        }
        #expect(status == 404)
    }

    // MARK: - Rules

    @Test func rules_OwnerOtherGuestSuperuser() throws {
        let s = try server(); defer { s.stop() }
        let owner = try s.signUp("owner@example.com")
        let other = try s.signUp("other@example.com")
        let su = try s.superuserToken()
        let clients = try (0..<4).map { _ in try s.realtimeConnect() }
        let tokens: [String?] = [owner.token, other.token, nil, su]
        for (c, token) in zip(clients, tokens) {
            #expect(try s.realtimeSubscribe(c.id, ["notes/*", "posts/*"], token: token).status == 204)
        }
        let note = try s.createRecord("notes", ["text": "mine", "secret": "s3", "owner": .string(owner.id)])
        // A public post after the note: whoever may not see the note gets the post first.
        _ = try s.createRecord("posts", ["title": "sentinel"])
        let ownerEvent = try clients[0].nextData()
        #expect(ownerEvent.event == "notes/*" && ownerEvent.data["record"]?["id"] == .string(note))
        #expect(ownerEvent.data["record"]?["secret"] == nil, "hidden fields only for superusers")
        #expect(try clients[1].nextData().event == "posts/*", "other user: list rule hides the note")
        #expect(try clients[2].nextData().event == "posts/*", "guest: list rule hides the note")
        let suEvent = try clients[3].nextData()
        #expect(suEvent.event == "notes/*")
        #expect(suEvent.data["record"]?["secret"] == "s3")
        // Record topics use the view rule.
        let viewer = try s.realtimeConnect()
        let stranger = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(viewer.id, ["notes/\(note)", "posts/*"], token: owner.token).status == 204)
        #expect(try s.realtimeSubscribe(stranger.id, ["notes/\(note)", "posts/*"], token: other.token).status == 204)
        #expect(try s.request("PATCH", "/api/collections/notes/records/\(note)", json: ["text": "edited"], token: su).status == 200)
        _ = try s.createRecord("posts", ["title": "sentinel 2"])
        let viewed = try viewer.nextData()
        #expect(viewed.event == "notes/\(note)" && viewed.data["action"] == "update" && viewed.data["record"]?["text"] == "edited")
        #expect(try stranger.nextData().event == "posts/*")
    }

    @Test func lockedCollection_OnlySuperusersHear() throws {
        let s = try server(); defer { s.stop() }
        let user = try s.signUp("u@example.com")
        let guest = try s.realtimeConnect(), member = try s.realtimeConnect(), su = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(guest.id, ["secrets/*", "posts/*"]).status == 204)
        #expect(try s.realtimeSubscribe(member.id, ["secrets/*", "posts/*"], token: user.token).status == 204)
        #expect(try s.realtimeSubscribe(su.id, ["secrets/*", "posts/*"], token: try s.superuserToken()).status == 204)
        _ = try s.createRecord("secrets", ["value": "v"])
        _ = try s.createRecord("posts", ["title": "sentinel"])
        #expect(try guest.nextData().event == "posts/*")
        #expect(try member.nextData().event == "posts/*")
        #expect(try su.nextData().event == "secrets/*")
    }

    @Test func authRecordDeleted_ClientFallsBackToGuest() throws {
        let s = try server(); defer { s.stop() }
        let user = try s.signUp("gone@example.com")
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["members/*", "posts/*"], token: user.token).status == 204)
        _ = try s.createRecord("members", ["value": "a"])
        #expect(try c.nextData().event == "members/*")
        #expect(try s.request("DELETE", "/api/collections/users/records/\(user.id)", token: try s.superuserToken()).status == 204)
        _ = try s.createRecord("members", ["value": "b"])
        _ = try s.createRecord("posts", ["title": "sentinel"])
        #expect(try c.nextData().event == "posts/*", "the deleted user's binding no longer authorizes")
    }

    @Test func authTokenKeyRotated_ClientFallsBackToGuest() throws {
        let s = try server(); defer { s.stop() }
        let user = try s.signUp("rotate@example.com")
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["members/*", "posts/*"], token: user.token).status == 204)
        let su = try s.superuserToken()
        // A profile change that keeps the tokenKey keeps the binding.
        #expect(try s.request("PATCH", "/api/collections/users/records/\(user.id)", json: ["name": "N"], token: su).status == 200)
        _ = try s.createRecord("members", ["value": "still bound"])
        #expect(try c.nextData().event == "members/*")
        // A password change rotates the tokenKey: the old binding no longer authorizes.
        #expect(try s.request("PATCH", "/api/collections/users/records/\(user.id)",
                              json: ["password": "password-2", "passwordConfirm": "password-2"], token: su).status == 200)
        _ = try s.createRecord("members", ["value": "hidden"])
        _ = try s.createRecord("posts", ["title": "sentinel"])
        #expect(try c.nextData().event == "posts/*")
    }

    // MARK: - Auth binding and errors

    @Test func authBinding_MismatchIs403() throws {
        let s = try server(); defer { s.stop() }
        let a = try s.signUp("a@example.com")
        let b = try s.signUp("b@example.com")
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["posts/*"]).status == 204, "guest first")
        #expect(try s.realtimeSubscribe(c.id, ["posts/*"], token: a.token).status == 204, "guest → auth is an upgrade")
        #expect(try s.realtimeSubscribe(c.id, ["posts/*"], token: a.token).status == 204, "same auth again")
        for token in [b.token, nil, try s.superuserToken()] {
            let r = try s.realtimeSubscribe(c.id, ["posts/*"], token: token)
            #expect(r.status == 403)
            #expect(r.json == ["data": [:], "message": "The current and the previous request authorization don't match.", "status": 403])
        }
    }

    @Test func subscribeErrors_UseTheEnvelope() throws {
        let s = try server(); defer { s.stop() }
        let c = try s.realtimeConnect()
        let unknown = try s.realtimeSubscribe("nope", [])
        #expect(unknown.status == 404)
        #expect(unknown.json == ["data": [:], "message": "Missing or invalid client id.", "status": 404])
        let blank = try s.request("POST", "/api/realtime", json: [:])
        #expect(blank.status == 400 && blank.code("clientId") == "validation_required")
        let long = try s.realtimeSubscribe(String(repeating: "x", count: 256), [])
        #expect(long.code("clientId") == "validation_length_out_of_range")
        let many = try s.realtimeSubscribe(c.id, Array(repeating: "t", count: 1001))
        #expect(many.code("subscriptions") == "validation_length_too_long")
        let huge = try s.realtimeSubscribe(c.id, [String(repeating: "t", count: 2501)])
        #expect(huge.json["data"]?["subscriptions"]?["0"]?["code"] == "validation_length_too_long")
        #expect(try s.request("POST", "/api/realtime", json: ["clientId": .string(c.id), "subscriptions": "posts/*"]).status == 400)
        #expect(try s.request("POST", "/api/realtime", json: ["clientId": .string(c.id), "subscriptions": [5]]).status == 400)
        #expect(try s.request("POST", "/api/realtime", body: "{not json", contentType: "application/json").status == 400)
        #expect(try s.request("POST", "/api/realtime", json: ["clientId": .string(c.id)]).status == 204, "no subscriptions clears them")
    }

    // MARK: - Options

    @Test func options_FilterFieldsExpandAndHeaders() throws {
        let s = try server(); defer { s.stop() }
        let author = try s.signUp("author@example.com", fields: ["name": "Ann"])
        func topic(_ options: JSON) -> String {
            let text = String(decoding: options.serialized(), as: UTF8.self)
            var encoded = ""
            for b in text.utf8 {
                if isAlphanumeric(b) { encoded.append(Character(Unicode.Scalar(b))) } else { encoded += "%" + String(b, radix: 16, uppercase: true).leftPadded(2) }
            }
            return "posts/*?options=" + encoded
        }
        let filtered = topic(["query": ["filter": "title = 'keep'", "fields": "id,title,expand"]])
        let expanded = topic(["query": ["expand": "author"]])
        let requestFilter = topic(["query": ["filter": "@request.headers.x_token = 'abc'"], "headers": ["X-Token": "abc"]])
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, [filtered, expanded, requestFilter], token: author.token).status == 204)
        _ = try s.createRecord("posts", ["title": "drop", "author": .string(author.id)])
        let first = try c.nextData()
        #expect(first.event == expanded, "the filter hides 'drop'; a guest-level filter on @request is skipped")
        #expect(first.data["record"]?["expand"]?["author"]?["name"] == "Ann", "expand follows the author's view rule (the author itself)")
        _ = try s.createRecord("posts", ["title": "keep"])
        var seen: [String: JSON] = [:]
        for _ in 0..<2 { let e = try c.nextData(); seen[e.event] = e.data }
        #expect(Set(seen.keys) == [filtered, expanded])
        #expect(seen[filtered]?["record"]?.objectValue?.keys.sorted() == ["id", "title"], "fields picks keys of the record")
        // A superuser may filter on @request.* in options.
        let su = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(su.id, [requestFilter], token: try s.superuserToken()).status == 204)
        _ = try s.createRecord("posts", ["title": "x"])
        #expect(try su.nextData().event == requestFilter)
    }

    @Test func manyAuths_OneRuleQueryPerEvent() throws {
        let s = try RealtimeServer(schema: realtimeSchema, settings: RealtimeSettings())
        defer { s.stop() }
        let users = try (0..<5).map { try s.signUp("user\($0)@example.com") }
        var clients: [SSEClient] = []
        for user in users { clients.append(try s.subscribed(["notes/*", "posts/*", "members/*"], token: user.token).0) }
        let guest = try s.subscribed(["notes/*", "posts/*", "members/*"], token: nil).0
        let before = s.responder.realtime.ruleQueryCount
        // Superuser-free write path: notes' create rule is open.
        #expect(try s.post("/api/collections/notes/records", ["text": "for user 2", "owner": .string(users[2].id)]).status == 200)
        #expect(try s.post("/api/collections/posts/records", ["title": "sentinel"]).status == 200)
        for (i, client) in clients.enumerated() {
            let e = try #require(try client.nextEvent())
            #expect(e.event == (i == 2 ? "notes/*" : "posts/*"), "user \(i)")
            if i == 2 { #expect(try #require(try client.nextEvent()).event == "posts/*") }
        }
        #expect(try #require(try guest.nextEvent()).event == "posts/*")
        #expect(s.responder.realtime.ruleQueryCount - before == 1, "six auths, one owner rule: one set query (posts' rule is open: none)")
        // `@request.auth.id != ''` through the set query: every user, not the guest.
        #expect(try s.post("/api/collections/members/records", ["value": "m"]).status == 200)
        #expect(try s.post("/api/collections/posts/records", ["title": "sentinel 2"]).status == 200)
        for client in clients { #expect(try #require(try client.nextEvent()).event == "members/*") }
        #expect(try #require(try guest.nextEvent()).event == "posts/*")
        #expect(s.responder.realtime.ruleQueryCount - before == 2)
    }

    // MARK: - Write paths

    @Test func delete_AnnouncesCascadedDeletesAndClearedRelations() throws {
        let s = try server(); defer { s.stop() }
        let post = try s.createRecord("posts", ["title": "parent"])
        let comment = try s.createRecord("comments", ["text": "child", "post": .string(post)])
        let like = try s.createRecord("likes", ["post": .string(post)])
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["comments/*", "likes/*", "posts/*"]).status == 204)
        #expect(try s.request("DELETE", "/api/collections/posts/records/\(post)").status == 204)
        var seen: [String: JSON] = [:]
        for _ in 0..<3 { let e = try c.nextData(); seen[e.event] = e.data }
        #expect(seen["comments/*"]?["action"] == "delete" && seen["comments/*"]?["record"]?["id"] == .string(comment))
        #expect(seen["comments/*"]?["record"]?["text"] == "child", "the cascaded record as it was")
        #expect(seen["likes/*"]?["action"] == "update" && seen["likes/*"]?["record"]?["post"] == "")
        #expect(seen["posts/*"]?["action"] == "delete" && seen["posts/*"]?["record"]?["id"] == .string(post))
        _ = like
    }

    @Test func uploads_PublishCreateAndUpdateEvents() throws {
        let s = try TestServer(schema: filesSchema); defer { s.stop() }
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["docs/*"]).status == 204)
        var form = MultipartBuilder()
        form.field("title", "with file")
        form.file("one", name: "a.txt", Array("hello\n".utf8))
        let created = try s.request("POST", "/api/collections/docs/records", form: form)
        #expect(created.status == 200, "\(created.text)")
        let id = created.json["id"]?.stringValue ?? ""
        let first = try c.nextData()
        #expect(first.data["action"] == "create" && first.data["record"]?["id"] == .string(id))
        #expect(first.data["record"]?["one"] == created.json["one"], "the stored file name")
        var change = MultipartBuilder()
        change.file("one", name: "b.txt", Array("again\n".utf8))
        let updated = try s.request("PATCH", "/api/collections/docs/records/\(id)", form: change)
        #expect(updated.status == 200, "\(updated.text)")
        let second = try c.nextData()
        #expect(second.data["action"] == "update" && second.data["record"]?["one"] == updated.json["one"])
    }

    @Test func batch_PublishesAfterCommit_AndNothingOnRollback() throws {
        let s = try server(); defer { s.stop() }
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["posts/*"]).status == 204)
        let ok = try s.request("POST", "/api/batch", json: ["requests": [
            ["method": "POST", "url": "/api/collections/posts/records", "body": ["title": "b1"]],
            ["method": "POST", "url": "/api/collections/posts/records", "body": ["title": "b2"]],
        ]])
        #expect(ok.status == 200)
        #expect(try c.nextData().data["record"]?["title"] == "b1")
        #expect(try c.nextData().data["record"]?["title"] == "b2")
        let failed = try s.request("POST", "/api/batch", json: ["requests": [
            ["method": "POST", "url": "/api/collections/posts/records", "body": ["title": "rolled back"]],
            ["method": "POST", "url": "/api/collections/secrets/records", "body": ["value": "guest may not"]],
        ]])
        #expect(failed.status == 400)
        _ = try s.createRecord("posts", ["title": "after"])
        #expect(try c.nextData().data["record"]?["title"] == "after", "the rolled-back create was never announced")
    }

    @Test func stress_ClientsComeAndGoWhileWritesRun() throws {
        let s = try RealtimeServer(schema: realtimeSchema, settings: RealtimeSettings())
        defer { s.stop() }
        let port = s.port
        let writesDone = Atomic<Bool>(false)
        let writer = Thread {
            var i = 0
            while !writesDone.load(ordering: .relaxed) {
                _ = try? RawHTTPClient(port: port).request("POST", "/api/collections/posts/records", headers: [("Content-Type", "application/json")],
                                                         body: Array(#"{"title":"w\#(i)"}"#.utf8))
                i += 1
            }
        }
        writer.start()
        // Four threads each open, subscribe, read a little and drop clients (some mid-event).
        let subscribed = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for round in 0..<50 {
                guard let sse = try? SSEClient(port: port), let id = try? sse.nextEvent()?.id else { continue }
                if (try? s.post("/api/realtime", ["clientId": .string(id), "subscriptions": ["posts/*", "posts"]]))?.status == 204 {
                    subscribed.wrappingAdd(1, ordering: .relaxed)
                }
                if (worker + round) % 3 != 0 { _ = try? sse.nextEvent(timeout: .milliseconds(50)) }
                sse.close()
            }
        }
        writesDone.store(true, ordering: .relaxed)
        #expect(subscribed.load(ordering: .relaxed) == 200)
        while !writer.isFinished { _ = try? RawHTTPClient(port: port).request("GET", "/api/health") }
        // Every dropped client is forgotten once the loop sees its EOF; a fresh one still works.
        let sse = try SSEClient(port: port)
        let id = try #require(try sse.nextEvent()).id
        #expect(try s.post("/api/realtime", ["clientId": .string(id), "subscriptions": ["posts/*"]]).status == 204)
        #expect(try s.post("/api/collections/posts/records", ["title": "last"]).status == 200)
        #expect(try #require(try sse.nextEvent()).data.contains(#""title":"last""#))
        var count = s.responder.realtime.clientCount
        for _ in 0..<200 where count != 1 {
            _ = try sse.nextEvent(timeout: .milliseconds(20))
            count = s.responder.realtime.clientCount
        }
        #expect(count == 1)
    }

    // MARK: - Timeouts and slow clients

    @Test func idleTimeout_ClosesQuietStream_AndForgetsClient() throws {
        let s = try RealtimeServer(schema: realtimeSchema, settings: RealtimeSettings(idleTimeout: .milliseconds(400)))
        defer { s.stop() }
        let sse = try SSEClient(port: s.port)
        let first = try #require(try sse.nextEvent())
        #expect(s.responder.realtime.clientCount == 1)
        #expect(try s.post("/api/realtime", ["clientId": .string(first.id), "subscriptions": ["posts/*"]]).status == 204)
        // Events restart the idle clock.
        for i in 0..<3 {
            #expect(try s.post("/api/collections/posts/records", ["title": .string("t\(i)")]).status == 200)
            #expect(try sse.nextEvent(timeout: .seconds(5))?.event == "posts/*")
        }
        #expect(try sse.isEnded(within: .seconds(5)))
        // The loop forgets the client before it closes the socket.
        #expect(try sse.isClosedByPeer(within: .seconds(5)))
        #expect(s.responder.realtime.clientCount == 0)
    }

    @Test func lifetime_ClosesEvenABusyStream() throws {
        let s = try RealtimeServer(schema: realtimeSchema, settings: RealtimeSettings(lifetime: .milliseconds(500)))
        defer { s.stop() }
        let sse = try SSEClient(port: s.port)
        let first = try #require(try sse.nextEvent())
        #expect(try s.post("/api/realtime", ["clientId": .string(first.id), "subscriptions": ["posts/*"]]).status == 204)
        var ended = false
        for i in 0..<100 {
            _ = try s.post("/api/collections/posts/records", ["title": .string("t\(i)")])
            if try sse.isEnded(within: .milliseconds(20)) { ended = true; break }
        }
        #expect(ended)
    }

    @Test func slowClient_IsDisconnected_OthersStillServed() throws {
        let s = try RealtimeServer(schema: realtimeSchema, settings: RealtimeSettings(maxQueuedBytes: 256 << 10))
        defer { s.stop() }
        // Never reads, with a tiny receive window.
        let slow = try SSEClient(port: s.port, receiveBuffer: 4096)
        let fast = try SSEClient(port: s.port)
        let slowID = try #require(try slow.nextEvent()).id
        let fastID = try #require(try fast.nextEvent()).id
        for id in [slowID, fastID] {
            #expect(try s.post("/api/realtime", ["clientId": .string(id), "subscriptions": ["posts/*"]]).status == 204)
        }
        // ~6 MB in 20 KB events: more than the kernel buffers plus the 256 KiB queue can hold for
        // the reader that never reads; the other reader takes each event before the next write.
        let big = String(repeating: "x", count: 20_000)
        for i in 0..<300 {
            #expect(try s.post("/api/collections/posts/records", ["body": .string(big)]).status == 200)
            let e = try #require(try fast.nextEvent(timeout: .seconds(20)), "event \(i)")
            #expect(e.event == "posts/*")
        }
        var count = s.responder.realtime.clientCount
        for _ in 0..<200 where count != 1 {
            _ = try fast.nextEvent(timeout: .milliseconds(20))
            count = s.responder.realtime.clientCount
        }
        #expect(count == 1, "the slow client was dropped, the fast one kept")
        #expect(try s.post("/api/realtime", ["clientId": .string(slowID), "subscriptions": []]).status == 404)
    }
}

private func isAlphanumeric(_ b: UInt8) -> Bool {
    (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b)
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
