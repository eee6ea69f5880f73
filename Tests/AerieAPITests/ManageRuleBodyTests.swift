// Aerie — manageRule on create and update sees @request.body, as PocketBase 0.40 does
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Testing

/// `members` may be managed by admins, but never into an owner: the manageRule reads the body.
let manageBodySchema = #"""
{
  "collections": [
    { "name": "members", "type": "auth",
      "fields": [ { "name": "role", "type": "text" } ],
      "manageRule": "@request.auth.role = 'admin' && @request.body.role != 'owner'",
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "id = @request.auth.id || @request.auth.role = 'admin'" }
  ]
}
"""#

@Suite struct ManageRuleBodyTests {
    /// PocketBase 0.40.6's answer to a create whose `verified` needs a manager the caller isn't.
    static let refused: JSON = [
        "data": ["verified": ["code": "validation_values_mismatch", "message": "Values don't match."]],
        "message": "Failed to create record.", "status": 400,
    ]

    func create(_ s: TestServer, _ email: String, role: String, verified: Bool?, token: String?, path: String = "") throws -> TestResponse {
        var body: JSONObject = ["email": .string(email), "password": "password-1", "passwordConfirm": "password-1", "role": .string(role)]
        if let verified { body["verified"] = .bool(verified) }
        return try s.request("POST", "/api/collections/members/records" + path, json: .object(body), token: token)
    }

    func signedIn(_ s: TestServer) throws -> (admin: String, plain: String) {
        let admin = try s.signUp("admin@example.com", in: "members", fields: ["role": "admin"])
        let plain = try s.signUp("plain@example.com", in: "members", fields: ["role": "member"])
        return (admin.token, plain.token)
    }

    @Test func create_ManageRuleReadsBody_AllowsAndRefusesLikePocketBase() throws {
        let s = try TestServer(schema: manageBodySchema); defer { s.stop() }
        let (admin, plain) = try signedIn(s)
        // The rule holds for this body: the manager may set verified, and sees the email it created.
        let member = try create(s, "m1@example.com", role: "member", verified: true, token: admin)
        #expect(member.status == 200, "\(member.text)")
        #expect(member.json["verified"]?.boolValue == true)
        #expect(member.json["email"]?.stringValue == "m1@example.com")
        // The body asks for an owner: the manageRule fails, so verified is refused.
        let owner = try create(s, "m2@example.com", role: "owner", verified: true, token: admin)
        #expect(owner.status == 400)
        #expect(owner.json == Self.refused, "\(owner.text)")
        // Without verified (or with false) no manager is needed; the email stays hidden, since
        // the manageRule (body included) does not hold for this request.
        for verified in [nil, false] as [Bool?] {
            let email = "m3\(verified == nil ? "a" : "b")@example.com"
            let plainOwner = try create(s, email, role: "owner", verified: verified, token: admin)
            #expect(plainOwner.status == 200, "\(plainOwner.text)")
            #expect(plainOwner.json["verified"]?.boolValue == false)
            #expect(plainOwner.json["role"]?.stringValue == "owner")
            #expect(plainOwner.json["email"] == nil, "\(plainOwner.text)")
        }
        // Non-managers are refused whatever the body says.
        for token in [plain, nil] as [String?] {
            let r = try create(s, "x\(token == nil ? "g" : "p")@example.com", role: "member", verified: true, token: token)
            #expect(r.json == Self.refused, "\(r.text)")
        }
        // Nothing refused was stored.
        let list = try s.request("GET", "/api/collections/members/records?perPage=50", token: try s.superuserToken())
        let emails = Set((list.json["items"]?.arrayValue ?? []).compactMap { $0["email"]?.stringValue })
        #expect(emails == ["admin@example.com", "plain@example.com", "m1@example.com", "m3a@example.com", "m3b@example.com"])
    }

    @Test func batchCreate_ManageRuleReadsBody() throws {
        let s = try TestServer(schema: manageBodySchema); defer { s.stop() }
        let (admin, _) = try signedIn(s)
        func batch(role: String) throws -> TestResponse {
            try s.request("POST", "/api/batch", json: ["requests": [[
                "method": "POST", "url": "/api/collections/members/records",
                "body": ["email": .string("b-\(role)@example.com"), "password": "password-1", "passwordConfirm": "password-1",
                         "role": .string(role), "verified": true],
            ]]], token: admin)
        }
        let ok = try batch(role: "member")
        #expect(ok.status == 200, "\(ok.text)")
        #expect(ok.json[0]?["body"]?["verified"]?.boolValue == true, "\(ok.text)")
        let refused = try batch(role: "owner")
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.json["data"]?["requests"]?["0"]?["response"]?["data"]?["verified"]?["code"]?.stringValue
                    == "validation_values_mismatch", "\(refused.text)")
    }

    @Test func update_ManageRuleReadsBody_LikePocketBase() throws {
        let s = try TestServer(schema: manageBodySchema); defer { s.stop() }
        let (admin, _) = try signedIn(s)
        let target = try s.signUp("m3@example.com", in: "members", fields: ["role": "member"])
        func patch(_ body: JSON) throws -> TestResponse {
            try s.request("PATCH", "/api/collections/members/records/\(target.id)", json: body, token: admin)
        }
        func mismatch(_ field: String) -> JSON {
            ["data": [.init(stringLiteral: field): ["code": "validation_values_mismatch", "message": "Values don't match."]],
             "message": "Failed to update record.", "status": 400]
        }
        // Manager rights hold for this body: verified may change, and the email is shown.
        let member = try patch(["verified": true, "role": "member"])
        #expect(member.status == 200, "\(member.text)")
        #expect(member.json["verified"]?.boolValue == true)
        #expect(member.json["email"]?.stringValue == "m3@example.com")
        // The body names an owner: no manager rights, so verified and email are refused.
        #expect(try patch(["verified": false, "role": "owner"]).json == mismatch("verified"))
        #expect(try patch(["email": "new@example.com", "role": "owner"]).json == mismatch("email"))
        let password = try patch(["password": "password-2", "passwordConfirm": "password-2", "role": "owner"])
        #expect(password.json["data"]?["oldPassword"]?["code"]?.stringValue == "validation_required", "\(password.text)")
        // A plain update to owner passes the update rule; the response hides the email.
        let owner = try patch(["role": "owner"])
        #expect(owner.status == 200, "\(owner.text)")
        #expect(owner.json["role"]?.stringValue == "owner")
        #expect(owner.json["email"] == nil, "\(owner.text)")
        // Back to member in the same request: a manager again, so the email may change.
        let moved = try patch(["email": "new@example.com", "role": "member"])
        #expect(moved.status == 200, "\(moved.text)")
        #expect(moved.json["email"]?.stringValue == "new@example.com")
    }
}
