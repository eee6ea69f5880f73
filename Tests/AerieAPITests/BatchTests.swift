// Aerie — black-box tests of POST /api/batch (spec §12)
// SPDX-License-Identifier: MIT
import AerieAPI
import AerieHTTP
import AerieJSON
import AerieTesting
import Testing

@Suite struct BatchTests {
    func batch(_ s: TestServer, _ requests: [JSON], token: String? = nil) throws -> TestResponse {
        try s.request("POST", "/api/batch", json: ["requests": .array(requests)], token: token)
    }

    func count(_ s: TestServer, _ collection: String) throws -> Int64? {
        try s.request("GET", "/api/collections/\(collection)/records").json["totalItems"]?.intValue
    }

    @Test func mixedOperations_RunInOrderAndSeeEarlierWrites() throws {
        let s = try blogServer(); defer { s.stop() }
        let existing = try s.request("POST", "/api/collections/tags/records", json: ["id": "tagexisting0001", "label": "old"])
        #expect(existing.status == 200)
        let doomed = try s.request("POST", "/api/collections/tags/records", json: ["label": "doomed"]).json["id"]?.stringValue ?? ""
        let r = try batch(s, [
            ["method": "POST", "url": "/api/collections/posts/records?fields=id,title", "body": ["id": "batchpost000001", "title": "B1"]],
            ["method": "PUT", "url": "/api/collections/tags/records", "body": ["id": "tagexisting0001", "label": "upserted"]],
            ["method": "PUT", "url": "/api/collections/tags/records?fields=id,label", "body": ["id": "tagfresh0000001", "label": "fresh"]],
            ["method": "PATCH", "url": "/api/collections/posts/records/batchpost000001?fields=views,title", "body": ["views+": 3, "title": "B1x"]],
            ["method": "DELETE", "url": .string("/api/collections/tags/records/\(doomed)")],
        ])
        #expect(r.status == 200, "\(r.text)")
        guard case .array(let items) = r.json, items.count == 5 else { Issue.record("not a 5-array: \(r.text)"); return }
        #expect(items[0] == ["body": ["id": "batchpost000001", "title": "B1"], "status": 200])
        #expect(items[1]["status"] == 200)
        #expect(items[1]["body"]?["label"] == "upserted")
        #expect(items[1]["body"]?["collectionName"] == "tags")
        #expect(items[2] == ["body": ["id": "tagfresh0000001", "label": "fresh"], "status": 200])
        #expect(items[3] == ["body": ["views": 3, "title": "B1x"], "status": 200])
        #expect(items[4] == ["body": .null, "status": 204])
        #expect(r.text.hasPrefix(#"[{"body":{"id":"batchpost000001","title":"B1"},"status":200},"#))
        #expect(try s.request("GET", "/api/collections/tags/records/tagexisting0001").json["label"] == "upserted")
        #expect(try s.request("GET", "/api/collections/posts/records/batchpost000001").json["views"] == 3)
        #expect(try s.request("GET", "/api/collections/tags/records/\(doomed)").status == 404)
    }

