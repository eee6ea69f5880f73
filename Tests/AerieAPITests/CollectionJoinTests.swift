// Aerie — black-box tests of @collection joins and deep relation paths in rules and filters (spec §5.4, §5.7)
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Testing

/// Team documents guarded by a membership collection: the classic `@collection` rule.
private let teamsSchema = #"""
{
  "collections": [
    { "name": "users", "type": "auth", "fields": [ { "name": "name", "type": "text" } ],
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": null, "deleteRule": null },
    { "name": "teams", "fields": [ { "name": "name", "type": "text" } ],
      "listRule": "", "viewRule": "",
      "createRule": "@request.auth.id != '' && @collection.teams.name != @request.body.name",
      "updateRule": null, "deleteRule": null },
    { "name": "members",
      "fields": [ { "name": "user", "type": "relation", "collection": "users" },
                  { "name": "team", "type": "relation", "collection": "teams" },
                  { "name": "role", "type": "text" } ],
      "listRule": null, "viewRule": null, "createRule": null, "updateRule": null, "deleteRule": null },
    { "name": "docs",
      "fields": [ { "name": "title", "type": "text" }, { "name": "team", "type": "relation", "collection": "teams" },
                  { "name": "readers", "type": "relation", "collection": "users", "maxSelect": 5 } ],
      "listRule": "@collection.members.user ?= @request.auth.id && @collection.members.team ?= team",
      "viewRule": "@collection.members.user ?= @request.auth.id && @collection.members.team ?= team",
      "createRule": "@collection.members.user ?= @request.auth.id && @collection.members.team ?= team",
      "updateRule": null,
      "deleteRule": "@collection.members:m.user ?= @request.auth.id && @collection.members:m.team ?= team && @collection.members:m.role ?= 'admin'" }
  ]
}
"""#

@Suite struct CollectionJoinTests {
    struct World {
        let s: TestServer
        let alice: (id: String, token: String)
        let bob: (id: String, token: String)
        let teamA: String, teamB: String
        let docA: String, docB: String
    }

    func user(_ s: TestServer, _ email: String) throws -> (id: String, token: String) {
        let signedIn = try s.signUp(email, password: "password-123")
        return (signedIn.id, signedIn.token)
    }

    func create(_ s: TestServer, _ collection: String, _ body: JSONObject, token: String) throws -> String {
        let r = try s.request("POST", "/api/collections/\(collection)/records", json: .object(body), token: token)
        precondition(r.status == 200, r.text)
        return r.json["id"]?.stringValue ?? ""
    }

    /// Alice is an admin of team A and a plain member of team B; Bob is a member of team B only.
    func world() throws -> World {
        let s = try TestServer(schema: teamsSchema)
        let su = try s.superuserToken()
        let alice = try user(s, "alice@example.com"), bob = try user(s, "bob@example.com")
        let teamA = try create(s, "teams", ["name": "A"], token: su), teamB = try create(s, "teams", ["name": "B"], token: su)
        _ = try create(s, "members", ["user": .string(alice.id), "team": .string(teamA), "role": "admin"], token: su)
        _ = try create(s, "members", ["user": .string(alice.id), "team": .string(teamB), "role": "member"], token: su)
        _ = try create(s, "members", ["user": .string(bob.id), "team": .string(teamB), "role": "admin"], token: su)
        let docA = try create(s, "docs", ["title": "a", "team": .string(teamA), "readers": [.string(bob.id)]], token: su)
        let docB = try create(s, "docs", ["title": "b", "team": .string(teamB)], token: su)
        return World(s: s, alice: alice, bob: bob, teamA: teamA, teamB: teamB, docA: docA, docB: docB)
    }

    func ids(_ r: TestResponse) -> [String] {
        guard case .array(let items)? = r.json["items"] else { return [] }
        return items.compactMap { $0["id"]?.stringValue }.sorted()
    }

    @Test func listRule_MatchesOneMembershipRowForBothConditions() throws {
        let w = try world(); defer { w.s.stop() }
        // Bob has a membership (team B) and team A has one (Alice's): only a row with both counts.
        #expect(ids(try w.s.request("GET", "/api/collections/docs/records", token: w.bob.token)) == [w.docB])
        #expect(ids(try w.s.request("GET", "/api/collections/docs/records", token: w.alice.token)) == [w.docA, w.docB].sorted())
        #expect(ids(try w.s.request("GET", "/api/collections/docs/records")) == [])
        #expect(try w.s.request("GET", "/api/collections/docs/records/\(w.docA)", token: w.bob.token).status == 404)
        #expect(try w.s.request("GET", "/api/collections/docs/records/\(w.docA)", token: w.alice.token).status == 200)
    }

    @Test func createRule_SeesTheSubmittedTeam() throws {
        let w = try world(); defer { w.s.stop() }
        let intoA = try w.s.request("POST", "/api/collections/docs/records", json: ["title": "x", "team": .string(w.teamA)], token: w.bob.token)
        #expect(intoA.status == 400)
        let intoB = try w.s.request("POST", "/api/collections/docs/records", json: ["title": "x", "team": .string(w.teamB)], token: w.bob.token)
        #expect(intoB.status == 200, "\(intoB.text)")
    }

    @Test func createRule_CollectionJoinReadsTheStoredRows() throws {
        // The would-be record must not stand in for the table it is checked against.
        let w = try world(); defer { w.s.stop() }
        func create(_ name: String) throws -> Int {
            try w.s.request("POST", "/api/collections/teams/records", json: ["name": .string(name)], token: w.alice.token).status
        }
        #expect(try create("C") == 200)
        #expect(try create("C") == 400)
        #expect(try create("A") == 400)
        #expect(try create("D") == 200)
    }

    @Test func aliasedJoin_NeedsOneRowWithEveryCondition() throws {
        let w = try world(); defer { w.s.stop() }
        // Alice is only a plain member of team B: her admin row is for team A.
        #expect(try w.s.request("DELETE", "/api/collections/docs/records/\(w.docB)", token: w.alice.token).status == 404)
        #expect(try w.s.request("DELETE", "/api/collections/docs/records/\(w.docB)", token: w.bob.token).status == 204)
        #expect(try w.s.request("DELETE", "/api/collections/docs/records/\(w.docA)", token: w.alice.token).status == 204)
    }

    @Test func superuserFilter_CollectionJoinsAndDeepPaths() throws {
        let w = try world(); defer { w.s.stop() }
        let su = try w.s.superuserToken()
        func list(_ filter: String) throws -> [String] {
            ids(try w.s.request("GET", "/api/collections/docs/records?filter=" + percentEncode(filter), token: su))
        }
        #expect(try list("@collection.members.team ?= team && @collection.members.role ?= 'member'") == [w.docB])
        #expect(try list("@collection.members:a.team ?= team && @collection.members:b.role ?= 'member'") == [w.docA, w.docB].sorted())
        #expect(try list("@collection.members.user.email ?= 'bob@example.com' && @collection.members.team ?= team") == [w.docB])
        #expect(try list("readers.email ?= 'bob@example.com'") == [w.docA])
        #expect(try list("team.docs_via_team.readers.email ?~ 'bob'") == [w.docA])
        let bad = try w.s.request("GET", "/api/collections/docs/records?filter=" + percentEncode("@collection.nope.x ?= 1"), token: su)
        #expect(bad.status == 400 && bad.text.contains("unknown collection"), "\(bad.text)")
        // Guests may not use @collection in a filter at all (spec §5.7).
        #expect(try w.s.request("GET", "/api/collections/teams/records?filter=" + percentEncode("@collection.members.role ?= 'admin'")).status == 403)
    }
}
