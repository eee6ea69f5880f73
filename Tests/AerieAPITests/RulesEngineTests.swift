// Aerie — black-box tests of expression rules and client filters (spec §5, §7)
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Testing

/// The worked example of spec §7: posts visible when published or owned; create needs a
/// signed-in author; update/delete only by the author; comments locked for updates.
let rulesSchema = #"""
{
  "collections": [
    { "name": "users", "type": "auth", "fields": [ { "name": "name", "type": "text" } ],
      "listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id", "createRule": "",
      "updateRule": "id = @request.auth.id", "deleteRule": null },
    { "name": "posts",
      "fields": [
        { "name": "title", "type": "text", "required": true },
        { "name": "published", "type": "bool" },
        { "name": "views", "type": "number" },
        { "name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3 },
        { "name": "author", "type": "relation", "collection": "users" }
      ],
      "listRule": "published = true || author = @request.auth.id",
      "viewRule": "published = true || author = @request.auth.id",
      "createRule": "@request.auth.id != '' && author = @request.auth.id",
      "updateRule": "author = @request.auth.id",
      "deleteRule": "author = @request.auth.id" },
    { "name": "named", "fields": [ { "name": "text", "type": "text" } ],
      "listRule": "@request.auth.name = 'Alice'", "viewRule": null, "createRule": null, "updateRule": null, "deleteRule": null },
    { "name": "comments",
      "fields": [ { "name": "post", "type": "relation", "collection": "posts" }, { "name": "text", "type": "text" } ],
      "listRule": "post.published = true", "viewRule": "", "createRule": "", "updateRule": null, "deleteRule": null }
  ]
}
"""#

@Suite struct RulesEngineTests {
    struct World {
        let s: TestServer
        let alice: (id: String, token: String)
        let bob: (id: String, token: String)
        let published: String
        let draft: String
    }

    func signUp(_ s: TestServer, _ email: String) throws -> (id: String, token: String) {
        let signedIn = try s.signUp(email, password: "password-123")
        return (signedIn.id, signedIn.token)
    }

    func world() throws -> World {
        let s = try TestServer(schema: rulesSchema)
        let alice = try signUp(s, "alice@example.com"), bob = try signUp(s, "bob@example.com")
        let published = try s.request("POST", "/api/collections/posts/records",
                                      json: ["title": "public", "published": true, "author": .string(alice.id), "tags": ["a", "b"], "views": 5],
                                      token: alice.token)
        let draft = try s.request("POST", "/api/collections/posts/records",
                                  json: ["title": "draft", "author": .string(alice.id), "tags": ["c"], "views": 50], token: alice.token)
        precondition(published.status == 200 && draft.status == 200, published.text + draft.text)
        return World(s: s, alice: alice, bob: bob, published: published.json["id"]?.stringValue ?? "", draft: draft.json["id"]?.stringValue ?? "")
    }

    @Test func list_FiltersRowsByRule() throws {
        let w = try world(); defer { w.s.stop() }
        let guest = try w.s.request("GET", "/api/collections/posts/records")
        #expect(guest.json["totalItems"] == 1)
        #expect(guest.json["items"]?[0]?["title"] == "public")
        let alice = try w.s.request("GET", "/api/collections/posts/records", token: w.alice.token)
        #expect(alice.json["totalItems"] == 2)
        let bob = try w.s.request("GET", "/api/collections/posts/records", token: w.bob.token)
        #expect(bob.json["totalItems"] == 1)
        let superuser = try w.s.request("GET", "/api/collections/posts/records", token: try w.s.superuserToken())
        #expect(superuser.json["totalItems"] == 2)
    }

    @Test func view_HiddenRecordIs404() throws {
        let w = try world(); defer { w.s.stop() }
        #expect(try w.s.request("GET", "/api/collections/posts/records/\(w.draft)").status == 404)
        #expect(try w.s.request("GET", "/api/collections/posts/records/\(w.draft)", token: w.bob.token).status == 404)
        #expect(try w.s.request("GET", "/api/collections/posts/records/\(w.draft)", token: w.alice.token).status == 200)
        #expect(try w.s.request("GET", "/api/collections/posts/records/\(w.published)").status == 200)
    }

    @Test func create_RuleFailureIs400() throws {
        let w = try world(); defer { w.s.stop() }
        let guest = try w.s.request("POST", "/api/collections/posts/records", json: ["title": "x", "author": .string(w.alice.id)])
        #expect(guest.status == 400)
        #expect(guest.json == ["data": [:], "message": "Failed to create record.", "status": 400])
        let impostor = try w.s.request("POST", "/api/collections/posts/records", json: ["title": "x", "author": .string(w.bob.id)], token: w.alice.token)
        #expect(impostor.status == 400)
        let own = try w.s.request("POST", "/api/collections/posts/records", json: ["title": "x", "author": .string(w.bob.id)], token: w.bob.token)
        #expect(own.status == 200)
    }

    @Test func updateAndDelete_ByOthersAre404() throws {
        let w = try world(); defer { w.s.stop() }
        #expect(try w.s.request("PATCH", "/api/collections/posts/records/\(w.published)", json: ["title": "hack"], token: w.bob.token).status == 404)
        #expect(try w.s.request("DELETE", "/api/collections/posts/records/\(w.published)", token: w.bob.token).status == 404)
        #expect(try w.s.request("PATCH", "/api/collections/posts/records/\(w.published)", json: ["title": "mine"], token: w.alice.token).status == 200)
        #expect(try w.s.request("DELETE", "/api/collections/posts/records/\(w.published)", token: w.alice.token).status == 204)
    }

    @Test func nullRule_Is403EvenWithExpressionsElsewhere() throws {
        let w = try world(); defer { w.s.stop() }
        let c = try w.s.request("POST", "/api/collections/comments/records", json: ["post": .string(w.published), "text": "hi"])
        #expect(c.status == 200)
        let id = c.json["id"]?.stringValue ?? ""
        #expect(try w.s.request("PATCH", "/api/collections/comments/records/\(id)", json: ["text": "x"], token: w.alice.token).status == 403)
    }

    @Test func ruleThroughRelation_JoinsTheTarget() throws {
        let w = try world(); defer { w.s.stop() }
        _ = try w.s.request("POST", "/api/collections/comments/records", json: ["post": .string(w.published), "text": "on public"])
        _ = try w.s.request("POST", "/api/collections/comments/records", json: ["post": .string(w.draft), "text": "on draft"])
        let r = try w.s.request("GET", "/api/collections/comments/records")
        #expect(r.json["totalItems"] == 1)
        #expect(r.json["items"]?[0]?["text"] == "on public")
    }

    @Test func hiddenEmails_CannotBeProbedByFilters() throws {
        let w = try world(); defer { w.s.stop() }
        // users.listRule lets each user list only themselves; make a public directory to probe.
        let probe = try w.s.request("GET", "/api/collections/users/records?filter=" + percentEncode("email = 'alice@example.com'"), token: w.bob.token)
        #expect(probe.json["totalItems"] == 0)
        let own = try w.s.request("GET", "/api/collections/users/records?filter=" + percentEncode("email = 'bob@example.com'"), token: w.bob.token)
        #expect(own.json["totalItems"] == 1, "your own email is visible to you")
    }

    @Test func authRecordFields_AreReadForRules() throws {
        let w = try world(); defer { w.s.stop() }
        #expect(try w.s.request("POST", "/api/collections/named/records", json: ["text": "t"], token: try w.s.superuserToken()).status == 200)
        #expect(try w.s.request("GET", "/api/collections/named/records", token: w.alice.token).json["totalItems"] == 0)
        #expect(try w.s.request("PATCH", "/api/collections/users/records/\(w.alice.id)", json: ["name": "Alice"], token: w.alice.token).status == 200)
        #expect(try w.s.request("GET", "/api/collections/named/records", token: w.alice.token).json["totalItems"] == 1)
        #expect(try w.s.request("GET", "/api/collections/named/records", token: w.bob.token).json["totalItems"] == 0)
        #expect(try w.s.request("GET", "/api/collections/named/records").json["totalItems"] == 0)
    }

    @Test func authCollection_OwnerOnlyRules() throws {
        let w = try world(); defer { w.s.stop() }
        let list = try w.s.request("GET", "/api/collections/users/records", token: w.alice.token)
        #expect(list.json["totalItems"] == 1)
        #expect(try w.s.request("GET", "/api/collections/users/records/\(w.bob.id)", token: w.alice.token).status == 404)
        #expect(try w.s.request("GET", "/api/collections/users/records/\(w.alice.id)", token: w.alice.token).status == 200)
    }

    @Test(arguments: [
        ("title = 'public'", 1), ("views > 10", 1), ("views >= 5 && views <= 50", 2), ("title ~ 'raf'", 1),
        ("title !~ 'raf'", 1), ("tags:each ?= 'c'", 1), ("tags:each ?= 'a' || tags:each ?= 'c'", 2), ("tags ?= 'c'", 0), ("tags = '[\"c\"]'", 1), ("published = false", 1),
        ("author = '\u{0}'", 0), ("(title = 'public' || title = 'draft') && views < 10", 1), ("tags:length = 2", 1),
        ("title:lower = 'PUBLIC'", 0), ("created > '2000-01-01'", 2), ("created < @now", 2),
    ])
    func filter_AsSuperuser(_ filter: String, _ expected: Int) throws {
        let w = try world(); defer { w.s.stop() }
        let r = try w.s.request("GET", "/api/collections/posts/records?filter=" + percentEncode(filter), token: try w.s.superuserToken())
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["totalItems"] == .int(Int64(expected)), "\(filter)")
    }

    @Test func filter_CombinesWithListRule() throws {
        let w = try world(); defer { w.s.stop() }
        // The draft matches the filter but the list rule hides it from guests.
        let r = try w.s.request("GET", "/api/collections/posts/records?filter=" + percentEncode("views > 1"))
        #expect(r.json["totalItems"] == 1)
    }

    @Test(arguments: [
        ("titel = 'x'", 400, "did you mean \\\"title\\\""), ("title = ", 400, "Invalid filter"), ("@request.auth.id = ''", 403, "@request"),
        ("@collection.users.id != ''", 403, "@collection"), ("(((", 400, "Invalid filter")
    ])
    func filter_Errors(_ filter: String, _ status: Int, _ fragment: String) throws {
        let w = try world(); defer { w.s.stop() }
        let r = try w.s.request("GET", "/api/collections/posts/records?filter=" + percentEncode(filter))
        #expect(r.status == status, "\(r.text)")
        #expect(r.text.contains(fragment), "\(r.text)")
        #expect(!r.text.contains("SELECT"), "no SQL in errors")
    }

    @Test func sort_ByRelationPathAndErrors() throws {
        let w = try world(); defer { w.s.stop() }
        let token = try w.s.superuserToken()
        #expect(try w.s.request("GET", "/api/collections/posts/records?sort=-author.email,title", token: token).status == 200)
        #expect(try w.s.request("GET", "/api/collections/posts/records?sort=nope").status == 400)
        #expect(try w.s.request("GET", "/api/collections/posts/records?sort=tags").status == 200, "multi fields sort by their JSON text")
        let byFirstTag = try w.s.request("GET", "/api/collections/posts/records?sort=-tags:each,title", token: token)
        #expect(byFirstTag.status == 200, "a multi-valued path sorts by each record's first item")
    }

    @Test func filter_RelationPathAppliesRelatedListRule() throws {
        // users may list only themselves, so a filter path through `author` sees only the requester's
        // own user row (PocketBase ANDs the related list rule into the query).
        let w = try world(); defer { w.s.stop() }
        let filter = "filter=" + percentEncode("author.email ~ 'alice'")
        #expect(try w.s.request("GET", "/api/collections/posts/records?" + filter, token: w.alice.token).json["totalItems"] == 2)
        #expect(try w.s.request("GET", "/api/collections/posts/records?" + filter, token: w.bob.token).json["totalItems"] == 0)
        #expect(try w.s.request("GET", "/api/collections/posts/records?" + filter).json["totalItems"] == 0)
        // The rule guards the joined row only: a post without an author would still pass.
        let guest = try w.s.request("GET", "/api/collections/posts/records?filter=" + percentEncode("title != '' || author.email ~ 'x'"))
        #expect(guest.json["totalItems"] == 0, "alice's published post has an author the guest may not list")
    }
}

func percentEncode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        if (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 46 || b == 95 {
            out.append(Character(UnicodeScalar(b)))
        } else {
            out += "%" + String(b, radix: 16, uppercase: true).leftPad()
        }
    }
    return out
}

extension String {
    fileprivate func leftPad() -> String { count == 1 ? "0" + self : self }
}