    @Test func failingSubRequest_RollsBackEverything() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try batch(s, [
            ["method": "POST", "url": "/api/collections/tags/records", "body": ["label": "kept?"]],
            ["method": "POST", "url": "/api/collections/posts/records", "body": ["views": 1]],
        ])
        #expect(r.status == 400)
        #expect(r.json == [
            "data": ["requests": ["1": ["code": "batch_request_failed", "message": "Batch request failed.",
                                        "response": ["data": ["title": ["code": "validation_required", "message": "Cannot be blank."]],
                                                     "message": "Failed to create record.", "status": 400]]]],
            "message": "Batch transaction failed.", "status": 400,
        ])
        #expect(try count(s, "tags") == 0)
        #expect(try count(s, "posts") == 0)
    }

    @Test func ruleFailures_EmbedTheSubResponse() throws {
        let s = try blogServer(); defer { s.stop() }
        // Guest: the superuser-only collection answers 403 inside the batch.
        let locked = try batch(s, [["method": "POST", "url": "/api/collections/secrets/records", "body": ["value": "x"]]])
        #expect(locked.status == 400)
        #expect(locked.json["data"]?["requests"]?["0"]?["response"] ==
                ["data": [:], "message": "Only superusers can perform this action.", "status": 403])
        // Guest: the create rule rejects the row → 400 "Failed to create record.".
        let guarded = try batch(s, [["method": "POST", "url": "/api/collections/guarded/records", "body": ["value": "x"]]])
        #expect(guarded.json["data"]?["requests"]?["0"]?["response"] == ["data": [:], "message": "Failed to create record.", "status": 400])
        // Updating a record that does not exist → 404 inside.
        let missing = try batch(s, [["method": "PATCH", "url": "/api/collections/tags/records/aaaaaaaaaaaaaaa", "body": ["label": "x"]]])
        #expect(missing.json["data"]?["requests"]?["0"]?["response"]?["status"] == 404)
        // The superuser passes the same rules, with the outer request's token.
        let token = try s.superuserToken()
        let ok = try batch(s, [["method": "POST", "url": "/api/collections/secrets/records", "body": ["value": "x"]],
                               ["method": "POST", "url": "/api/collections/guarded/records", "body": ["value": "y"],
                                "headers": ["Authorization": "bogus"]]], token: token)
        #expect(ok.status == 200, "\(ok.text)")
        // A sub-request's own Authorization header grants nothing.
        let sneaky = try batch(s, [["method": "POST", "url": "/api/collections/secrets/records", "body": ["value": "x"],
                                    "headers": ["Authorization": .string(token)]]])
        #expect(sneaky.status == 400)
        #expect(try s.request("GET", "/api/collections/secrets/records", token: token).json["totalItems"] == 1)
    }

    @Test(arguments: [
        ("GET", "/api/collections/tags/records"),
        ("POST", "/api/health"),
        ("PATCH", "/api/collections/tags/records"),
        ("POST", "/api/collections/tags/records/abc/extra"),
    ])
    func unsupportedAction_FailsTheBatch(method: String, url: String) throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try batch(s, [["method": "POST", "url": "/api/collections/tags/records", "body": ["label": "a"]],
                              ["method": .string(method), "url": .string(url)]])
        #expect(r.status == 400)
        #expect(r.json["data"]?["requests"]?["1"]?["response"] ==
                ["data": [:], "message": "Something went wrong while processing your request.", "status": 400])
        #expect(try count(s, "tags") == 0)
    }

    @Test func emptyAndOversizedBatches_AreInvalid() throws {
        let s = try blogServer(); defer { s.stop() }
        let empty = try batch(s, [])
        #expect(empty.json == ["data": ["requests": ["code": "validation_required", "message": "Cannot be blank."]],
                               "message": "Invalid batch request data.", "status": 400])
        let many = try batch(s, Array(repeating: ["method": "POST", "url": "/api/collections/tags/records", "body": ["label": "a"]], count: 51))
        #expect(many.status == 400)
        #expect(many.json["data"]?["requests"] ==
                ["code": "validation_length_too_long", "message": "The length must be no more than 50.", "params": ["max": 50]])
        #expect(try count(s, "tags") == 0)
        let fifty = try batch(s, Array(repeating: ["method": "POST", "url": "/api/collections/tags/records", "body": ["label": "a"]], count: 50))
        #expect(fifty.status == 200)
        #expect(try count(s, "tags") == 50)
    }

    @Test func badItems_AreInvalidOrUnreadable() throws {
        let s = try blogServer(); defer { s.stop() }
        let bad = try batch(s, [["method": "TRACE", "url": ""]])
        #expect(bad.json == ["data": ["requests": ["0": ["method": ["code": "validation_in_invalid", "message": "Must be a valid value."],
                                                         "url": ["code": "validation_required", "message": "Cannot be blank."]]]],
                             "message": "Invalid batch request data.", "status": 400])
        let long = try batch(s, [["method": "POST", "url": .string("/api/collections/tags/records?x=" + String(repeating: "a", count: 2000))]])
        #expect(long.json["data"]?["requests"]?["0"]?["url"]?["code"] == "validation_length_too_long")
        let garbled = try s.request("POST", "/api/batch", body: "{nope", contentType: "application/json")
        #expect(garbled.json == ["data": [:], "message": "Failed to read the submitted batch data.", "status": 400])
        let wrongType = try s.request("POST", "/api/batch", json: ["requests": "x"])
        #expect(wrongType.json["message"] == "Failed to read the submitted batch data.")
    }

    @Test func expandAndFields_ApplyToSubRequests() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try batch(s, [
            ["method": "POST", "url": "/api/collections/tags/records", "body": ["id": "batchtag0000001", "label": "t"]],
            ["method": "POST", "url": "/api/collections/posts/records?expand=tags&fields=title,expand.tags.label",
             "body": ["title": "Tagged", "tags": ["batchtag0000001"]]],
        ])
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json[1] == ["body": ["title": "Tagged", "expand": ["tags": [["label": "t"]]]], "status": 200])
    }

    @Test func timeout_FailsAndRollsBack() throws {
        let s = try blogServer(); defer { s.stop() }
        let responder = APIResponder(app: s.app, batch: BatchSettings(timeout: .nanoseconds(1)))
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        let body: JSON = ["requests": [["method": "POST", "url": "/api/collections/tags/records", "body": ["label": "a"]]]]
        let response = responder.respond(to: HTTPRequest(method: .post, target: "/api/batch", headers: headers, body: body.serialized()))
        #expect(response.status.code == 400)
        #expect((try? JSONParser.parse(response.body)) == ["data": [:], "message": "Batch transaction failed.", "status": 400])
        #expect(try count(s, "tags") == 0)
        let disabled = APIResponder(app: s.app, batch: BatchSettings(enabled: false))
        let off = disabled.respond(to: HTTPRequest(method: .post, target: "/api/batch", headers: headers, body: body.serialized()))
        #expect(off.status.code == 403)
    }
}
