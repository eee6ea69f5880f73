// Aerie — verification, password reset, email change and OTP end to end through the .eml outbox
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieCrypto
import AerieJSON
import AerieSQLite
import AerieTesting
import Foundation
import Testing

/// Auth collections for the mail flows: `users` (OTP on, admins manage others), `members`
/// (another collection, for token-mismatch checks) and `kiosks` (password auth off).
let flowSchema = #"""
{
  "collections": [
    { "name": "users", "type": "auth",
      "fields": [ { "name": "name", "type": "text" }, { "name": "role", "type": "text" } ],
      "otp": { "enabled": true, "duration": 300, "length": 6 },
      "manageRule": "@request.auth.role = 'admin'",
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": "id = @request.auth.id || @request.auth.role = 'admin'",
      "deleteRule": null },
    { "name": "members", "type": "auth", "fields": [], "createRule": "" },
    { "name": "kiosks", "type": "auth", "fields": [], "createRule": "", "passwordAuth": { "enabled": false } }
  ]
}
"""#

func flowServer() throws -> TestServer { try TestServer(schema: flowSchema) }

extension TestServer {
    func post(_ collection: String, _ action: String, _ body: JSON, token: String? = nil) throws -> TestResponse {
        try request("POST", "/api/collections/\(collection)/\(action)", json: body, token: token)
    }

    /// Logs in and returns the token, or nil when the login fails.
    func login(_ email: String, _ password: String, in collection: String = "users") throws -> String? {
        let r = try post(collection, "auth-with-password", ["identity": .string(email), "password": .string(password)])
        return r.status == 200 ? r.json["token"]?.stringValue : nil
    }

    /// The record as a superuser sees it.
    func record(_ id: String, in collection: String = "users") throws -> JSON {
        try request("GET", "/api/collections/\(collection)/records/\(id)", token: try superuserToken()).json
    }
}

@Suite struct AuthFlowTests {
    // MARK: - Verification

    @Test func verification_linkFromOutbox_verifiesTheRecord() throws {
        let server = try flowServer()
        defer { server.stop() }
        let alice = try server.signUp("alice@example.com")
        let r = try server.post("users", "request-verification", ["email": "alice@example.com"])
        #expect(r.status == 204, "\(r.text)")
        #expect(r.body.isEmpty)
        let mails = try server.outbox()
        #expect(mails.count == 1)
        let mail = try #require(mails.last)
        #expect(mail.header("To") == "<alice@example.com>")
        #expect(mail.header("Subject") == "Verify your Aerie email")
        let token = try #require(mail.token)
        #expect(claims(token)["type"]?.stringValue == "verification")
        #expect(claims(token)["email"]?.stringValue == "alice@example.com")

        let confirmed = try server.post("users", "confirm-verification", ["token": .string(token)])
        #expect(confirmed.status == 204, "\(confirmed.text)")
        #expect(try server.record(alice.id)["verified"]?.boolValue == true)
        // Verified: asking again sends nothing.
        #expect(try server.post("users", "request-verification", ["email": "alice@example.com"]).status == 204)
        #expect(try server.outbox().count == 1)
    }

    @Test func requestVerification_is204ForUnknownEmails_AndSendsNothing() throws {
        let server = try flowServer()
        defer { server.stop() }
        let r = try server.post("users", "request-verification", ["email": "nobody@example.com"])
        #expect(r.status == 204)
        #expect(try server.outbox().isEmpty)
    }

    @Test func requestVerification_sendsOncePerTwoMinutes() throws {
        let server = try flowServer()
        defer { server.stop() }
        _ = try server.signUp("bob@example.com")
        for _ in 0..<3 { #expect(try server.post("users", "request-verification", ["email": "BOB@example.com"]).status == 204) }
        #expect(try server.outbox().count == 1)
    }

    @Test(arguments: [
        (JSON.object([:]), "email", "validation_required"),
        (JSON.object(["email": "nope"]), "email", "validation_is_email"),
    ])
    func requestEndpoints_validateTheEmail(_ body: JSON, _ field: String, _ code: String) throws {
        let server = try flowServer()
        defer { server.stop() }
        for action in ["request-verification", "request-password-reset", "request-otp"] {
            let r = try server.post("users", action, body)
            #expect(r.status == 400, "\(action): \(r.text)")
            #expect(r.json["message"]?.stringValue == "An error occurred while validating the submitted data.")
            #expect(r.code(field) == code, "\(action): \(r.text)")
        }
    }

    @Test func confirmVerification_rejectsBadTokens() throws {
        let server = try flowServer()
        defer { server.stop() }
        let alice = try server.signUp("alice@example.com")
        _ = try server.signUp("m@example.com", in: "members")
        #expect(try server.post("users", "confirm-verification", [:]).code("token") == "validation_required")
        #expect(try server.post("users", "confirm-verification", ["token": "abc"]).code("token") == "validation_invalid_token_claims")
        // An auth token carries no email claim; a forged verification token has a bad signature.
        let auth = try server.post("users", "confirm-verification", ["token": .string(alice.token)])
        #expect(auth.code("token") == "validation_invalid_token_claims", "\(auth.text)")
        let key = try #require(try server.app.auth.signingKey(collection: "users", recordID: alice.id))
        let forged = JWT.sign(["id": .string(alice.id), "type": "verification", "collectionId": .string(try collectionID(server, "users")),
                               "email": "alice@example.com", "exp": .int(Timestamp.now().seconds + 600)], key: key)
        #expect(try server.post("users", "confirm-verification", ["token": .string(forged)]).code("token") == "validation_invalid_token",
                "signed with the auth secret instead of the verification secret")
        // A member's genuine token does not verify on /users.
        _ = try server.post("members", "request-verification", ["email": "m@example.com"])
        let memberToken = try #require(try server.outbox().last?.token)
        let mismatch = try server.post("users", "confirm-verification", ["token": .string(memberToken)])
        #expect(mismatch.code("token") == "validation_token_collection_mismatch", "\(mismatch.text)")
        #expect(try server.record(alice.id)["verified"]?.boolValue == false)
    }

    @Test func superusers_cannotUseVerification() throws {
        let server = try flowServer()
        defer { server.stop() }
        for action in ["request-verification", "confirm-verification"] {
            let r = try server.post("_superusers", action, ["email": "a@example.com", "token": "x"])
            #expect(r.status == 400)
            #expect(r.json["message"]?.stringValue == "All superusers are verified by default.")
        }
    }

    // MARK: - Password reset

    @Test func passwordReset_endsOldSessions_AndTheLinkWorksOnce() throws {
        let server = try flowServer()
        defer { server.stop() }
        let alice = try server.signUp("alice@example.com", password: "old-password-1")
        #expect(try server.post("users", "request-password-reset", ["email": "alice@example.com"]).status == 204)
        let token = try #require(try server.outbox().last?.token)
        #expect(claims(token)["type"]?.stringValue == "passwordReset")

        let mismatch = try server.post("users", "confirm-password-reset", ["token": .string(token), "password": "new-password-1", "passwordConfirm": "other-one-1"])
        #expect(mismatch.code("passwordConfirm") == "validation_values_mismatch")
        let short = try server.post("users", "confirm-password-reset", ["token": .string(token), "password": "short", "passwordConfirm": "short"])
        #expect(short.code("password") == "validation_length_out_of_range", "\(short.text)")
        #expect(short.json["data"]?["password"]?["message"]?.stringValue == "The length must be between 8 and 255.")

        let ok = try server.post("users", "confirm-password-reset", ["token": .string(token), "password": "new-password-1", "passwordConfirm": "new-password-1"])
        #expect(ok.status == 204, "\(ok.text)")
        #expect(try server.login("alice@example.com", "old-password-1") == nil)
        #expect(try server.login("alice@example.com", "new-password-1") != nil)
        // The old session and the reset link are both dead (tokenKey rotated).
        let refresh = try server.post("users", "auth-refresh", [:], token: alice.token)
        #expect(refresh.status == 401)
        let again = try server.post("users", "confirm-password-reset", ["token": .string(token), "password": "third-password-1", "passwordConfirm": "third-password-1"])
        #expect(again.code("token") == "validation_invalid_token")
        // The link came through the user's mailbox: the address is now verified.
        #expect(try server.record(alice.id)["verified"]?.boolValue == true)
    }

    @Test func passwordReset_isRefused_WhenPasswordAuthIsOff() throws {
        let server = try flowServer()
        defer { server.stop() }
        let r = try server.post("kiosks", "request-password-reset", ["email": "k@example.com"])
        #expect(r.status == 400)
        #expect(r.json["message"]?.stringValue == "The collection is not configured to allow password authentication.")
    }

    // MARK: - Email change

    @Test func emailChange_needsTheLinkAndThePassword() throws {
        let server = try flowServer()
        defer { server.stop() }
        let alice = try server.signUp("alice@example.com")
        _ = try server.signUp("taken@example.com")
        #expect(try server.post("users", "request-email-change", ["newEmail": "new@example.com"]).status == 401)
        #expect(try server.post("users", "request-email-change", ["newEmail": "alice@example.com"], token: alice.token).code("newEmail") == "validation_not_in_invalid")
        #expect(try server.post("users", "request-email-change", ["newEmail": "taken@example.com"], token: alice.token).code("newEmail") == "validation_invalid_new_email")

        let requested = try server.post("users", "request-email-change", ["newEmail": "new@example.com"], token: alice.token)
        #expect(requested.status == 204, "\(requested.text)")
        let mail = try #require(try server.outbox().last)
        #expect(mail.header("To") == "<new@example.com>", "the link goes to the new address")
        let token = try #require(mail.token)
        #expect(claims(token)["newEmail"]?.stringValue == "new@example.com")

        let wrong = try server.post("users", "confirm-email-change", ["token": .string(token), "password": "not-it-at-all"])
        #expect(wrong.code("password") == "validation_invalid_password")
        let ok = try server.post("users", "confirm-email-change", ["token": .string(token), "password": "password-1"])
        #expect(ok.status == 204, "\(ok.text)")
        let record = try server.record(alice.id)
        #expect(record["email"]?.stringValue == "new@example.com")
        #expect(record["verified"]?.boolValue == true)
        #expect(try server.post("users", "auth-refresh", [:], token: alice.token).status == 401, "old sessions end")
        #expect(try server.login("new@example.com", "password-1") != nil)
        #expect(try server.login("alice@example.com", "password-1") == nil)
    }

    @Test func requestEmailChange_is403_ForTokensOfAnotherCollection() throws {
        let server = try flowServer()
        defer { server.stop() }
        let member = try server.signUp("m@example.com", in: "members")
        let r = try server.post("users", "request-email-change", ["newEmail": "x@example.com"], token: member.token)
        #expect(r.status == 403)
        #expect(r.json["message"]?.stringValue == "The request requires auth record from members collection.")
    }

    // MARK: - OTP

    @Test func otp_signsIn_AndIsSingleUse() throws {
        let server = try flowServer()
        defer { server.stop() }
        let alice = try server.signUp("alice@example.com")
        let requested = try server.post("users", "request-otp", ["email": "alice@example.com"])
        #expect(requested.status == 200, "\(requested.text)")
        let otpID = try #require(requested.json["otpId"]?.stringValue)
        let otp = try #require(try server.outbox().last?.otp)
        #expect(otp.count == 6)
        let wrong = try server.post("users", "auth-with-otp", ["otpId": .string(otpID), "password": "not-it"])
        #expect(wrong.status == 400)
        #expect(wrong.json["message"]?.stringValue == "Invalid or expired OTP.")
        let ok = try server.post("users", "auth-with-otp", ["otpId": .string(otpID), "password": .string(otp)])
        #expect(ok.status == 200, "\(ok.text)")
        #expect(ok.json["record"]?["id"]?.stringValue == alice.id)
        #expect(ok.json["record"]?["verified"]?.boolValue == true, "the OTP went to the record's email")
        let token = try #require(ok.json["token"]?.stringValue)
        #expect(claims(token)["type"]?.stringValue == "auth")
        #expect(try server.post("users", "auth-with-otp", ["otpId": .string(otpID), "password": .string(otp)]).status == 400, "single use")
    }

    @Test func otp_forUnknownEmail_looksTheSame_ButNeverWorks() throws {
        let server = try flowServer()
        defer { server.stop() }
        let r = try server.post("users", "request-otp", ["email": "ghost@example.com"])
        #expect(r.status == 200)
        let id = try #require(r.json["otpId"]?.stringValue)
        #expect(id.count == 15)
        #expect(try server.outbox().isEmpty)
        #expect(try server.post("users", "auth-with-otp", ["otpId": .string(id), "password": "123456"]).status == 400)
    }

    @Test func otp_allowsFiveGuessesPerRecord_Then429() throws {
        let server = try flowServer()
        defer { server.stop() }
        _ = try server.signUp("alice@example.com")
        let id = try #require(try server.post("users", "request-otp", ["email": "alice@example.com"]).json["otpId"]?.stringValue)
        let otp = try #require(try server.outbox().last?.otp)
        for _ in 0..<5 { #expect(try server.post("users", "auth-with-otp", ["otpId": .string(id), "password": "000000x"]).status == 400) }
        let limited = try server.post("users", "auth-with-otp", ["otpId": .string(id), "password": .string(otp)])
        #expect(limited.status == 429, "\(limited.text)")
        #expect(limited.header("Retry-After").flatMap(Int.init) != nil)
    }

    @Test func otp_is403_WhenDisabled_AndAuthMethodsSaySo() throws {
        let server = try flowServer()
        defer { server.stop() }
        let r = try server.post("members", "request-otp", ["email": "m@example.com"])
        #expect(r.status == 403)
        #expect(r.json["message"]?.stringValue == "The collection is not configured to allow OTP authentication.")
        #expect(try server.post("members", "auth-with-otp", ["otpId": "x", "password": "y"]).status == 403)
        let methods = try server.request("GET", "/api/collections/users/auth-methods").json
        #expect(methods["otp"]?["enabled"]?.boolValue == true)
        #expect(methods["otp"]?["duration"]?.intValue == 300)
    }

    // MARK: - manageRule, login hardening

    @Test func manageRule_letsManagersChangeEmailVerifiedAndPassword_WithoutOldPassword() throws {
        let server = try flowServer()
        defer { server.stop() }
        let bob = try server.signUp("bob@example.com")
        let admin = try server.signUp("admin@example.com", fields: ["role": "admin"])
        let plain = try server.signUp("carol@example.com")
        let change: JSON = ["email": "bob2@example.com", "verified": true, "password": "brand-new-pass", "passwordConfirm": "brand-new-pass"]
        // Bob himself is not a manager: email/verified need manage rights, the password needs oldPassword.
        let own = try server.request("PATCH", "/api/collections/users/records/\(bob.id)", json: change, token: bob.token)
        #expect(own.status == 400, "\(own.text)")
        #expect(own.code("email") == "validation_values_mismatch")
        #expect(own.code("oldPassword") == "validation_required")
        // carol cannot even see the update rule pass.
        #expect(try server.request("PATCH", "/api/collections/users/records/\(bob.id)", json: change, token: plain.token).status == 404)
        let managed = try server.request("PATCH", "/api/collections/users/records/\(bob.id)", json: change, token: admin.token)
        #expect(managed.status == 200, "\(managed.text)")
        #expect(try server.record(bob.id)["verified"]?.boolValue == true)
        #expect(try server.login("bob2@example.com", "brand-new-pass") != nil)
    }

    @Test func manageRule_showsEmailsToManagers() throws {
        let server = try flowServer()
        defer { server.stop() }
        let bob = try server.signUp("bob@example.com")
        let admin = try server.signUp("admin@example.com", fields: ["role": "admin"])
        let carol = try server.signUp("carol@example.com")
        func emails(_ token: String) throws -> Set<String> {
            let items = try server.request("GET", "/api/collections/users/records", token: token).json["items"]?.arrayValue ?? []
            return Set(items.compactMap { $0["email"]?.stringValue })
        }
        #expect(try emails(admin.token) == ["bob@example.com", "admin@example.com", "carol@example.com"])
        #expect(try emails(carol.token) == ["carol@example.com"], "others' emails stay hidden from non-managers")
        let viewed = try server.request("GET", "/api/collections/users/records/\(bob.id)", token: admin.token)
        #expect(viewed.json["email"]?.stringValue == "bob@example.com")
        #expect(try server.request("GET", "/api/collections/users/records/\(bob.id)", token: carol.token).json["email"] == nil)
    }

    @Test func failedLogin_looksTheSame_ForUnknownIdentityAndWrongPassword() throws {
        let server = try flowServer()
        defer { server.stop() }
        _ = try server.signUp("alice@example.com")
        func attempt(_ identity: String) throws -> (TestResponse, Duration) {
            let clock = ContinuousClock()
            var response: TestResponse?
            let elapsed = try clock.measure {
                response = try server.post("users", "auth-with-password", ["identity": .string(identity), "password": "wrong-password"])
            }
            return (response!, elapsed)
        }
        var known: [Duration] = [], unknown: [Duration] = []
        for i in 0..<3 {
            let (a, ta) = try attempt("alice@example.com")
            let (b, tb) = try attempt("ghost\(i)@example.com")
            #expect(a.status == 400 && b.status == 400)
            #expect(a.body == b.body, "same envelope: \(a.text) vs \(b.text)")
            known.append(ta); unknown.append(tb)
        }
        // Both run one scrypt check; on a busy machine allow a wide margin, but not the ~100x of skipping it.
        let k = known.sorted()[1], u = unknown.sorted()[1]
        #expect(u * 4 > k && k * 4 > u, "median known \(k), unknown \(u)")
    }

    @Test func login_rehashesPassword_WhenStoredCostIsLower() throws {
        let server = try flowServer()
        defer { server.stop() }
        let alice = try server.signUp("alice@example.com")
        let weak = PasswordHash.make(password: "password-1", parameters: ScryptParameters(logN: 10, r: 8, p: 1))
        #expect(PasswordHash.needsRehash(weak))
        _ = try server.app.pool.write { db in
            try db.run(#"UPDATE "users" SET "password" = ? WHERE "id" = ?"#, [.text(weak), .text(alice.id)])
        }
        #expect(try server.login("alice@example.com", "password-1") != nil)
        let stored = try server.app.pool.read { db in try db.queryScalar(#"SELECT "password" FROM "users" WHERE "id" = ?"#, [.text(alice.id)]) }
        guard case .text(let hash)? = stored else { Issue.record("no hash"); return }
        #expect(hash != weak)
        #expect(!PasswordHash.needsRehash(hash))
        #expect(PasswordHash.verify(password: "password-1", encoded: hash))
    }

    @Test func tokenDurations_comeFromSettings_WhenSet() throws {
        let server = try flowServer()
        defer { server.stop() }
        try server.app.settings.update { s in s.set("tokens.auth", 600) }
        let alice = try server.signUp("alice@example.com")
        let exp = try #require(claims(alice.token)["exp"]?.intValue)
        #expect(abs(exp - (Timestamp.now().seconds + 600)) <= 5)
    }
}

/// The id of a collection of the server's schema.
func collectionID(_ server: TestServer, _ name: String) throws -> String {
    try #require(server.app.schema.collection(name)?.id)
}
