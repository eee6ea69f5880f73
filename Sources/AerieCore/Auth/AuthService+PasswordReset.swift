// Aerie — request-password-reset and confirm-password-reset (spec §9.4)
// SPDX-License-Identifier: MIT
import AerieCrypto
public import AerieJSON
import AerieSQLite

extension AuthService {
    /// `POST /api/collections/{c}/request-password-reset`: always 204 for a valid email (no
    /// enumeration); a record with that email gets a reset link, at most once per 2 minutes,
    /// sent in the background. 400 when the collection has password auth off.
    public func requestPasswordReset(collection key: String, body: JSONObject) throws {
        let c = try authCollection(key)
        guard c.schema.auth?.passwordAuthEnabled ?? true else {
            throw CoreError.badRequest("The collection is not configured to allow password authentication.")
        }
        let email = try AuthService.formText(body, "email")
        if let issue = AuthService.emailIssue(email) { throw AuthService.validationFailed(["email": issue]) }
        try flows.consumeIdentity("mail:\(c.schema.id)", email)
        guard let record = try findByEmail(c, email), let id = record["id"]?.stringValue, let to = record["email"]?.stringValue else { return }
        guard flows.limiter.consume("resend-reset:\(c.schema.id):\(id)", maxRequests: 1, duration: AuthService.resendSeconds) == nil else { return }
        flows.mailer.sendLater(.passwordReset, to: to, token: makeRecordToken(.passwordReset, c, record: record))
    }

    /// `POST /api/collections/{c}/confirm-password-reset`: sets the new password (rotating
    /// `tokenKey`, so the reset token and every session die) and marks the record verified when the
    /// token's email is still its email → 204.
    public func confirmPasswordReset(collection key: String, body: JSONObject) throws {
        let c = try authCollection(key)
        let token = try AuthService.formText(body, "token")
        let password = try AuthService.formText(body, "password")
        let confirm = try AuthService.formText(body, "passwordConfirm")
        var issues: [String: FieldIssue] = [:]
        var found: (CompiledCollection, [String: JSON], JSONObject)?
        if token.isEmpty {
            issues["token"] = .required
        } else if let match = recordForToken(token, type: .passwordReset) {
            if match.0.schema.id != c.schema.id { issues["token"] = AuthService.tokenCollectionMismatch } else { found = match }
        } else {
            issues["token"] = AuthService.invalidToken
        }
        // The form checks the length first (the field's min … 255, in code points), then the field's own rules.
        let min = max(1, (c.schema.field(named: "password") as? PasswordField)?.min ?? 1)
        let length = password.unicodeScalars.count
        if password.isEmpty {
            issues["password"] = .required
        } else if length < min || length > 255 {
            issues["password"] = FieldIssue("validation_length_out_of_range", "The length must be between \(min) and 255.",
                                            params: ["max": 255, "min": .int(Int64(min))])
        } else if let issue = RecordService.passwordIssue(password, in: c.schema) {
            issues["password"] = issue
        }
        if confirm.isEmpty {
            issues["passwordConfirm"] = .required
        } else if confirm != password {
            issues["passwordConfirm"] = FieldIssue("validation_values_mismatch", "Values don't match.")
        }
        guard issues.isEmpty, let (_, record, claims) = found, let id = record["id"]?.stringValue else {
            throw AuthService.validationFailed(issues)
        }
        // scrypt runs here, outside the write lock.
        var changes: [(String, SQLValue)] = [("password", .text(PasswordHash.make(password: password))), ("tokenKey", AuthService.newTokenKey())]
        if record["verified"]?.boolValue != true, claims["email"]?.stringValue == record["email"]?.stringValue {
            changes.append(("verified", .integer(1)))
        }
        // The token was checked against the stored tokenKey above; refuse if it changed meanwhile.
        guard recordForToken(token, type: .passwordReset) != nil else { throw AuthService.validationFailed(["token": AuthService.invalidToken]) }
        try updateSystemFields(c, id: id, changes, uniqueFailure: CoreError.badRequest("Failed to set new password."))
        flows.limiter.reset("resend-reset:\(c.schema.id):\(id)")
    }
}
