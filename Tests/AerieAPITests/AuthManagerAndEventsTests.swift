// Aerie — manageRule on create and in expand, auth-form type errors, realtime events of auth flows
// SPDX-License-Identifier: MIT
import AerieCore
import AerieCrypto
import AerieJSON
import AerieSQLite
import AerieTesting
import Testing

/// `users` managed by admins (public list/view, so guests hear its events), `posts` pointing at
/// users (for expand) and `members`, visible to any signed-in record (to see a binding end).
let managerSchema = #"""
{
  "collections": [
    { "name": "users", "type": "auth",
      "fields": [ { "name": "name", "type": "text" }, { "name": "role", "type": "text" } ],
      "otp": { "enabled": true, "duration": 300, "length": 6 },
      "manageRule": "@request.auth.role = 'admin' && email != 'protected@example.com'",
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "id = @request.auth.id || @request.auth.role = 'admin'" },
    { "name": "posts",
      "fields": [ { "name": "title", "type": "text" },
                  { "name": "author", "type": "relation", "collection": "users", "maxSelect": 1 } ],
      "listRule": "", "viewRule": "", "createRule": "" },
    { "name": "members", "fields": [ { "name": "value", "type": "text" } ],
      "listRule": "@request.auth.id != ''", "viewRule": "@request.auth.id != ''", "createRule": "" }
  ]
}
"""#

@Suite struct AuthManagerAndEventsTests {
    func server() throws -> TestServer { try TestServer(schema: managerSchema) }

    /// An admin (a manager of other users) signed in.
    func admin(_ s: TestServer) throws -> SignedIn {
        let admin = try s.signUp("admin@example.com")
        #expect(try s.request("PATCH", "/api/collections/users/records/\(admin.id)", json: ["role": "admin"],
                              token: try s.superuserToken()).status == 200)
        return admin
    }

    // MARK: - manageRule on create

    @Test func create_ManagerMaySetVerified_OthersMayNot() throws {
        let s = try server(); defer { s.stop() }
        let admin = try admin(s)
        let plain = try s.signUp("plain@example.com")
        func create(_ email: String, token: String?) throws -> TestResponse {
            try s.request("POST", "/api/collections/users/records", json: [
                "email": .string(email), "password": "password-1", "passwordConfirm": "password-1", "verified": true,
            ], token: token)
        }
        for (email, token) in [("g@example.com", nil), ("p@example.com", plain.token)] as [(String, String?)] {
            let r = try create(email, token: token)
            #expect(r.status == 400, "\(r.text)")
            #expect(r.code("verified") == "validation_values_mismatch")
        }
        let managed = try create("m@example.com", token: admin.token)
        #expect(managed.status == 200, "\(managed.text)")
        #expect(managed.json["verified"]?.boolValue == true)
        #expect(managed.json["email"]?.stringValue == "m@example.com", "a manager sees the email it created")
        // manageRule runs against the would-be record: this one fails it, so verified is refused.
        let refused = try create("protected@example.com", token: admin.token)
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.code("verified") == "validation_values_mismatch")
        // Without verified the same record is a normal create; its email stays hidden from the admin.
        let normal = try s.request("POST", "/api/collections/users/records", json: [
            "email": "protected@example.com", "password": "password-1", "passwordConfirm": "password-1",
        ], token: admin.token)
        #expect(normal.status == 200, "\(normal.text)")
        #expect(normal.json["email"] == nil)
        // Managers still need passwordConfirm on create, as in PocketBase.
        let noConfirm = try s.request("POST", "/api/collections/users/records", json: ["email": "n@example.com", "password": "password-1"],
                                      token: admin.token)
        #expect(noConfirm.code("passwordConfirm") == "validation_required")
    }

    // MARK: - Managers see emails in expand and in their update responses

    @Test func managers_SeeEmailInExpandAndUpdateResponse() throws {
        let s = try server(); defer { s.stop() }
        let admin = try admin(s)
        let bob = try s.signUp("bob@example.com")
        let carol = try s.signUp("carol@example.com")
        let post = try s.request("POST", "/api/collections/posts/records", json: ["title": "t", "author": .string(bob.id)])
        let postID = try #require(post.json["id"]?.stringValue)
        func authorEmail(_ token: String?) throws -> JSON? {
            try s.request("GET", "/api/collections/posts/records/\(postID)?expand=author", token: token).json["expand"]?["author"]?["email"]
        }
        #expect(try authorEmail(admin.token)?.stringValue == "bob@example.com")
        #expect(try authorEmail(carol.token) == nil)
        #expect(try authorEmail(nil) == nil)
        let listed = try s.request("GET", "/api/collections/posts/records?expand=author", token: admin.token)
        #expect(listed.json["items"]?[0]?["expand"]?["author"]?["email"]?.stringValue == "bob@example.com")

        let updated = try s.request("PATCH", "/api/collections/users/records/\(bob.id)", json: ["name": "Bob"], token: admin.token)
        #expect(updated.status == 200, "\(updated.text)")
        #expect(updated.json["email"]?.stringValue == "bob@example.com")
        let own = try s.request("PATCH", "/api/collections/users/records/\(carol.id)", json: ["name": "C"], token: carol.token)
        #expect(own.json["email"]?.stringValue == "carol@example.com", "owners keep seeing their own email")
    }

    // MARK: - Wrong JSON types in auth forms

    @Test func authForms_WrongJSONType_Is400LoadingError() throws {
        let s = try server(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com")
        let loading: JSON = ["data": [:], "message": "An error occurred while loading the submitted data.", "status": 400]
        let cases: [(String, JSON)] = [
            ("request-password-reset", ["email": 5]), ("request-verification", ["email": true]), ("request-otp", ["email": ["a"]]),
            ("auth-with-otp", ["otpId": 5]), ("confirm-verification", ["token": 5]), ("confirm-password-reset", ["password": 5]),
            ("confirm-email-change", ["token": true]), ("auth-with-password", ["identity": 5]), ("auth-with-password", ["password": 5]),
        ]
        for (action, body) in cases {
            let r = try s.post("users", action, body)
            #expect(r.status == 400 && r.json == loading, "\(action) \(body.serialized()): \(r.text)")
        }
        let change = try s.post("users", "request-email-change", ["newEmail": 5], token: bob.token)
        #expect(change.json == loading, "\(change.text)")
        // null is just a missing value.
        #expect(try s.post("users", "request-password-reset", ["email": .null]).code("email") == "validation_required")
    }

    // MARK: - Realtime events of the auth flows

    @Test func confirmVerification_PublishesUpdate() throws {
        let s = try server(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com")
        let c = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(c.id, ["users/*"]).status == 204)
        #expect(try s.post("users", "request-verification", ["email": "bob@example.com"]).status == 204)
        let token = try #require(try s.outbox().last?.token)
        #expect(try s.post("users", "confirm-verification", ["token": .string(token)]).status == 204)
        let event = try c.nextData()
        #expect(event.event == "users/*")
        #expect(event.data["action"]?.stringValue == "update")
        #expect(event.data["record"]?["id"]?.stringValue == bob.id)
        #expect(event.data["record"]?["verified"]?.boolValue == true)
        #expect(event.data["record"]?["email"] == nil, "rule-checked and serialized like any update: no email for a guest")
        #expect(event.data["record"]?["tokenKey"] == nil && event.data["record"]?["password"] == nil)
    }

    @Test func confirmPasswordReset_PublishesUpdate_AndUnbindsTheUsersClients() throws {
        let s = try server(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com")
        let watcher = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(watcher.id, ["users/\(bob.id)"]).status == 204)
        let bound = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(bound.id, ["members/*", "posts/*"], token: bob.token).status == 204)
        _ = try s.createRecord("members", ["value": "seen"])
        #expect(try bound.nextData().event == "members/*")

        #expect(try s.post("users", "request-password-reset", ["email": "bob@example.com"]).status == 204)
        let token = try #require(try s.outbox().last?.token)
        let reset = try s.post("users", "confirm-password-reset", ["token": .string(token), "password": "password-2", "passwordConfirm": "password-2"])
        #expect(reset.status == 204, "\(reset.text)")
        let event = try watcher.nextData()
        #expect(event.event == "users/\(bob.id)")
        #expect(event.data["action"]?.stringValue == "update")
        // The tokenKey rotated: bob's old binding no longer authorizes members events.
        _ = try s.createRecord("members", ["value": "hidden"])
        _ = try s.createRecord("posts", ["title": "sentinel"])
        #expect(try bound.nextData().event == "posts/*")
    }

    @Test func confirmEmailChange_PublishesUpdate_AndUnbinds() throws {
        let s = try server(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com")
        let watcher = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(watcher.id, ["users/*"], token: try s.superuserToken()).status == 204)
        let bound = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(bound.id, ["members/*", "posts/*"], token: bob.token).status == 204)
        #expect(try s.post("users", "request-email-change", ["newEmail": "bob2@example.com"], token: bob.token).status == 204)
        let token = try #require(try s.outbox().last?.token)
        let r = try s.post("users", "confirm-email-change", ["token": .string(token), "password": "password-1"])
        #expect(r.status == 204, "\(r.text)")
        let event = try watcher.nextData()
        #expect(event.data["action"]?.stringValue == "update")
        #expect(event.data["record"]?["email"]?.stringValue == "bob2@example.com")
        _ = try s.createRecord("members", ["value": "hidden"])
        _ = try s.createRecord("posts", ["title": "sentinel"])
        #expect(try bound.nextData().event == "posts/*")
    }

    @Test func passwordRehashOnLogin_PublishesUpdate_ButKeepsTheBinding() throws {
        let s = try server(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com")
        let weak = PasswordHash.make(password: "password-1", parameters: ScryptParameters(logN: 4, r: 1, p: 1))
        try s.app.pool.write { db in try db.run(#"UPDATE "users" SET "password" = ? WHERE "id" = ?"#, [.text(weak), .text(bob.id)]) }
        let watcher = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(watcher.id, ["users/*"]).status == 204)
        let bound = try s.realtimeConnect()
        #expect(try s.realtimeSubscribe(bound.id, ["members/*"], token: bob.token).status == 204)
        #expect(try s.login("bob@example.com", "password-1") != nil)
        let event = try watcher.nextData()
        #expect(event.data["action"]?.stringValue == "update")
        #expect(event.data["record"]?["id"]?.stringValue == bob.id)
        // The rehash keeps the tokenKey, so the binding still authorizes.
        _ = try s.createRecord("members", ["value": "still bound"])
        #expect(try bound.nextData().event == "members/*")
    }
}
