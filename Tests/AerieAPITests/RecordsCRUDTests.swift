// Aerie — black-box tests of the records CRUD endpoints
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON
import Dispatch
import AerieTesting
import Testing

@Suite struct RecordsCRUDTests {
    @Test func create_ReturnsStoredRecordWithSystemFields() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("POST", "/api/collections/posts/records", json: ["title": "Hello"])
        #expect(r.status == 200)
        let rec = r.json
        let id = rec["id"]?.stringValue ?? ""
        #expect(id.utf8.count == 15 && id.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) })
        #expect(rec["collectionName"] == "posts")
        #expect(rec["collectionId"]?.stringValue?.hasPrefix("pbc_") == true)
        #expect(rec["title"] == "Hello")
        #expect(rec["views"] == 0)
        #expect(rec["published"] == false)
        #expect(rec["labels"] == [])
        #expect(rec["kind"] == "")
        #expect(rec["meta"] == .null)
        #expect(rec["where"] == ["lon": 0, "lat": 0])
        #expect(rec["secretNote"] == nil, "hidden fields are not shown to guests")
        let created = rec["created"]?.stringValue ?? ""
        #expect(created.utf8.count == 24 && created.hasSuffix("Z") && created.contains(" "))
        #expect(rec["updated"] == rec["created"])
    }

    @Test func view_ReturnsRecordAnd404ForUnknownID() throws {
        let s = try blogServer(); defer { s.stop() }
        let id = try s.request("POST", "/api/collections/posts/records", json: ["title": "Hi there"]).json["id"]?.stringValue ?? ""
        let r = try s.request("GET", "/api/collections/posts/records/\(id)")
        #expect(r.status == 200)
        #expect(r.json["title"] == "Hi there")
        let missing = try s.request("GET", "/api/collections/posts/records/aaaaaaaaaaaaaaa")
        #expect(missing.status == 404)
        #expect(missing.json == ["data": [:], "message": "The requested resource wasn't found.", "status": 404])
    }

    @Test func unknownCollection_Is404MissingCollectionContext() throws {
        let s = try blogServer(); defer { s.stop() }
        for (method, path) in [("GET", "/api/collections/nope/records"), ("GET", "/api/collections/nope/records/x"),
                               ("POST", "/api/collections/nope/records"), ("DELETE", "/api/collections/nope/records/x")] {
            let r = try s.request(method, path, json: method == "POST" ? [:] : nil)
            #expect(r.status == 404)
            // PocketBase words the create case differently.
            #expect(r.json["message"] == (method == "POST" ? "Missing or invalid collection context." : "Missing collection context."))
            #expect(r.json["data"] == [:])
        }
    }

    @Test func collectionName_IsCaseInsensitiveAndIDWorks() throws {
        let s = try blogServer(); defer { s.stop() }
        _ = try s.request("POST", "/api/collections/posts/records", json: ["title": "Case"])
        let upper = try s.request("GET", "/api/collections/POSTS/records")
        #expect(upper.status == 200)
        #expect(upper.json["totalItems"] == 1)
        let collectionID = upper.json["items"]?[0]?["collectionId"]?.stringValue ?? ""
        let byID = try s.request("GET", "/api/collections/\(collectionID)/records")
        #expect(byID.json["totalItems"] == 1)
    }

    @Test func update_ChangesOnlySubmittedKeysAndBumpsUpdated() throws {
        let s = try blogServer(); defer { s.stop() }
        let created = try s.request("POST", "/api/collections/posts/records", json: ["title": "First", "views": 5, "published": true]).json
        let id = created["id"]?.stringValue ?? ""
        let r = try s.request("PATCH", "/api/collections/posts/records/\(id)", json: ["title": "Second"])
        #expect(r.status == 200)
        #expect(r.json["title"] == "Second")
        #expect(r.json["views"] == 5)
        #expect(r.json["published"] == true)
        #expect(r.json["created"] == created["created"])
        #expect((r.json["updated"]?.stringValue ?? "") >= (created["updated"]?.stringValue ?? "~"))
        let view = try s.request("GET", "/api/collections/posts/records/\(id)")
        #expect(view.json["title"] == "Second")
    }

    @Test func update_UnknownRecordIs404AndIDChangeIsRejected() throws {
        let s = try blogServer(); defer { s.stop() }
        let missing = try s.request("PATCH", "/api/collections/posts/records/zzzzzzzzzzzzzzz", json: ["title": "x"])
        #expect(missing.status == 404)
        let id = try s.request("POST", "/api/collections/posts/records", json: ["title": "Keep"]).json["id"]?.stringValue ?? ""
        let r = try s.request("PATCH", "/api/collections/posts/records/\(id)", json: ["id": "bbbbbbbbbbbbbbb"])
        #expect(r.status == 400)
        #expect(r.code("id") == "validation_pk_change")
        #expect(r.json["message"] == "Failed to update record.")
    }

    @Test func concurrentIncrements_AreNeverLost() throws {
        // Updates are planned on a snapshot and re-planned under the writer if the row changed.
        let s = try blogServer(); defer { s.stop() }
        let id = try s.request("POST", "/api/collections/posts/records", json: ["title": "Counter"]).json["id"]?.stringValue ?? ""
        let statuses = Locked([Int]())
        DispatchQueue.concurrentPerform(iterations: 24) { _ in
            let status = (try? s.request("PATCH", "/api/collections/posts/records/\(id)", json: ["views+": 1]).status) ?? -1
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.value.allSatisfy { $0 == 200 })
        #expect(try s.request("GET", "/api/collections/posts/records/\(id)").json["views"] == 24)
    }

    @Test func delete_Returns204ThenRecordIsGone() throws {
        let s = try blogServer(); defer { s.stop() }
        let id = try s.request("POST", "/api/collections/posts/records", json: ["title": "Bye"]).json["id"]?.stringValue ?? ""
        let r = try s.request("DELETE", "/api/collections/posts/records/\(id)")
        #expect(r.status == 204)
        #expect(r.body.isEmpty)
        #expect(try s.request("GET", "/api/collections/posts/records/\(id)").status == 404)
        #expect(try s.request("DELETE", "/api/collections/posts/records/\(id)").status == 404)
    }

    @Test func create_AcceptsClientIDAndRejectsBadOrDuplicateIDs() throws {
        let s = try blogServer(); defer { s.stop() }
        let ok = try s.request("POST", "/api/collections/posts/records", json: ["id": "abcdefghij12345", "title": "Mine"])
        #expect(ok.status == 200)
        #expect(ok.json["id"] == "abcdefghij12345")
        let dup = try s.request("POST", "/api/collections/posts/records", json: ["id": "abcdefghij12345", "title": "Mine"])
        #expect(dup.status == 400)
        #expect(dup.code("id") == "validation_not_unique")
        let short = try s.request("POST", "/api/collections/posts/records", json: ["id": "abc", "title": "Mine"])
        #expect(short.code("id") == "validation_min_text_constraint")
        let bad = try s.request("POST", "/api/collections/posts/records", json: ["id": "ABCDEFGHIJ12345", "title": "Mine"])
        #expect(bad.code("id") == "validation_invalid_format")
    }

    @Test func uniqueIndex_ViolationIsValidationNotUnique() throws {
        let s = try blogServer(); defer { s.stop() }
        #expect(try s.request("POST", "/api/collections/posts/records", json: ["title": "One", "slug": "same"]).status == 200)
        let r = try s.request("POST", "/api/collections/posts/records", json: ["title": "Two", "slug": "same"])
        #expect(r.status == 400)
        #expect(r.code("slug") == "validation_not_unique")
        #expect(r.json["data"]?["slug"]?["message"] == "Value must be unique.")
    }

    @Test func hiddenFields_AreVisibleAndWritableOnlyForSuperusers() throws {
        let s = try blogServer(); defer { s.stop() }
        let guest = try s.request("POST", "/api/collections/posts/records", json: ["title": "Hid", "secretNote": "guest"])
        let id = guest.json["id"]?.stringValue ?? ""
        let token = try s.superuserToken()
        let asSuper = try s.request("GET", "/api/collections/posts/records/\(id)", token: token)
        #expect(asSuper.json["secretNote"] == "", "guests cannot write hidden fields")
        let patched = try s.request("PATCH", "/api/collections/posts/records/\(id)", json: ["secretNote": "shh"], token: "Bearer " + token)
        #expect(patched.json["secretNote"] == "shh")
        #expect(try s.request("GET", "/api/collections/posts/records/\(id)").json["secretNote"] == nil)
    }

    @Test func unknownBodyKeysAndReadOnlyFields_AreIgnored() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("POST", "/api/collections/posts/records",
                              json: ["title": "Keys", "nope": 1, "created": "2001-01-01 00:00:00.000Z", "collectionName": "x", "expand": [:]])
        #expect(r.status == 200)
        #expect(r.json["nope"] == nil)
        #expect(r.json["created"] != "2001-01-01 00:00:00.000Z")
        #expect(r.json["collectionName"] == "posts")
    }
}
