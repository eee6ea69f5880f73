// Aerie — request-verification and confirm-verification (spec §9.4)
// SPDX-License-Identifier: MIT
import AerieCrypto
public import AerieJSON
import AerieSQLite

extension AuthService {
    /// How long a record waits before another verification or reset mail is sent (spec §15.3).
    static let resendSeconds = 120

    /// `POST /api/collections/{c}/request-verification`: always 204 for a valid email, whether or
    /// not a record has it (no enumeration). An unverified record gets a mail with a verification
    /// link, at most once per 2 minutes; the mail is sent in the background, so the answer takes the
    /// same time either way.
    public func requestVerification(collection key: String, body: JSONObject) throws {
        let c = try authCollection(key)
        if c.schema.isSuperusers { throw CoreError.badRequest("All superusers are verified by default.") }
        let email = try AuthService.formText(body, "email")
        if let issue = AuthService.emailIssue(email) { throw AuthService.validationFailed(["email": issue]) }
        try flows.consumeIdentity("mail:\(c.schema.id)", email)
        guard let record = try findByEmail(c, email), record["verified"]?.boolValue != true,
              let id = record["id"]?.stringValue, let to = record["email"]?.stringValue else { return }
        guard flows.limiter.consume("resend-verification:\(c.schema.id):\(id)", maxRequests: 1, duration: AuthService.resendSeconds) == nil else { return }
        flows.mailer.sendLater(.verification, to: to, token: makeRecordToken(.verification, c, record: record))
    }

    /// `POST /api/collections/{c}/confirm-verification`: marks the token's record verified (204).
    /// The token must be a `verification` token of this collection whose `email` claim is still the
    /// record's email. A collection without password auth gets a random password at the same time,
    /// as in PocketBase (so an account pre-created by someone else cannot be taken over later).
    public func confirmVerification(collection key: String, body: JSONObject) throws {
        let c = try authCollection(key)
        if c.schema.isSuperusers { throw CoreError.badRequest("All superusers are verified by default.") }
        let token = try AuthService.formText(body, "token")
        guard !token.isEmpty else { throw AuthService.validationFailed(["token": .required]) }
        let claimedEmail = JWT.unverifiedClaims(token)?["email"]?.stringValue ?? ""
        guard !claimedEmail.isEmpty else {
            throw AuthService.validationFailed(["token": FieldIssue("validation_invalid_token_claims", "Missing email token claim.")])
        }
        guard let (owner, record, _) = recordForToken(token, type: .verification) else {
            throw AuthService.validationFailed(["token": AuthService.invalidToken])
        }
        guard owner.schema.id == c.schema.id else { throw AuthService.validationFailed(["token": AuthService.tokenCollectionMismatch]) }
        guard record["email"]?.stringValue == claimedEmail else {
            throw AuthService.validationFailed(["token": FieldIssue("validation_token_email_mismatch",
                                                                    "The record email doesn't match with the requested token claims.")])
        }
        guard record["verified"]?.boolValue != true, let id = record["id"]?.stringValue else { return }
        var changes: [(String, SQLValue)] = [("verified", .integer(1))]
        if !(c.schema.auth?.passwordAuthEnabled ?? true) {
            let random = Crypto.randomBytes(30).map { String($0, radix: 16) }.joined()
            changes += [("password", .text(PasswordHash.make(password: random))), ("tokenKey", AuthService.newTokenKey())]
        }
        try updateSystemFields(c, id: id, changes, uniqueFailure: CoreError.badRequest("An error occurred while saving the verified state."))
        flows.limiter.reset("resend-verification:\(c.schema.id):\(id)")
    }
}
