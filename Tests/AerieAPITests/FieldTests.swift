// Aerie — black-box tests of per-field coercion and validation codes
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Testing

/// Creates posts with one extra key and checks the stored value.
@Suite struct FieldCoercionTests {
    @Test(arguments: [
        ("views", JSON.string("7"), JSON.int(7)),
        ("views", .bool(true), .int(1)),
        ("views", .string("abc"), .int(0)),
        ("views", .null, .int(0)),
        ("score", .double(2.5), .double(2.5)),
        ("score", .string("-3.25"), .double(-3.25)),
        ("score", .string("1e3"), .int(1000)),
        ("published", .string("1"), .bool(true)),
        ("published", .string("true"), .bool(true)),
        ("published", .string("yes"), .bool(false)),
        ("published", .int(1), .bool(true)),
        ("published", .int(0), .bool(false)),
        ("title", .int(123), .string("123")),
        ("title", .bool(true), .string("true")),
        ("title", .double(1.5), .string("1.5")),
        ("kind", .array(["news", "tech"]), .string("tech")),
        ("kind", .string("life"), .string("life")),
        ("labels", .string("a"), .array(["a"])),
        ("labels", .string(#"["a","b"]"#), .array(["a", "b"])),
        ("labels", .array(["b", "b", "", "a"]), .array(["b", "a"])),
        ("meta", .string("plain text"), .string("plain text")),
        ("meta", .string(#"{"a":1}"#), .object(["a": 1])),
        ("meta", .string("{"), .string("{")),
        ("meta", .string("123"), .int(123)),
        ("meta", .array([1, 2]), .array([1, 2])),
        ("publishAt", .string("2024-05-06T07:08:09.123456+02:00"), .string("2024-05-06 05:08:09.123Z")),
        ("publishAt", .string("2024-05-06"), .string("2024-05-06 00:00:00.000Z")),
        ("publishAt", .string("garbage"), .string("")),
        ("publishAt", .int(1_700_000_000), .string("")),
        ("where", .object(["lon": 10.5, "lat": -20]), .object(["lon": 10.5, "lat": -20])),
    ])
    func create_CoercesLikePocketBase(_ field: String, _ input: JSON, _ expected: JSON) throws {
        let s = try blogServer(); defer { s.stop() }
        var body: JSONObject = ["title": "Coerce"]
        body[field] = input
        let r = try s.request("POST", "/api/collections/posts/records", json: .object(body))
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json[field] == expected)
        // The stored value reads back identically.
        let id = r.json["id"]?.stringValue ?? ""
        #expect(try s.request("GET", "/api/collections/posts/records/\(id)").json[field] == expected)
    }

    @Test func modifiers_ApplyShortestKeyFirst() throws {
        let s = try blogServer(); defer { s.stop() }
        let created = try s.request("POST", "/api/collections/posts/records", json: ["title": "Mods", "views": 3, "labels": ["a", "b"]]).json
        let id = created["id"]?.stringValue ?? ""
        let r = try s.request("PATCH", "/api/collections/posts/records/\(id)", json: ["views+": 10, "labels-": "a", "+labels": ["c"]])
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["views"] == 13)
        #expect(r.json["labels"] == ["c", "b"])
        let minus = try s.request("PATCH", "/api/collections/posts/records/\(id)", json: ["views-": 4])
        #expect(minus.json["views"] == 9)
        let tooMany = try s.request("PATCH", "/api/collections/posts/records/\(id)", json: ["labels+": "a"])
        #expect(tooMany.status == 400, "labels would have 3 values")
        #expect(tooMany.code("labels") == "validation_too_many_values")
    }
}

/// Submits invalid values and checks the field issue codes (spec §2.4).
@Suite struct FieldValidationTests {
    @Test(arguments: [
        (JSONObject(), "title", "validation_required"),
        (["title": ""], "title", "validation_required"),
        (["title": "x"], "title", "validation_min_text_constraint"),
        (["title": "this title is far too long"], "title", "validation_max_text_constraint"),
        (["title": "ok", "slug": "Not Valid"], "slug", "validation_invalid_format"),
        (["title": "ok", "body": .string(String(repeating: "x", count: 41))], "body", "validation_content_size_limit"),
        (["title": "ok", "views": 2.5], "views", "validation_only_int_constraint"),
        (["title": "ok", "views": -1], "views", "validation_min_number_constraint"),
        (["title": "ok", "views": 1001], "views", "validation_max_number_constraint"),
        (["title": "ok", "contact": "not-an-email"], "contact", "validation_is_email"),
        (["title": "ok", "contact": "a@b"], "contact", "validation_is_email"),
        (["title": "ok", "contact": "me@other.com"], "contact", "validation_email_domain_not_allowed"),
        (["title": "ok", "site": "not a url"], "site", "validation_invalid_url"),
        (["title": "ok", "site": "https://bad.com/x"], "site", "validation_url_domain_not_allowed"),
        (["title": "ok", "publishAt": "2019-12-31"], "publishAt", "validation_min_greater_equal_than_required"),
        (["title": "ok", "publishAt": "2031-01-01"], "publishAt", "validation_max_less_equal_than_required"),
        (["title": "ok", "kind": "sports"], "kind", "validation_invalid_value"),
        (["title": "ok", "labels": ["a", "b", "c"]], "labels", "validation_too_many_values"),
        (["title": "ok", "labels": ["z"]], "labels", "validation_invalid_value"),
        (["title": "ok", "meta": .string(String(repeating: "y", count: 80))], "meta", "validation_json_size_limit"),
        (["title": "ok", "author": "nonexistent0001"], "author", "validation_missing_rel_records"),
        (["title": "ok", "tags": ["a00000000000001", "a00000000000002", "a00000000000003", "a00000000000004"]], "tags", "validation_too_many_values"),
        (["title": "ok", "cover": "file.png"], "cover", "validation_invalid_file"),
        (["title": "ok", "where": ["lon": 10, "lat": 95]], "where", "validation_invalid_latitude"),
        (["title": "ok", "where": ["lon": 190, "lat": 5]], "where", "validation_invalid_longitude"),
    ] as [(JSONObject, String, String)])
    func create_ReportsFieldCode(_ body: JSONObject, _ field: String, _ code: String) throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("POST", "/api/collections/posts/records", json: .object(body))
        #expect(r.status == 400)
        #expect(r.json["message"] == "Failed to create record.")
        #expect(r.code(field) == code, "\(r.text)")
        #expect(r.json["data"]?[field]?["message"]?.stringValue?.hasSuffix(".") == true)
    }

    @Test func params_CarryLimits() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("POST", "/api/collections/posts/records", json: ["title": "x", "kind": "zzz"])
        #expect(r.json["data"]?["title"]?["params"] == ["min": 2])
        #expect(r.json["data"]?["kind"]?["params"] == ["value": "zzz"])
        #expect(r.json["data"]?["kind"]?["message"] == "Invalid value zzz.")
        #expect(r.json["data"]?["title"]?["message"] == "Must be at least 2 character(s).")
    }

    @Test func zeroNumber_IsNotRangeChecked() throws {
        let s = try blogServer(); defer { s.stop() }
        // min is 0 here, but a collection with min 5 would still accept 0 (0 is "empty").
        #expect(try s.request("POST", "/api/collections/posts/records", json: ["title": "ok", "views": 0]).status == 200)
    }

    @Test func relation_AcceptsExistingIDs() throws {
        let s = try blogServer(); defer { s.stop() }
        let tag = try s.request("POST", "/api/collections/tags/records", json: ["label": "swift"]).json["id"]?.stringValue ?? ""
        let r = try s.request("POST", "/api/collections/posts/records", json: ["title": "rel", "tags": .array([.string(tag)])])
        #expect(r.status == 200)
        #expect(r.json["tags"] == .array([.string(tag)]))
    }
}
