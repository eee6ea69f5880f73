// Aerie — what the mail and OTP flows need besides the database: settings, mail, secrets, limiters
// SPDX-License-Identifier: MIT
import AerieBase
import AerieSQLite

/// The kinds of record token (spec §9.5), each with its own secret per collection.
enum RecordTokenType: String, Sendable, CaseIterable {
    case auth
    case verification
    case passwordReset
    case emailChange

    /// The collection option and `_params` name of the secret (`verificationToken`).
    var secretName: String { rawValue + "Token" }
}

/// Shared state of the auth flows.
struct AuthFlowContext: Sendable {
    let settings: SettingsStore
    let mailer: Mailer
    /// `<type>.<collectionId>` → secret, for every type but `auth` (that one is `AuthService.secrets`).
    let tokenSecrets: [String: String]
    /// Failed sign-ins and mail requests per identity, resend guards, OTP attempts.
    let limiter = RateLimiter()

    /// A token's lifetime: the `tokens.<type>` setting when set (not for `_superusers`, whose
    /// shorter default stays), else the collection's own option.
    func duration(_ type: RecordTokenType, _ c: CollectionSchema) -> Int {
        let configured = settings.current.int("tokens.\(type.rawValue)")
        if configured > 0 && !c.isSuperusers { return configured }
        let a = c.auth ?? AuthOptions()
        switch type {
        case .auth: return a.authTokenDuration
        case .verification: return a.verificationTokenDuration
        case .passwordReset: return a.passwordResetTokenDuration
        case .emailChange: return a.emailChangeTokenDuration
        }
    }

    /// Spends one request of `identity` in `rateLimits.identity.*`; throws 429 when the window is spent.
    /// The key is the identity text itself, so unknown and known identities are limited alike.
    func consumeIdentity(_ scope: String, _ identity: String) throws {
        let s = settings.current
        let max = s.int("rateLimits.identity.maxRequests")
        guard max > 0 else { return }
        if let retry = limiter.consume("\(scope):\(identity.lowercased())", maxRequests: max, duration: s.int("rateLimits.identity.duration")) {
            throw CoreError.tooManyRequests("Too Many Requests.", retryAfter: retry)
        }
    }

    /// Throws 429 while `identity` has no requests left, without spending one.
    func checkIdentity(_ scope: String, _ identity: String) throws {
        let s = settings.current
        let max = s.int("rateLimits.identity.maxRequests")
        guard max > 0 else { return }
        if let retry = limiter.blocked("\(scope):\(identity.lowercased())", maxRequests: max, duration: s.int("rateLimits.identity.duration")) {
            throw CoreError.tooManyRequests("Too Many Requests.", retryAfter: retry)
        }
    }
}

extension App {
    /// The verification, password-reset and email-change token secrets of every auth collection,
    /// created on first use (random 50 characters, spec §9.5) and kept in `_params`.
    static func loadTokenSecrets(_ db: Connection, schema: Schema) throws -> [String: String] {
        var out: [String: String] = [:]
        for c in schema.collections where c.isAuth {
            for type in RecordTokenType.allCases where type != .auth {
                let key = "secret.\(type.secretName).\(c.id)"
                if case .text(let s)? = try db.queryScalar(#"SELECT "value" FROM "_params" WHERE "key" = ?"#, [.text(key)]) {
                    out["\(type.rawValue).\(c.id)"] = s
                } else {
                    let s = RandomID.make(length: 50, alphabet: RandomID.alphanumeric)
                    try db.run(#"INSERT INTO "_params" ("key", "value") VALUES (?, ?)"#, [.text(key), .text(s)])
                    out["\(type.rawValue).\(c.id)"] = s
                }
            }
        }
        return out
    }
}
