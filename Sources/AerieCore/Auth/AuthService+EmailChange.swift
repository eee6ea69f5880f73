// Aerie — request-email-change and confirm-email-change (spec §9.4)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
public import AerieJSON
import AerieSQLite

extension AuthService {
    /// `POST /api/collections/{c}/request-email-change` (auth required, same collection): mails a
    /// confirmation link to `newEmail`, synchronously (a mail failure is a 400) → 204.
    public func requestEmailChange(collection key: String, body: JSONObject, authorization: String?) throws {
        let c = try authCollection(key)
        guard let current = verifiedToken(authorization: authorization), let id = current.requester.recordID else {
            throw AuthService.authRequired
        }
        // PocketBase names the token's collection here, as in auth-refresh.
        guard current.collection.schema.id == c.schema.id else {
            throw CoreError.forbidden("The request requires auth record from \(current.collection.schema.name) collection.")
        }
        if c.schema.isSuperusers { throw CoreError.badRequest("All superusers can change their emails directly.") }
        guard let record = try pool.read({ db in try records.load(c, id: id, db: db) }) else { throw AuthService.authRequired }
        let newEmail = try AuthService.formText(body, "newEmail")
        if let issue = AuthService.emailIssue(newEmail) { throw AuthService.validationFailed(["newEmail": issue]) }
        if newEmail == record["email"]?.stringValue {
            throw AuthService.validationFailed(["newEmail": FieldIssue("validation_not_in_invalid", "Must not be in list.")])
        }
        if let other = try findByEmail(c, newEmail), other["id"]?.stringValue != id {
            throw AuthService.validationFailed(["newEmail": FieldIssue("validation_invalid_new_email", "Invalid new email address.")])
        }
        try flows.consumeIdentity("mail:\(c.schema.id)", newEmail)
        let token = makeRecordToken(.emailChange, c, record: record, extra: ["newEmail": .string(newEmail)])
        do {
            try flows.mailer.send(.emailChange, to: newEmail, token: token)
        } catch {
            Log.error("mail: sending email-change mail failed: \(error)")
            throw CoreError.badRequest("Failed to request email change.")
        }
    }

    /// `POST /api/collections/{c}/confirm-email-change`: with a valid `emailChange` token and the
    /// record's current `password`, sets the new email, marks it verified and rotates `tokenKey` → 204.
    public func confirmEmailChange(collection key: String, body: JSONObject) throws {
        let c = try authCollection(key)
        if c.schema.isSuperusers { throw CoreError.badRequest("All superusers can change their emails directly.") }
        let token = try AuthService.formText(body, "token")
        let password = try AuthService.formText(body, "password")
        var issues: [String: FieldIssue] = [:]
        var found: [String: JSON]?
        var newEmail = ""
        if token.isEmpty {
            issues["token"] = .required
        } else {
            newEmail = JWT.unverifiedClaims(token)?["newEmail"]?.stringValue ?? ""
            if newEmail.isEmpty {
                issues["token"] = FieldIssue("validation_invalid_token_payload", "Invalid token payload - newEmail must be set.")
            } else if let (owner, record, _) = recordForToken(token, type: .emailChange) {
                if owner.schema.id != c.schema.id {
                    issues["token"] = AuthService.tokenCollectionMismatch
                } else if let taken = try findByEmail(c, newEmail), taken["id"] != record["id"] {
                    issues["token"] = FieldIssue("validation_invalid_token_email", "The new email address is invalid.")
                } else {
                    found = record
                }
            } else {
                issues["token"] = AuthService.invalidToken
            }
        }
        if password.isEmpty {
            issues["password"] = .required
        } else if password.utf8.count > 100 {
            issues["password"] = FieldIssue("validation_length_out_of_range", "The length must be between 1 and 100.", params: ["min": 1, "max": 100])
        } else if found.flatMap({ $0["password"]?.stringValue }).map({ PasswordHash.verify(password: password, encoded: $0) }) != true {
            if found == nil { PasswordHash.dummyVerify(password: password) }
            issues["password"] = FieldIssue("validation_invalid_password", "Missing or invalid auth record password.")
        }
        guard issues.isEmpty, let record = found, let id = record["id"]?.stringValue else { throw AuthService.validationFailed(issues) }
        try updateSystemFields(c, id: id, [("email", .text(newEmail)), ("verified", .integer(1)), ("tokenKey", AuthService.newTokenKey())],
                               uniqueFailure: CoreError.badRequest("Failed to confirm email change."))
    }
}
