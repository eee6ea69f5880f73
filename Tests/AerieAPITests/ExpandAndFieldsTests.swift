// Aerie — black-box tests of the expand and fields query parameters (spec §4)
// SPDX-License-Identifier: MIT
@testable import AerieAPI
import AerieJSON
import AerieTesting
import Testing

/// Relations of every shape: single, multiple, back-relations (one with a UNIQUE index), a
/// locked target, an expression view rule, a hidden relation and a self-relation chain.
let expandSchema = #"""
{
  "collections": [
    { "name": "users", "type": "auth", "fields": [ { "name": "name", "type": "text" } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "tags", "fields": [ { "name": "label", "type": "text" } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "secrets", "fields": [ { "name": "value", "type": "text" } ] },
    { "name": "drafts", "fields": [ { "name": "title", "type": "text" }, { "name": "published", "type": "bool" } ],
      "listRule": "published = true", "viewRule": "published = true" },
    { "name": "posts",
      "fields": [
        { "name": "title", "type": "text" },
        { "name": "body", "type": "editor" },
        { "name": "author", "type": "relation", "collection": "users" },
        { "name": "tags", "type": "relation", "collection": "tags", "maxSelect": 5 },
        { "name": "secret", "type": "relation", "collection": "secrets" },
        { "name": "drafts", "type": "relation", "collection": "drafts", "maxSelect": 5 },
        { "name": "hiddenTag", "type": "relation", "collection": "tags", "hidden": true }
      ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "comments",
      "fields": [ { "name": "text", "type": "text" },
                  { "name": "post", "type": "relation", "collection": "posts" },
                  { "name": "user", "type": "relation", "collection": "users" } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "profiles",
      "fields": [ { "name": "bio", "type": "text" }, { "name": "user", "type": "relation", "collection": "users" } ],
      "indexes": [ "CREATE UNIQUE INDEX idx_profiles_user ON profiles (user)" ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "nodes",
      "fields": [ { "name": "name", "type": "text" }, { "name": "next", "type": "relation", "collection": "nodes" } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" }
  ]
}
"""#

@Suite struct ExpandAndFieldsTests {
    /// Seeded records; everything is created by a superuser so locked collections can be filled.
    struct World {
        let s: TestServer
        let admin: String
        let alice: (id: String, token: String)
        let tags: [String]
        let drafts: (published1: String, hidden: String, published2: String)
        let secret: String
        let post: String
        let bare: String
        let comments: [String]
        let profile: String
    }

    func make(_ s: TestServer, _ collection: String, _ body: JSONObject, token: String? = nil) throws -> String {
        let r = try s.request("POST", "/api/collections/\(collection)/records", json: .object(body), token: token)
        precondition(r.status == 200, r.text)
        return r.json["id"]?.stringValue ?? ""
    }

    func world() throws -> World {
        let s = try TestServer(schema: expandSchema)
        let admin = try s.superuserToken()
        let alice = try make(s, "users", ["email": "alice@example.com", "password": "password-123", "passwordConfirm": "password-123", "name": "Alice"])
        let login = try s.request("POST", "/api/collections/users/auth-with-password", json: ["identity": "alice@example.com", "password": "password-123"])
        let tags = try ["a", "b", "c"].map { try make(s, "tags", ["label": .string($0)]) }
        let d1 = try make(s, "drafts", ["title": "one", "published": true], token: admin)
        let d2 = try make(s, "drafts", ["title": "two", "published": false], token: admin)
        let d3 = try make(s, "drafts", ["title": "three", "published": true], token: admin)
        let secret = try make(s, "secrets", ["value": "s3cr3t"], token: admin)
        let post = try make(s, "posts", [
            "title": "hello", "body": "<p>Hello <b>world</b>, this is a   long body</p><p>Second</p>",
            "author": .string(alice), "tags": [.string(tags[2]), .string(tags[0])], "secret": .string(secret),
            "drafts": [.string(d3), .string(d2), .string(d1)], "hiddenTag": .string(tags[1]),
        ], token: admin)
        let bare = try make(s, "posts", ["title": "bare"])
        let c1 = try make(s, "comments", ["text": "first", "post": .string(post), "user": .string(alice)])
        let c2 = try make(s, "comments", ["text": "second", "post": .string(post)])
        let profile = try make(s, "profiles", ["bio": "hi", "user": .string(alice)])
        return World(s: s, admin: admin, alice: (alice, login.json["token"]?.stringValue ?? ""), tags: tags,
                     drafts: (d3, d2, d1), secret: secret, post: post, bare: bare, comments: [c1, c2], profile: profile)
    }

    func get(_ w: World, _ path: String, token: String? = nil) throws -> TestResponse {
        let r = try w.s.request("GET", path, token: token)
        #expect(r.status == 200, "\(path): \(r.text)")
        return r
    }

    // MARK: - expand

    @Test func singleRelation_BecomesAnObject_WithEmailHiddenFromGuests() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/posts/records/\(w.post)?expand=author")
        let author = r.json["expand"]?["author"]
        #expect(author?["id"]?.stringValue == w.alice.id)
        #expect(author?["name"] == "Alice")
        #expect(author?["collectionName"] == "users")
        #expect(author?["email"] == nil, "emailVisibility is false")
        #expect(author?["password"] == nil && author?["tokenKey"] == nil)
        #expect(author?["expand"] == nil, "no nested path was asked for")
    }

    @Test func expandedRequester_SeesTheirOwnEmail() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/comments/records/\(w.comments[0])?expand=user", token: w.alice.token)
        #expect(r.json["expand"]?["user"]?["email"] == "alice@example.com")
    }

    @Test func multipleRelation_IsAnArrayInFieldOrder() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/posts/records/\(w.post)?expand=tags")
        let labels = r.json["expand"]?["tags"]?.arrayValue?.compactMap { $0["label"]?.stringValue }
        #expect(labels == ["c", "a"])
    }

    @Test func expressionViewRule_SkipsHiddenTargets_AndKeepsOrder() throws {
        let w = try world(); defer { w.s.stop() }
        let guest = try get(w, "/api/collections/posts/records/\(w.post)?expand=drafts")
        #expect(guest.json["expand"]?["drafts"]?.arrayValue?.compactMap { $0["title"]?.stringValue } == ["three", "one"])
        let admin = try get(w, "/api/collections/posts/records/\(w.post)?expand=drafts", token: w.admin)
        #expect(admin.json["expand"]?["drafts"]?.arrayValue?.compactMap { $0["title"]?.stringValue } == ["three", "two", "one"])
    }

    @Test func lockedTarget_IsDroppedForGuests_ButNotForSuperusers() throws {
        let w = try world(); defer { w.s.stop() }
        let guest = try get(w, "/api/collections/posts/records/\(w.post)?expand=secret")
        #expect(guest.json["expand"] == nil, "a path that fails as a whole contributes nothing")
        let mixed = try get(w, "/api/collections/posts/records/\(w.post)?expand=secret,author")
        #expect(mixed.json["expand"]?["secret"] == nil)
        #expect(mixed.json["expand"]?["author"] != nil)
        let admin = try get(w, "/api/collections/posts/records/\(w.post)?expand=secret", token: w.admin)
        #expect(admin.json["expand"]?["secret"]?["value"] == "s3cr3t")
    }

    @Test func hiddenRelationField_ExpandsOnlyForSuperusers() throws {
        let w = try world(); defer { w.s.stop() }
        #expect(try get(w, "/api/collections/posts/records/\(w.post)?expand=hiddenTag").json["expand"] == nil)
        let admin = try get(w, "/api/collections/posts/records/\(w.post)?expand=hiddenTag", token: w.admin)
        #expect(admin.json["expand"]?["hiddenTag"]?["label"] == "b")
    }

    @Test func backRelation_IsAnArray_OrASingleObjectWithAUniqueIndex() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/posts/records/\(w.post)?expand=comments_via_post")
        #expect(r.json["expand"]?["comments_via_post"]?.arrayValue?.compactMap { $0["text"]?.stringValue } == ["first", "second"])
        let legacy = try get(w, "/api/collections/posts/records/\(w.post)?expand=comments(post)")
        #expect(legacy.json["expand"]?["comments(post)"]?.arrayValue?.count == 2, "the deprecated form still works")
        let u = try get(w, "/api/collections/users/records/\(w.alice.id)?expand=profiles_via_user,comments_via_user")
        #expect(u.json["expand"]?["profiles_via_user"]?["bio"] == "hi")
        #expect(u.json["expand"]?["comments_via_user"]?.arrayValue?.count == 1)
    }

    @Test func nestedExpand_SitsInsideTheExpandedRecord() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/comments/records/\(w.comments[0])?expand=post.author,post.tags")
        let post = r.json["expand"]?["post"]
        #expect(post?["title"] == "hello")
        #expect(post?["expand"]?["author"]?["name"] == "Alice")
        #expect(post?["expand"]?["tags"]?.arrayValue?.count == 2)
        // Through a back-relation and back again.
        let u = try get(w, "/api/collections/users/records/\(w.alice.id)?expand=comments_via_user.post.author")
        let first = u.json["expand"]?["comments_via_user"]?[0]
        #expect(first?["expand"]?["post"]?["expand"]?["author"]?["id"]?.stringValue == w.alice.id)
    }

    @Test func nestedPathThroughALockedTarget_KeepsTheRelationWithAnEmptyExpand() throws {
        let w = try world(); defer { w.s.stop() }
        // post.secret fails as a whole; post.author succeeds, so post is expanded with only author.
        let r = try get(w, "/api/collections/comments/records/\(w.comments[0])?expand=post.secret,post.author")
        #expect(r.json["expand"]?["post"]?["expand"]?["author"] != nil)
        #expect(r.json["expand"]?["post"]?["expand"]?["secret"] == nil)
        let only = try get(w, "/api/collections/comments/records/\(w.comments[0])?expand=post.secret")
        #expect(only.json["expand"] == nil)
    }

    @Test func pathsDeeperThanSixLevels_AreCutWithoutError() throws {
        let w = try world(); defer { w.s.stop() }
        var next = ""
        var ids: [String] = []
        for i in (1...9).reversed() {
            var body: JSONObject = ["name": .string("n\(i)")]
            if !next.isEmpty { body["next"] = .string(next) }
            next = try make(w.s, "nodes", body)
            ids.append(next)
        }
        let path = Array(repeating: "next", count: 8).joined(separator: ".")
        let r = try get(w, "/api/collections/nodes/records/\(next)?expand=\(path)")
        var level: JSON? = r.json
        var depth = 0
        while let inner = level?["expand"]?["next"] {
            depth += 1
            level = inner
        }
        #expect(depth == 6)
        #expect(level?["name"] == "n7")
    }

    @Test func unknownPaths_AreIgnored() throws {
        let w = try world(); defer { w.s.stop() }
        #expect(try get(w, "/api/collections/posts/records/\(w.post)?expand=nope").json["expand"] == nil)
        #expect(try get(w, "/api/collections/posts/records/\(w.post)?expand=title,nope_via_x,users_via_name").json["expand"] == nil)
        let r = try get(w, "/api/collections/posts/records/\(w.post)?expand=nope,%20.author.%20,author")
        #expect(r.json["expand"]?.objectValue?.keys == ["author"])
    }

    @Test func list_GivesEveryItemAnExpandKey_EvenWhenEmpty() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/posts/records?sort=@rowid&expand=author,tags")
        let items = r.json["items"]?.arrayValue ?? []
        #expect(items.count == 2)
        #expect(items.first?["expand"]?["author"]?["name"] == "Alice")
        #expect(items.last?["expand"] == .object([:]))
        #expect(r.json["totalItems"] == 2)
        // Without expand the plain path is unchanged.
        #expect(try get(w, "/api/collections/posts/records").json["items"]?[0]?["expand"] == nil)
    }

    @Test func createAndUpdate_ReturnTheExpandedRecord() throws {
        let w = try world(); defer { w.s.stop() }
        let created = try w.s.request("POST", "/api/collections/comments/records?expand=post,user",
                                      json: ["text": "new", "post": .string(w.post), "user": .string(w.alice.id)])
        #expect(created.status == 200)
        #expect(created.json["expand"]?["post"]?["title"] == "hello")
        #expect(created.json["expand"]?["user"]?["name"] == "Alice")
        let id = created.json["id"]?.stringValue ?? ""
        let updated = try w.s.request("PATCH", "/api/collections/comments/records/\(id)?expand=post", json: ["post": .string(w.bare)])
        #expect(updated.status == 200)
        #expect(updated.json["expand"]?["post"]?["title"] == "bare")
    }

    // MARK: - fields

    @Test func fields_KeepsTheListedKeys() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/posts/records/\(w.post)?fields=id,title")
        #expect(r.json == .object(["id": .string(w.post), "title": "hello"]))
    }

    @Test func fields_StarKeepsEverything_AndModifiersStillApply() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/posts/records/\(w.post)?fields=*,body:excerpt(20,true)")
        #expect(r.json["body"] == "Hello world, this is...")
        #expect(r.json["title"] == "hello")
        #expect(r.json["collectionName"] == "posts")
        let plain = try get(w, "/api/collections/posts/records/\(w.post)?fields=body:excerpt(11)")
        #expect(plain.json == .object(["body": "Hello world"]))
        let short = try get(w, "/api/collections/posts/records/\(w.post)?fields=title:excerpt(100,true)")
        #expect(short.json["title"] == "hello", "nothing cut, no ellipsis")
    }

    @Test func fields_SelectsInsideExpand() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/posts/records/\(w.post)?expand=author,tags&fields=id,expand.author.name,expand.tags.*")
        #expect(r.json["id"]?.stringValue == w.post)
        #expect(r.json["title"] == nil)
        #expect(r.json["expand"]?["author"] == .object(["name": "Alice"]))
        #expect(r.json["expand"]?["tags"]?[0]?["label"] == "c")
        #expect(r.json["expand"]?["tags"]?[0]?["collectionId"] != nil)
    }

    @Test func fields_AppliesToListItems_NotTheEnvelope() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try get(w, "/api/collections/tags/records?sort=label&fields=label")
        #expect(r.json["items"] == .array([.object(["label": "a"]), .object(["label": "b"]), .object(["label": "c"])]))
        #expect(r.json["totalItems"] == 3)
        let envelope = try get(w, "/api/collections/tags/records?fields=items.label")
        #expect(envelope.json["items"] == .array([.object([:]), .object([:]), .object([:])]))
        #expect(envelope.json["page"] == 1)
    }

    @Test func fields_AppliesToHealthAndAuthResponses() throws {
        let w = try world(); defer { w.s.stop() }
        #expect(try get(w, "/api/health?fields=code").json == .object(["code": 200]))
        let login = try w.s.request("POST", "/api/collections/users/auth-with-password?fields=record.name",
                                    json: ["identity": "alice@example.com", "password": "password-123"])
        #expect(login.json == .object(["record": .object(["name": "Alice"])]))
    }

    @Test(arguments: ["body:nope(1)", "body:excerpt", "body:excerpt()", "body:excerpt(0)", "body:excerpt(-2)",
                      "body:excerpt(x)", "body:excerpt(1,true,3)", "id,body:excerpt(2"])
    func fields_InvalidModifier_Is400(_ fields: String) throws {
        let w = try world(); defer { w.s.stop() }
        let r = try w.s.request("GET", "/api/collections/posts/records/\(w.post)?fields=\(fields)")
        #expect(r.status == 400)
        #expect(r.json["message"] == "Something went wrong while processing your request.")
    }

    @Test func fields_LeavesErrorsAlone() throws {
        let w = try world(); defer { w.s.stop() }
        let r = try w.s.request("GET", "/api/collections/posts/records/missing?fields=id")
        #expect(r.status == 404)
        #expect(r.json["message"] != nil)
    }

    // MARK: - excerpt (white-box table)

    @Test(arguments: [
        ("<p>hi</p>", 1, true, "h..."),
        ("full", 2, false, "fu"),
        ("<p>Hello <b>world</b>, this is a   long body</p><p>Second</p>", 20, true, "Hello world, this is..."),
        ("<div>one</div><div>two</div>", 50, true, "one two"),
        ("a<script>var x = '<p>';</script>b<style>p{}</style>c", 10, false, "abc"),
        ("x<img src=a.png>y<svg><text>no</text></svg>z", 10, false, "xyz"),
        ("<form><input value=v><button>Go</button></form>after", 10, false, "after"),
        ("Tom &amp; Jerry &lt;3 &#233;&#x41;", 50, false, "Tom & Jerry <3 éA"),
        ("héllo wörld", 4, true, "héll..."),
        ("ab   \n  cd", 50, false, "ab cd"),
        ("a b", 2, true, "a..."),
        ("<!-- note -->text", 10, false, "text"),
        ("1 < 2", 10, false, "1 < 2"),
    ] as [(String, Int, Bool, String)])
    func excerpt_MatchesPocketBase(_ input: String, _ max: Int, _ ellipsis: Bool, _ expected: String) {
        #expect(Excerpt.make(input, maxChars: max, withEllipsis: ellipsis) == expected)
    }

    @Test func fieldSelection_ParsesModifiersWithCommas() throws {
        let s = try FieldSelection(parsing: " id , body:excerpt(20, true),expand.author.* ")
        #expect(s.paths.map(\.path) == ["id", "body", "expand.author.*"])
        #expect(s.paths[1].modifier == .excerpt(maxChars: 20, withEllipsis: true))
    }
}
