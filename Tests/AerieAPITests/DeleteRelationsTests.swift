// Aerie — black-box tests of what delete does to relations (spec §3.5)
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Testing

@Suite struct DeleteRelationsTests {
    func make(_ s: TestServer, _ collection: String, _ body: JSONObject) throws -> String {
        let r = try s.request("POST", "/api/collections/\(collection)/records", json: .object(body))
        precondition(r.status == 200, r.text)
        return r.json["id"]?.stringValue ?? ""
    }

    @Test func cascadeDelete_RemovesReferencingRecords() throws {
        let s = try blogServer(); defer { s.stop() }
        let tag = try make(s, "tags", ["label": "t"])
        let post = try make(s, "posts", ["title": "p1"])
        let comment = try make(s, "comments", ["post": .string(post), "mentions": .array([.string(tag)])])
        #expect(try s.request("DELETE", "/api/collections/posts/records/\(post)").status == 204)
        #expect(try s.request("GET", "/api/collections/comments/records/\(comment)").status == 404)
    }

    @Test func multiRelation_LosesTheDeletedID() throws {
        let s = try blogServer(); defer { s.stop() }
        let a = try make(s, "tags", ["label": "a"]), b = try make(s, "tags", ["label": "b"])
        let post = try make(s, "posts", ["title": "p2", "tags": .array([.string(a), .string(b)])])
        #expect(try s.request("DELETE", "/api/collections/tags/records/\(a)").status == 204)
        #expect(try s.request("GET", "/api/collections/posts/records/\(post)").json["tags"] == .array([.string(b)]))
    }

    @Test func requiredRelation_BlocksDeleteThatWouldEmptyIt() throws {
        let s = try blogServer(); defer { s.stop() }
        let tag = try make(s, "tags", ["label": "only"])
        let post = try make(s, "posts", ["title": "p3"])
        _ = try make(s, "comments", ["post": .string(post), "mentions": .array([.string(tag)])])
        let r = try s.request("DELETE", "/api/collections/tags/records/\(tag)")
        #expect(r.status == 400)
        #expect(r.json["message"] == "Failed to delete record. Make sure that the record is not part of a required relation reference.")
        #expect(try s.request("GET", "/api/collections/tags/records/\(tag)").status == 200, "nothing was deleted")
    }
}
