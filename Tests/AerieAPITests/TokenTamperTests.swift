// Aerie — a token tamper suite: forged, altered, expired, foreign and revoked tokens (spec §1.6, §9.5)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieJSON
import AerieTesting
import Testing

/// One way to spoil a valid token. Each case changes exactly one thing, so a pass proves that
/// particular check exists rather than some other check catching it by accident.
enum Tamper: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case algNoneUnsigned, algNoneWithSignature, hs512Header, headerWithoutAlg
    case alteredPayload, alteredSignature, signatureRemoved, extraSegment
    case expired, noExpiry, fileType, verificationType
    case otherRecordsKey, claimsOtherCollection, claimsBaseCollection, unknownRecord, emptyID

    var testDescription: String { rawValue }
}

/// What the forgery needs: a valid token of `alice` and the keys that sign her and `carol`'s tokens.
struct TamperKit {
    var valid: String
    var aliceID: String
    var carolID: String
    var usersID: String
    var membersID: String
    var notesID: String
    var aliceKey: String
    var carolKey: String

    func claims(id: String? = nil, collection: String? = nil, type: String = "auth", exp: Int64? = nil, hasExp: Bool = true) -> JSONObject {
        var c: JSONObject = ["collectionId": .string(collection ?? usersID), "id": .string(id ?? aliceID),
                             "refreshable": true, "type": .string(type)]
        if hasExp { c["exp"] = .int(exp ?? Timestamp.now().seconds + 3600) }
        return c
    }

