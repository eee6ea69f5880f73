// Aerie — black-box tests of auth-methods, auth-refresh, impersonate and the last-superuser guard
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieJSON
import AerieTesting
import Testing

/// Auth collections with different options, and a note collection only signed-in callers see.
let authSchema = #"""
{
  "collections": [
    { "name": "users", "type": "auth",
      "fields": [ { "name": "name", "type": "text" }, { "name": "username", "type": "text" } ],
      "indexes": [ "CREATE UNIQUE INDEX idx_users_username ON users (username) WHERE username != ''" ],
      "passwordAuth": { "enabled": true, "identityFields": ["email", "username"] },
      "authRule": "name != 'blocked'",
      "listRule": "", "viewRule": "", "createRule": "", "updateRule": null, "deleteRule": null },
    { "name": "members", "type": "auth", "fields": [], "createRule": "", "authToken": { "duration": 3600 } },
    { "name": "kiosks", "type": "auth", "fields": [], "passwordAuth": { "enabled": false } },
    { "name": "notes", "fields": [ { "name": "text", "type": "text" } ], "listRule": "@request.auth.id != ''" }
  ]
}
"""#

/// Starts a server on `authSchema`.
func authServer() throws -> TestServer { try TestServer(schema: authSchema) }

/// A signed-up, logged-in auth record.
struct SignedIn {
    var id: String
    var token: String
}

extension TestServer {
    /// Signs `email` up in `collection` through the records API and logs in with its password.
    func signUp(_ email: String, in collection: String = "users", password: String = "password-1",
                fields: JSONObject = [:]) throws -> SignedIn {
        var body = fields
        body["email"] = .string(email)
        body["password"] = .string(password)
        body["passwordConfirm"] = .string(password)
        let created = try request("POST", "/api/collections/\(collection)/records", json: .object(body))
        guard created.status == 200, let id = created.json["id"]?.stringValue else {
            throw CoreError.internal(detail: "sign-up failed: \(created.status) \(created.text)")
        }
        let login = try request("POST", "/api/collections/\(collection)/auth-with-password",
                                json: ["identity": .string(email), "password": .string(password)])
        guard login.status == 200, let token = login.json["token"]?.stringValue else {
            throw CoreError.internal(detail: "login failed: \(login.status) \(login.text)")
        }
        return SignedIn(id: id, token: token)
    }
}

/// The verified-or-not claims of a token, for checking what the server issued.
func claims(_ token: String) -> JSONObject { JWT.unverifiedClaims(token) ?? [:] }

@Suite struct AuthEndpointsTests {
    // MARK: - auth-methods

    @Test(arguments: [
        ("members", #"{"password":{"identityFields":["email"],"enabled":true},"oauth2":{"providers":[],"enabled":false},"mfa":{"enabled":false,"duration":0},"otp":{"enabled":false,"duration":0},"authProviders":[],"usernamePassword":false,"emailPassword":true}"#),
        ("_superusers", #"{"password":{"identityFields":["email"],"enabled":true},"oauth2":{"providers":[],"enabled":false},"mfa":{"enabled":false,"duration":0},"otp":{"enabled":false,"duration":0},"authProviders":[],"usernamePassword":false,"emailPassword":true}"#),
        ("users", #"{"password":{"identityFields":["email","username"],"enabled":true},"oauth2":{"providers":[],"enabled":false},"mfa":{"enabled":false,"duration":0},"otp":{"enabled":false,"duration":0},"authProviders":[],"usernamePassword":true,"emailPassword":true}"#),
        ("kiosks", #"{"password":{"identityFields":[],"enabled":false},"oauth2":{"providers":[],"enabled":false},"mfa":{"enabled":false,"duration":0},"otp":{"enabled":false,"duration":0},"authProviders":[],"usernamePassword":false,"emailPassword":false}"#),
    ])
    func authMethods_isPocketBaseObject_ForEachPasswordSetup(_ collection: String, _ expected: String) throws {
        let s = try authServer(); defer { s.stop() }
        let r = try s.request("GET", "/api/collections/\(collection)/auth-methods")
        #expect(r.status == 200)
        #expect(r.header("content-type") == "application/json")
        #expect(r.text == expected)
    }

    @Test func authMethods_answersByCollectionIDToo() throws {
        let s = try authServer(); defer { s.stop() }
        let r = try s.request("GET", "/api/collections/pbc_3142635823/auth-methods")
        #expect(r.status == 200)
        #expect(r.json["password"]?["enabled"] == true)
    }

    @Test(arguments: ["notes", "nope"])
    func authMethods_is404_WhenNotAnAuthCollection(_ collection: String) throws {
        let s = try authServer(); defer { s.stop() }
        let r = try s.request("GET", "/api/collections/\(collection)/auth-methods")
        #expect(r.status == 404)
        #expect(r.json == ["data": [:], "message": "Missing or invalid auth collection context.", "status": 404])
    }

    // MARK: - auth-refresh

    @Test func authRefresh_is401_ForGuests() throws {
        let s = try authServer(); defer { s.stop() }
        for path in ["/api/collections/users/auth-refresh", "/api/collections/notes/auth-refresh", "/api/collections/nope/auth-refresh"] {
            let r = try s.request("POST", path)
            #expect(r.status == 401, "\(path)")
            #expect(r.json == ["data": [:], "message": "The request requires valid record authorization token.", "status": 401])
        }
    }

    @Test func authRefresh_returnsFreshRecordAndWorkingToken() throws {
        let s = try authServer(); defer { s.stop() }
        let alice = try s.signUp("alice@example.com", fields: ["name": "Alice"])
        // Changed behind the token's back: refresh must show the stored record, not the token's view of it.
        let renamed = try s.request("PATCH", "/api/collections/users/records/\(alice.id)", json: ["name": "Alice B."], token: try s.superuserToken())
        #expect(renamed.status == 200)

        let r = try s.request("POST", "/api/collections/users/auth-refresh", token: "Bearer " + alice.token)
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["record"]?["id"] == .string(alice.id))
        #expect(r.json["record"]?["name"] == "Alice B.")
        #expect(r.json["record"]?["email"] == "alice@example.com", "auth responses include the email")
        #expect(r.json["record"]?["tokenKey"] == nil)
        #expect(r.json["record"]?["password"] == nil)
        let token = r.json["token"]?.stringValue ?? ""
        #expect(claims(token)["refreshable"] == true)
        #expect(claims(token)["id"] == .string(alice.id))
        #expect(try s.request("POST", "/api/collections/users/auth-refresh", token: token).status == 200, "the new token works")
    }

    @Test func authRefresh_issuesNewExpiry_WhenTokenIsRefreshable() throws {
        let s = try authServer(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com", in: "members")
        let key = try #require(try s.app.auth.signingKey(collection: "members", recordID: bob.id))
        let now = Timestamp.now().seconds
        let membersID = try #require(claims(bob.token)["collectionId"]?.stringValue)
        let shortLived = JWT.sign(["collectionId": .string(membersID), "exp": .int(now + 100), "id": .string(bob.id),
                                   "refreshable": true, "type": "auth"], key: key)
        let r = try s.request("POST", "/api/collections/members/auth-refresh", token: shortLived)
        let after = Timestamp.now().seconds
        #expect(r.status == 200, "\(r.text)")
        let token = r.json["token"]?.stringValue ?? ""
        #expect(token != shortLived)
        let exp = claims(token)["exp"]?.intValue ?? 0
        #expect(exp >= now + 3600 && exp <= after + 3601, "members' authToken.duration is 3600 s")
    }

    @Test func authRefresh_returnsSameToken_WhenNotRefreshable() throws {
        let s = try authServer(); defer { s.stop() }
        let alice = try s.signUp("alice@example.com")
        let impersonated = try s.request("POST", "/api/collections/users/impersonate/\(alice.id)", token: try s.superuserToken())
        let token = try #require(impersonated.json["token"]?.stringValue)
        let r = try s.request("POST", "/api/collections/users/auth-refresh", token: token)
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["token"]?.stringValue == token)
        #expect(r.json["record"]?["id"] == .string(alice.id))
    }

    @Test func authRefresh_is403_ForTokenOfAnotherCollection() throws {
        let s = try authServer(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com", in: "members")
        let r = try s.request("POST", "/api/collections/users/auth-refresh", token: bob.token)
        #expect(r.status == 403)
        // PocketBase names the token's collection, not the one in the path.
        #expect(r.json == ["data": [:], "message": "The request requires auth record from members collection.", "status": 403])

        let asSuperuser = try s.request("POST", "/api/collections/users/auth-refresh", token: try s.superuserToken())
        #expect(asSuperuser.status == 403)
        #expect(asSuperuser.json["message"] == "The request requires auth record from _superusers collection.")

        let onBase = try s.request("POST", "/api/collections/notes/auth-refresh", token: bob.token)
        #expect(onBase.status == 403)
    }

    @Test func authRefresh_worksForSuperusers() throws {
        let s = try authServer(); defer { s.stop() }
        let r = try s.request("POST", "/api/collections/_superusers/auth-refresh", token: try s.superuserToken())
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["record"]?["email"] == .string(TestServer.superuserEmail))
    }

    @Test func authRefresh_is403_WhenAuthRuleNoLongerHolds() throws {
        let s = try authServer(); defer { s.stop() }
        let alice = try s.signUp("alice@example.com", fields: ["name": "Alice"])
        #expect(try s.request("POST", "/api/collections/users/auth-refresh", token: alice.token).status == 200)
        let blocked = try s.request("PATCH", "/api/collections/users/records/\(alice.id)", json: ["name": "blocked"], token: try s.superuserToken())
        #expect(blocked.status == 200)
        let r = try s.request("POST", "/api/collections/users/auth-refresh", token: alice.token)
        #expect(r.status == 403)
        #expect(r.json["message"] == "The request doesn't satisfy the collection requirements to authenticate.")
    }

    // MARK: - impersonate

    @Test func impersonate_is401ForGuests_And403ForNonSuperusers() throws {
        let s = try authServer(); defer { s.stop() }
        let alice = try s.signUp("alice@example.com")
        let guest = try s.request("POST", "/api/collections/users/impersonate/\(alice.id)")
        #expect(guest.status == 401)
        #expect(guest.json["message"] == "The request requires valid record authorization token.")
        let user = try s.request("POST", "/api/collections/users/impersonate/\(alice.id)", token: alice.token)
        #expect(user.status == 403)
        #expect(user.json == ["data": [:], "message": "The authorized record is not allowed to perform this action.", "status": 403])
        // Authorization is decided before the body is read.
        let badBody = try s.request("POST", "/api/collections/users/impersonate/\(alice.id)", body: "{", contentType: "application/json", token: alice.token)
        #expect(badBody.status == 403)
    }

    @Test func impersonate_issuesNonRefreshableTokenWithCollectionDuration() throws {
        let s = try authServer(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com", in: "members")
        let superuser = try s.superuserToken()
        let now = Timestamp.now().seconds
        let r = try s.request("POST", "/api/collections/members/impersonate/\(bob.id)", token: superuser)
        let after = Timestamp.now().seconds
        #expect(r.status == 200, "\(r.text)")
        #expect(r.json["record"]?["id"] == .string(bob.id))
        #expect(r.json["record"]?["email"] == "bob@example.com")
        let token = r.json["token"]?.stringValue ?? ""
        #expect(claims(token)["refreshable"] == false)
        #expect(claims(token)["type"] == "auth")
        let exp = claims(token)["exp"]?.intValue ?? 0
        // Bounded by the clock before and after the request, so a slow machine cannot fail it.
        #expect(exp >= now + 3600 && exp <= after + 3601)
        // The token authenticates as bob.
        let notes = try s.request("GET", "/api/collections/notes/records", token: token)
        #expect(notes.status == 200)
        let refreshed = try s.request("POST", "/api/collections/members/auth-refresh", token: token)
        #expect(refreshed.json["record"]?["id"] == .string(bob.id))
    }

    @Test(arguments: [(["duration": 120] as JSONObject, 120), (["duration": 0] as JSONObject, 3600), ([:] as JSONObject, 3600)] as [(JSONObject, Int64)])
    func impersonate_honoursDuration(_ body: JSONObject, _ seconds: Int64) throws {
        let s = try authServer(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com", in: "members")
        let superuser = try s.superuserToken()
        let now = Timestamp.now().seconds
        let r = try s.request("POST", "/api/collections/members/impersonate/\(bob.id)", json: .object(body), token: superuser)
        let after = Timestamp.now().seconds
        #expect(r.status == 200, "\(r.text)")
        let exp = claims(r.json["token"]?.stringValue ?? "")["exp"]?.intValue ?? 0
        #expect(exp >= now + seconds && exp <= after + seconds + 1)
    }

    @Test func impersonate_acceptsFormBody() throws {
        let s = try authServer(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com", in: "members")
        let superuser = try s.superuserToken()
        let now = Timestamp.now().seconds
        let r = try s.request("POST", "/api/collections/members/impersonate/\(bob.id)", body: "duration=60",
                              contentType: "application/x-www-form-urlencoded", token: superuser)
        let after = Timestamp.now().seconds
        #expect(r.status == 200, "\(r.text)")
        let exp = claims(r.json["token"]?.stringValue ?? "")["exp"]?.intValue ?? 0
        #expect(exp >= now + 60 && exp <= after + 61)
    }

    @Test(arguments: [
        (["duration": -1] as JSONObject, "An error occurred while validating the submitted data.", "validation_min_greater_equal_than_required"),
        (["duration": 94_670_857] as JSONObject, "An error occurred while validating the submitted data.", "validation_max_less_equal_than_required"),
        (["duration": "60"] as JSONObject, "An error occurred while loading the submitted data.", nil),
        (["duration": 1.5] as JSONObject, "An error occurred while loading the submitted data.", nil),
    ] as [(JSONObject, String, String?)])
    func impersonate_is400_ForBadDuration(_ body: JSONObject, _ message: String, _ code: String?) throws {
        let s = try authServer(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com", in: "members")
        let r = try s.request("POST", "/api/collections/members/impersonate/\(bob.id)", json: .object(body), token: try s.superuserToken())
        #expect(r.status == 400)
        #expect(r.json["message"] == .string(message))
        #expect(r.code("duration") == code)
    }

    @Test func impersonate_is404_ForUnknownRecordOrNonAuthCollection() throws {
        let s = try authServer(); defer { s.stop() }
        let token = try s.superuserToken()
        let missing = try s.request("POST", "/api/collections/users/impersonate/aaaaaaaaaaaaaaa", token: token)
        #expect(missing.status == 404)
        #expect(missing.json["message"] == "The requested resource wasn't found.")
        let base = try s.request("POST", "/api/collections/notes/impersonate/aaaaaaaaaaaaaaa", token: token)
        #expect(base.status == 404)
        #expect(base.json["message"] == "Missing or invalid auth collection context.")
    }

    @Test func impersonate_ignoresAuthRule() throws {
        let s = try authServer(); defer { s.stop() }
        let alice = try s.signUp("alice@example.com")
        let token = try s.superuserToken()
        #expect(try s.request("PATCH", "/api/collections/users/records/\(alice.id)", json: ["name": "blocked"], token: token).status == 200)
        let login = try s.request("POST", "/api/collections/users/auth-with-password", json: ["identity": "alice@example.com", "password": "password-1"])
        #expect(login.status == 403, "authRule refuses her own login")
        let r = try s.request("POST", "/api/collections/users/impersonate/\(alice.id)", token: token)
        #expect(r.status == 200, "\(r.text)")
    }

    @Test func impersonate_superuserCanImpersonateAnotherSuperuser() throws {
        let s = try authServer(); defer { s.stop() }
        let token = try s.superuserToken()
        let other = try s.request("POST", "/api/collections/_superusers/records", json: [
            "email": "second@example.com", "password": "second-password", "passwordConfirm": "second-password",
        ], token: token)
        let id = try #require(other.json["id"]?.stringValue)
        let r = try s.request("POST", "/api/collections/_superusers/impersonate/\(id)", token: token)
        #expect(r.status == 200, "\(r.text)")
        let impersonated = r.json["token"]?.stringValue ?? ""
        #expect(try s.request("GET", "/api/health", token: impersonated).json["data"]?["canBackup"] == true)
    }

    // MARK: - last superuser

    @Test func deletingLastSuperuserThroughAPI_is400_ButAnyOtherIs204() throws {
        let s = try authServer(); defer { s.stop() }
        let token = try s.superuserToken()
        let me = try #require(claims(token)["id"]?.stringValue)
        let last = try s.request("DELETE", "/api/collections/_superusers/records/\(me)", token: token)
        #expect(last.status == 400)
        #expect(last.json["message"] == "Failed to delete record. Make sure that the record is not part of a required relation reference.")
        #expect(try s.request("GET", "/api/collections/_superusers/records/\(me)", token: token).status == 200, "still there")

        let other = try s.request("POST", "/api/collections/_superusers/records", json: [
            "email": "second@example.com", "password": "second-password", "passwordConfirm": "second-password",
        ], token: token)
        let otherID = try #require(other.json["id"]?.stringValue)
        // By id of the collection, too: the guard resolves names and ids alike.
        #expect(try s.request("DELETE", "/api/collections/pbc_3142635823/records/\(me)", token: token).status == 204)
        let secondLogin = try s.request("POST", "/api/collections/_superusers/auth-with-password",
                                        json: ["identity": "second@example.com", "password": "second-password"])
        let secondToken = try #require(secondLogin.json["token"]?.stringValue)
        let again = try s.request("DELETE", "/api/collections/_superusers/records/\(otherID)", token: secondToken)
        #expect(again.status == 400, "now it is the last one")
    }

    @Test func deletingSuperuser_asGuestOrUser_isStill403_AndUnknownIdIs404() throws {
        let s = try authServer(); defer { s.stop() }
        let token = try s.superuserToken()
        let me = try #require(claims(token)["id"]?.stringValue)
        let alice = try s.signUp("alice@example.com")
        #expect(try s.request("DELETE", "/api/collections/_superusers/records/\(me)").status == 403)
        #expect(try s.request("DELETE", "/api/collections/_superusers/records/\(me)", token: alice.token).status == 403)
        #expect(try s.request("DELETE", "/api/collections/_superusers/records/aaaaaaaaaaaaaaa", token: token).status == 404)
    }
}
