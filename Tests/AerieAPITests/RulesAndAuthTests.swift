// Aerie — black-box tests of rules, superuser login and tokens
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieTesting
import Testing

@Suite struct RulesAndAuthTests {
    @Test func nullRules_AreSuperuserOnly() throws {
        let s = try blogServer(); defer { s.stop() }
        for (method, path) in [("GET", "/api/collections/secrets/records"), ("GET", "/api/collections/secrets/records/aaaaaaaaaaaaaaa"),
                               ("POST", "/api/collections/secrets/records"), ("PATCH", "/api/collections/secrets/records/aaaaaaaaaaaaaaa"),
                               ("DELETE", "/api/collections/secrets/records/aaaaaaaaaaaaaaa")] {
            let r = try s.request(method, path, json: method == "POST" || method == "PATCH" ? ["value": "x"] : nil)
            #expect(r.status == 403, "\(method) \(path)")
            #expect(r.json == ["data": [:], "message": "Only superusers can perform this action.", "status": 403])
        }
        let token = try s.superuserToken()
        let created = try s.request("POST", "/api/collections/secrets/records", json: ["value": "top"], token: token)
        #expect(created.status == 200)
        let id = created.json["id"]?.stringValue ?? ""
        #expect(try s.request("GET", "/api/collections/secrets/records/\(id)", token: token).json["value"] == "top")
        #expect(try s.request("GET", "/api/collections/secrets/records", token: "Bearer \(token)").json["totalItems"] == 1)
        #expect(try s.request("DELETE", "/api/collections/secrets/records/\(id)", token: token).status == 204)
    }

    @Test func expressionRules_FilterGuestsOut() throws {
        let s = try blogServer(); defer { s.stop() }
        let token = try s.superuserToken()
        #expect(try s.request("POST", "/api/collections/guarded/records", json: ["value": "x"], token: token).status == 200)
        let guest = try s.request("GET", "/api/collections/guarded/records")
        #expect(guest.status == 200)
        #expect(guest.json["totalItems"] == 0, "@request.auth.id != '' hides every row from guests")
        #expect(try s.request("POST", "/api/collections/guarded/records", json: ["value": "y"]).status == 400)
        #expect(try s.request("GET", "/api/collections/guarded/records", token: token).json["totalItems"] == 1)
    }

    @Test func superuserLogin_ReturnsTokenAndRecord() throws {
        let s = try blogServer(); defer { s.stop() }
        try s.ensureSuperuser()
        let r = try s.request("POST", "/api/collections/_superusers/auth-with-password",
                              json: ["identity": .string(TestServer.superuserEmail), "password": .string(TestServer.superuserPassword)])
        #expect(r.status == 200)
        #expect(r.json["record"]?["email"] == .string(TestServer.superuserEmail))
        #expect(r.json["record"]?["collectionName"] == "_superusers")
        #expect(r.json["record"]?["verified"] == true)
        #expect(r.json["record"]?["password"] == nil)
        #expect(r.json["record"]?["tokenKey"] == nil)
        let token = r.json["token"]?.stringValue ?? ""
        #expect(token.split(separator: ".").count == 3)
        let health = try s.request("GET", "/api/health", token: token)
        #expect(health.json["data"]?["canBackup"] == true)
    }

    @Test(arguments: [
        (["identity": "admin@example.com", "password": "wrong-password"] as JSONObject, 400, "Failed to authenticate."),
        (["identity": "nobody@example.com", "password": "whatever-123"] as JSONObject, 400, "Failed to authenticate."),
        (["password": "x"] as JSONObject, 400, "An error occurred while validating the submitted data."),
    ] as [(JSONObject, Int, String)])
    func superuserLogin_Failures(_ body: JSONObject, _ status: Int, _ message: String) throws {
        let s = try blogServer(); defer { s.stop() }
        try s.ensureSuperuser()
        let r = try s.request("POST", "/api/collections/_superusers/auth-with-password", json: .object(body))
        #expect(r.status == status)
        #expect(r.json["message"] == .string(message))
    }

    @Test func authWithPassword_OnBaseCollectionIs404() throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("POST", "/api/collections/posts/auth-with-password", json: ["identity": "a", "password": "b"])
        #expect(r.status == 404)
        #expect(r.json["message"] == "Missing or invalid auth collection context.")
    }

    @Test(arguments: ["garbage", "a.b.c", "Bearer ", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpZCI6IngiLCJ0eXBlIjoiYXV0aCJ9."])
    func invalidTokens_AreGuests(_ token: String) throws {
        let s = try blogServer(); defer { s.stop() }
        let r = try s.request("GET", "/api/collections/secrets/records", token: token)
        #expect(r.status == 403)
    }

    @Test func tamperedSignature_IsGuest() throws {
        let s = try blogServer(); defer { s.stop() }
        let token = try s.superuserToken()
        #expect(try s.request("GET", "/api/collections/secrets/records", token: token).status == 200)
        // Flip one character in the middle of the signature (the last one may only carry padding bits).
        var chars = Array(token)
        let i = chars.count - 10
        chars[i] = chars[i] == "A" ? "B" : "A"
        #expect(try s.request("GET", "/api/collections/secrets/records", token: String(chars)).status == 403)
    }

    @Test func authCollection_SignUpLoginAndEmailVisibility() throws {
        let s = try blogServer(); defer { s.stop() }
        let mismatch = try s.request("POST", "/api/collections/users/records",
                                     json: ["email": "u@example.com", "password": "password-1", "passwordConfirm": "password-2"])
        #expect(mismatch.status == 400)
        #expect(mismatch.code("passwordConfirm") == "validation_values_mismatch")
        let short = try s.request("POST", "/api/collections/users/records", json: ["email": "u@example.com", "password": "short", "passwordConfirm": "short"])
        #expect(short.code("password") == "validation_min_text_constraint")
        let created = try s.request("POST", "/api/collections/users/records",
                                    json: ["email": "u@example.com", "password": "password-1", "passwordConfirm": "password-1", "name": "U"])
        #expect(created.status == 200, "\(created.text)")
        #expect(created.json["password"] == nil)
        #expect(created.json["tokenKey"] == nil)
        #expect(created.json["email"] == nil, "email hidden unless emailVisibility")
        #expect(created.json["verified"] == false)
        let dup = try s.request("POST", "/api/collections/users/records",
                                json: ["email": "u@example.com", "password": "password-1", "passwordConfirm": "password-1"])
        #expect(dup.code("email") == "validation_not_unique")
        let login = try s.request("POST", "/api/collections/users/auth-with-password", json: ["identity": "U@example.com", "password": "password-1"])
        #expect(login.status == 200, "\(login.text)")
        #expect(login.json["record"]?["email"] == "u@example.com", "auth responses include the email")
        let token = login.json["token"]?.stringValue ?? ""
        #expect(try s.request("GET", "/api/collections/secrets/records", token: token).status == 403, "a user is not a superuser")
        let id = created.json["id"]?.stringValue ?? ""
        let asSuper = try s.request("GET", "/api/collections/users/records/\(id)", token: try s.superuserToken())
        #expect(asSuper.json["email"] == "u@example.com")
    }
}
