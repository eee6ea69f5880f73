// Aerie — the rules matrix: every requester × action × kind of rule, asserted cell by cell (spec §7)
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Testing

/// Four collections, one per kind of rule, each with an `owner` relation to `users`.
private let matrixSchema = #"""
{
  "collections": [
    { "name": "users", "type": "auth", "fields": [],
      "listRule": "id = @request.auth.id", "viewRule": "id = @request.auth.id", "createRule": "",
      "updateRule": "id = @request.auth.id", "deleteRule": null },
    { "name": "notes",
      "fields": [ { "name": "text", "type": "text" }, { "name": "owner", "type": "relation", "collection": "users" } ],
      "listRule": "owner = @request.auth.id", "viewRule": "owner = @request.auth.id",
      "createRule": "@request.auth.id != '' && owner = @request.auth.id",
      "updateRule": "owner = @request.auth.id", "deleteRule": "owner = @request.auth.id" },
    { "name": "board",
      "fields": [ { "name": "text", "type": "text" }, { "name": "owner", "type": "relation", "collection": "users" } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "" },
    { "name": "articles",
      "fields": [ { "name": "text", "type": "text" }, { "name": "published", "type": "bool" },
                  { "name": "owner", "type": "relation", "collection": "users" } ],
      "listRule": "published = true || owner = @request.auth.id", "viewRule": "published = true || owner = @request.auth.id",
      "createRule": "@request.auth.id != '' && owner = @request.auth.id",
      "updateRule": "owner = @request.auth.id", "deleteRule": "owner = @request.auth.id" },
    { "name": "secrets",
      "fields": [ { "name": "text", "type": "text" }, { "name": "owner", "type": "relation", "collection": "users" } ],
      "listRule": null, "viewRule": null, "createRule": null, "updateRule": null, "deleteRule": null }
  ]
}
"""#

/// Who asks.
private enum Asker: String, CaseIterable, Sendable {
    case guest, owner, other, superuser
}

/// What one row of cells expects.
private struct Expected: Sendable {
    /// List: the names of the visible records (nil when the list answers 403).
    var list: [String]?
    var view: Int
    var create: Int
    var update: Int
    var delete: Int
}

/// Records are named so a failed cell reads well: `own` is the owner's, `theirs` the other user's.
/// In `articles`, `own` is the owner's draft, `pub` the owner's published article and `theirs`
/// the other user's draft; `view`, `update` and `delete` target `own` (the owner's record).
private let expectations: [String: [Asker: Expected]] = [
    "notes": [
        .guest: Expected(list: [], view: 404, create: 400, update: 404, delete: 404),
        .owner: Expected(list: ["own"], view: 200, create: 200, update: 200, delete: 204),
        .other: Expected(list: ["theirs"], view: 404, create: 400, update: 404, delete: 404),
        .superuser: Expected(list: ["own", "theirs"], view: 200, create: 200, update: 200, delete: 204),
    ],
    "board": [
        .guest: Expected(list: ["own", "theirs"], view: 200, create: 200, update: 200, delete: 204),
        .owner: Expected(list: ["own", "theirs"], view: 200, create: 200, update: 200, delete: 204),
        .other: Expected(list: ["own", "theirs"], view: 200, create: 200, update: 200, delete: 204),
        .superuser: Expected(list: ["own", "theirs"], view: 200, create: 200, update: 200, delete: 204),
    ],
    "articles": [
        .guest: Expected(list: ["pub"], view: 404, create: 400, update: 404, delete: 404),
        .owner: Expected(list: ["own", "pub"], view: 200, create: 200, update: 200, delete: 204),
        .other: Expected(list: ["pub", "theirs"], view: 404, create: 400, update: 404, delete: 404),
        .superuser: Expected(list: ["own", "pub", "theirs"], view: 200, create: 200, update: 200, delete: 204),
    ],
    "secrets": [
        .guest: Expected(list: nil, view: 403, create: 403, update: 403, delete: 403),
        .owner: Expected(list: nil, view: 403, create: 403, update: 403, delete: 403),
        .other: Expected(list: nil, view: 403, create: 403, update: 403, delete: 403),
        .superuser: Expected(list: ["own", "theirs"], view: 200, create: 200, update: 200, delete: 204),
    ],
]

@Suite struct RulesMatrixTests {
    struct World {
        let s: TestServer
        let owner: (id: String, token: String)
        let other: (id: String, token: String)
        let superuser: String

        fileprivate func token(_ who: Asker) -> String? {
            switch who {
            case .guest: nil
            case .owner: owner.token
            case .other: other.token
            case .superuser: superuser
            }
        }
    }

    func signUp(_ s: TestServer, _ email: String) throws -> (id: String, token: String) {
        let signedIn = try s.signUp(email, password: "password-123")
        return (signedIn.id, signedIn.token)
    }

    /// Creates a record as superuser (bypassing the rules) and returns its id.
    func seed(_ w: World, _ collection: String, text: String, owner: String, published: Bool = false) throws -> String {
        var body: JSONObject = ["text": .string(text), "owner": .string(owner)]
        if collection == "articles" { body["published"] = .bool(published) }
        let r = try w.s.request("POST", "/api/collections/\(collection)/records", json: .object(body), token: w.superuser)
        precondition(r.status == 200, r.text)
        return r.json["id"]?.stringValue ?? ""
    }

    @Test(arguments: ["notes", "board", "articles", "secrets"])
    func everyCell(_ collection: String) throws {
        let s = try TestServer(schema: matrixSchema)
        defer { s.stop() }
        let w = World(s: s, owner: try signUp(s, "owner@example.com"), other: try signUp(s, "other@example.com"),
                      superuser: try s.superuserToken())
        var names: [String: String] = [:]
        names[try seed(w, collection, text: "own", owner: w.owner.id)] = "own"
        names[try seed(w, collection, text: "theirs", owner: w.other.id)] = "theirs"
        if collection == "articles" { names[try seed(w, collection, text: "pub", owner: w.owner.id, published: true)] = "pub" }
        let ownID = names.first { $0.value == "own" }?.key ?? ""
        let base = "/api/collections/\(collection)/records"

        for who in Asker.allCases {
            let expected = try #require(expectations[collection]?[who])
            let cell = "\(collection) × \(who.rawValue)"
            let token = w.token(who)

            // list: the status, then exactly which records (by name).
            let list = try s.request("GET", base + "?perPage=100", token: token)
            if let visible = expected.list {
                #expect(list.status == 200, "\(cell) × list: \(list.text)")
                var seen: [String] = []
                if case .array(let items)? = list.json["items"] {
                    seen = items.compactMap { $0["id"]?.stringValue }.map { names[$0] ?? "created:\($0)" }
                }
                #expect(seen.sorted() == visible, "\(cell) × list")
                #expect(list.json["totalItems"] == .int(Int64(visible.count)), "\(cell) × list totalItems")
            } else {
                #expect(list.status == 403, "\(cell) × list: \(list.text)")
                #expect(list.json["message"] == "Only superusers can perform this action.", "\(cell) × list message")
            }

            // view the owner's record.
            let view = try s.request("GET", "\(base)/\(ownID)", token: token)
            #expect(view.status == expected.view, "\(cell) × view: \(view.text)")
            if expected.view == 200 { #expect(view.json["id"]?.stringValue == ownID, "\(cell) × view body") }

            // create a record that belongs to the owner.
            var body: JSONObject = ["text": "new", "owner": .string(w.owner.id)]
            if collection == "articles" { body["published"] = false }
            let create = try s.request("POST", base, json: .object(body), token: token)
            #expect(create.status == expected.create, "\(cell) × create: \(create.text)")
            if create.status == 200, let id = create.json["id"]?.stringValue {
                // Keep the list cells of later requesters exact: remove what this cell created.
                #expect(try s.request("DELETE", "\(base)/\(id)", token: w.superuser).status == 204)
            }

            // update the owner's record; a refused update must leave it unchanged.
            let update = try s.request("PATCH", "\(base)/\(ownID)", json: ["text": .string("by \(who.rawValue)")], token: token)
            #expect(update.status == expected.update, "\(cell) × update: \(update.text)")
            let stored = try s.request("GET", "\(base)/\(ownID)", token: w.superuser).json["text"]?.stringValue
            if expected.update == 200 {
                #expect(stored == "by \(who.rawValue)", "\(cell) × update effect")
            } else {
                #expect(stored != "by \(who.rawValue)", "\(cell) × a refused update changed the record")
            }

            // delete a fresh copy of an owner's record (so every cell has one to delete).
            let victim = try seed(w, collection, text: "victim", owner: w.owner.id)
            let delete = try s.request("DELETE", "\(base)/\(victim)", token: token)
            #expect(delete.status == expected.delete, "\(cell) × delete: \(delete.text)")
            let stillThere = try s.request("GET", "\(base)/\(victim)", token: w.superuser).status == 200
            #expect(stillThere == (expected.delete != 204), "\(cell) × delete effect")
            if stillThere { #expect(try s.request("DELETE", "\(base)/\(victim)", token: w.superuser).status == 204) }
        }
    }
}