    func token(_ tamper: Tamper) -> String {
        let parts = valid.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let encode = { (s: String) in Base64.encode(Array(s.utf8), url: true, padded: false) }
        switch tamper {
        case .algNoneUnsigned:
            return encode(#"{"alg":"none","typ":"JWT"}"#) + "." + parts[1] + "."
        case .algNoneWithSignature:
            return encode(#"{"alg":"none","typ":"JWT"}"#) + "." + parts[1] + "." + parts[2]
        case .hs512Header:
            // Correctly keyed HMAC over a header that claims another algorithm: only the alg check can refuse it.
            return JWT.sign(rawHeader: #"{"alg":"HS512","typ":"JWT"}"#, claims: claims(), key: aliceKey)
        case .headerWithoutAlg:
            return JWT.sign(rawHeader: #"{"typ":"JWT"}"#, claims: claims(), key: aliceKey)
        case .alteredPayload:
            // Same signature, payload naming another record.
            return parts[0] + "." + encode(String(decoding: JSON.object(claims(id: carolID)).serialized(), as: UTF8.self)) + "." + parts[2]
        case .alteredSignature:
            var chars = Array(parts[2])
            let i = chars.count / 2
            chars[i] = chars[i] == "A" ? "B" : "A"
            return parts[0] + "." + parts[1] + "." + String(chars)
        case .signatureRemoved:
            return parts[0] + "." + parts[1] + "."
        case .extraSegment:
            return valid + "." + parts[2]
        case .expired:
            return JWT.sign(claims(exp: Timestamp.now().seconds - 5), key: aliceKey)
        case .noExpiry:
            return JWT.sign(claims(hasExp: false), key: aliceKey)
        case .fileType:
            return JWT.sign(claims(type: "file"), key: aliceKey)
        case .verificationType:
            return JWT.sign(claims(type: "verification"), key: aliceKey)
        case .otherRecordsKey:
            return JWT.sign(claims(), key: carolKey)
        case .claimsOtherCollection:
            return JWT.sign(claims(collection: membersID), key: aliceKey)
        case .claimsBaseCollection:
            return JWT.sign(claims(collection: notesID), key: aliceKey)
        case .unknownRecord:
            return JWT.sign(claims(id: "aaaaaaaaaaaaaaa"), key: aliceKey)
        case .emptyID:
            return JWT.sign(claims(id: ""), key: aliceKey)
        }
    }
}

@Suite struct TokenTamperTests {
    /// A server with alice and carol in `users`, one note only signed-in callers can list, and the forging kit.
    func setUp() throws -> (TestServer, TamperKit) {
        let s = try authServer()
        do {
            let alice = try s.signUp("alice@example.com")
            let carol = try s.signUp("carol@example.com")
            let note = try s.request("POST", "/api/collections/notes/records", json: ["text": "hi"], token: try s.superuserToken())
            guard note.status == 200, let notesID = note.json["collectionId"]?.stringValue,
                  let usersID = claims(alice.token)["collectionId"]?.stringValue,
                  let membersID = s.app.schema.collection("members")?.id,
                  let aliceKey = try s.app.auth.signingKey(collection: "users", recordID: alice.id),
                  let carolKey = try s.app.auth.signingKey(collection: "users", recordID: carol.id) else {
                throw CoreError.internal(detail: "tamper setup failed")
            }
            return (s, TamperKit(valid: alice.token, aliceID: alice.id, carolID: carol.id, usersID: usersID, membersID: membersID,
                                 notesID: notesID, aliceKey: aliceKey, carolKey: carolKey))
        } catch {
            s.stop()
            throw error
        }
    }

    /// Asserts the token authenticates nobody: auth-refresh answers 401 and a signed-in-only list is empty.
    func expectGuest(_ s: TestServer, _ token: String, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let refresh = try s.request("POST", "/api/collections/users/auth-refresh", token: token)
        #expect(refresh.status == 401, comment, sourceLocation: sourceLocation)
        #expect(refresh.json["message"] == "The request requires valid record authorization token.", comment, sourceLocation: sourceLocation)
        let notes = try s.request("GET", "/api/collections/notes/records", token: token)
        #expect(notes.status == 200, comment, sourceLocation: sourceLocation)
        #expect(notes.json["totalItems"] == 0, comment, sourceLocation: sourceLocation)
    }

    @Test func validToken_authenticates() throws {
        let (s, kit) = try setUp(); defer { s.stop() }
        #expect(try s.request("POST", "/api/collections/users/auth-refresh", token: kit.valid).status == 200)
        #expect(try s.request("GET", "/api/collections/notes/records", token: kit.valid).json["totalItems"] == 1)
        // A token the kit signs without any flaw is accepted too, so the failures below are the flaws' doing.
        let forged = JWT.sign(kit.claims(), key: kit.aliceKey)
        #expect(try s.request("POST", "/api/collections/users/auth-refresh", token: forged).status == 200)
    }

    @Test(arguments: Tamper.allCases)
    func tamperedToken_isGuest(_ tamper: Tamper) throws {
        let (s, kit) = try setUp(); defer { s.stop() }
        try expectGuest(s, kit.token(tamper), "\(tamper)")
        try expectGuest(s, "Bearer " + kit.token(tamper), "Bearer \(tamper)")
    }

    @Test func tokenOfAnotherCollection_is403OnCollectionEndpoint_ButAuthenticatesElsewhere() throws {
        let (s, _) = try setUp(); defer { s.stop() }
        let bob = try s.signUp("bob@example.com", in: "members")
        let r = try s.request("POST", "/api/collections/users/auth-refresh", token: bob.token)
        #expect(r.status == 403)
        #expect(r.json["message"] == "The request requires auth record from members collection.")
        #expect(try s.request("GET", "/api/collections/notes/records", token: bob.token).json["totalItems"] == 1,
                "it is a valid token, only not for that collection")
    }

    @Test func token_isRevoked_AfterPasswordChange() throws {
        let (s, kit) = try setUp(); defer { s.stop() }
        let changed = try s.request("PATCH", "/api/collections/users/records/\(kit.aliceID)",
                                    json: ["password": "password-2", "passwordConfirm": "password-2"], token: try s.superuserToken())
        #expect(changed.status == 200, "\(changed.text)")
        try expectGuest(s, kit.valid, "old token after password change")
        let again = try s.request("POST", "/api/collections/users/auth-with-password", json: ["identity": "alice@example.com", "password": "password-2"])
        #expect(again.status == 200, "the new password works")
        #expect(try s.request("POST", "/api/collections/users/auth-refresh", token: again.json["token"]?.stringValue ?? "").status == 200)
    }

    @Test func token_isRevoked_AfterEmailChange() throws {
        let (s, kit) = try setUp(); defer { s.stop() }
        let changed = try s.request("PATCH", "/api/collections/users/records/\(kit.aliceID)",
                                    json: ["email": "alice2@example.com"], token: try s.superuserToken())
        #expect(changed.status == 200, "\(changed.text)")
        #expect(try s.app.auth.signingKey(collection: "users", recordID: kit.aliceID) != kit.aliceKey, "tokenKey rotated")
        try expectGuest(s, kit.valid, "old token after email change")
        // Carol's sessions are untouched: revocation is per record.
        #expect(try s.request("POST", "/api/collections/users/auth-refresh", token: JWT.sign(kit.claims(id: kit.carolID), key: kit.carolKey)).status == 200)
    }

    @Test func token_isRevoked_WhenRecordDeleted() throws {
        let (s, kit) = try setUp(); defer { s.stop() }
        #expect(try s.request("DELETE", "/api/collections/users/records/\(kit.aliceID)", token: try s.superuserToken()).status == 204)
        try expectGuest(s, kit.valid, "token of a deleted record")
    }

    @Test func superuserToken_tamperedToUser_isGuest() throws {
        let (s, kit) = try setUp(); defer { s.stop() }
        let superuser = try s.superuserToken()
        let parts = superuser.split(separator: ".").map(String.init)
        // Payload swapped for alice's, superuser signature kept.
        let alicePayload = kit.valid.split(separator: ".").map(String.init)[1]
        try expectGuest(s, parts[0] + "." + alicePayload + "." + parts[2], "payload swap")
        #expect(try s.request("GET", "/api/health", token: parts[0] + "." + alicePayload + "." + parts[2]).json["data"]?["canBackup"] == nil)
    }
}
