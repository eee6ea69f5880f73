// Aerie — token authentication and password login
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
public import AerieJSON
import AerieSQLite

/// Resolves tokens to requesters and signs users in. Tokens are PocketBase-shaped HS256
/// JWTs signed with the record's `tokenKey` plus the collection's secret (spec §9.5), so a
/// password or email change (which rotates `tokenKey`) revokes every token of that record.
public final class AuthService: Sendable {
    let schema: CompiledSchema
    let pool: DatabasePool
    /// Per auth collection id: the `authToken` secret (never sent to clients).
    let secrets: [String: String]
    /// Evaluates `authRule`.
    let records: RecordService
    /// Settings, mail, token secrets and limiters of the mail and OTP flows.
    let flows: AuthFlowContext

    init(schema: CompiledSchema, pool: DatabasePool, secrets: [String: String], records: RecordService, flows: AuthFlowContext) {
        self.schema = schema
        self.pool = pool
        self.secrets = secrets
        self.records = records
        self.flows = flows
    }

    /// The requester an `Authorization` header value stands for. A missing, malformed,
    /// expired or revoked token yields `.guest` (spec §1.6): only endpoints that need auth say 401.
    public func requester(authorization header: String?) -> Requester {
        verifiedToken(authorization: header)?.requester ?? .guest
    }

    /// The auth token in an `Authorization` header value (optional case-insensitive `Bearer `
    /// prefix) when it passes every check of spec §9.5, in its order; nil otherwise.
    func verifiedToken(authorization header: String?) -> VerifiedToken? {
        guard var token = header, !token.isEmpty else { return nil }
        if token.utf8.count > 7, ASCII.equalsIgnoringCase(token.utf8.prefix(7), "bearer ".utf8) {
            token = String(token.dropFirst(7))
        }
        token = token.trimmingASCII()
        guard let claims = JWT.unverifiedClaims(token),
              claims["type"]?.stringValue == "auth",
              let id = claims["id"]?.stringValue, !id.isEmpty,
              let collectionID = claims["collectionId"]?.stringValue,
              let c = schema.collection(collectionID), c.schema.id == collectionID, c.schema.isAuth,
              let secret = secrets[c.schema.id] else { return nil }
        let tokenKey = try? pool.read { db -> String? in
            let stmt = try db.cachedStatement("SELECT \(schema.dialect.quoteIdentifier("tokenKey")) FROM \(c.table) WHERE \(schema.dialect.quoteIdentifier("id")) = ? LIMIT 1")
            defer { stmt.reset() }
            try stmt.bind(.text(id), at: 1)
            return try stmt.step() ? stmt.string(0) : nil
        }
        guard let tokenKey = tokenKey ?? nil, JWT.verify(token, key: tokenKey + secret) else { return nil }
        let requester = Requester(collectionID: c.schema.id, recordID: id, isSuperuser: c.schema.isSuperusers)
        return VerifiedToken(token: token, claims: claims, collection: c, requester: requester)
    }

    /// A new auth token for a record.
    func makeToken(collection c: CollectionSchema, recordID: String, tokenKey: String, refreshable: Bool = true, duration: Int? = nil) -> String {
        let seconds = duration ?? flows.duration(.auth, c)
        let claims: JSONObject = [
            "collectionId": .string(c.id),
            "exp": .int(Timestamp.now().seconds + Int64(seconds)),
            "id": .string(recordID),
            "refreshable": .bool(refreshable),
            "type": "auth",
        ]
        return JWT.sign(claims, key: tokenKey + (secrets[c.id] ?? ""))
    }

    /// `POST /api/collections/{c}/auth-with-password`: `{token, record}` on success; 400
    /// "Failed to authenticate." for an unknown identity or a wrong password, which take the
    /// same time (a dummy hash check runs for unknown identities).
    public func authWithPassword(collection key: String, body: JSONObject, requester: Requester) throws -> [UInt8] {
        guard let c = schema.collection(key), c.schema.isAuth, let options = c.schema.auth else {
            throw CoreError.notFound("Missing or invalid auth collection context.")
        }
        guard options.passwordAuthEnabled else { throw CoreError.forbidden("The collection is not configured to allow password authentication.") }
        let identity = try AuthService.formText(body, "identity")
        let password = try AuthService.formText(body, "password")
        let identityField = try AuthService.formText(body, "identityField")
        var issues = [String: FieldIssue]()
        for (name, value) in [("identity", identity), ("password", password)] {
            if value.isEmpty { issues[name] = .required } else if value.utf8.count > 255 {
                issues[name] = FieldIssue("validation_length_out_of_range", "The length must be between 1 and 255.", params: ["min": 1, "max": 255])
            }
        }
        if !identityField.isEmpty && !options.identityFields.contains(identityField) {
            issues["identityField"] = FieldIssue("validation_in_invalid", "Must be a valid value.")
        }
        if !issues.isEmpty { throw CoreError.badRequest("An error occurred while validating the submitted data.", fields: issues) }
        // Brute-force guard per identity (not per IP), whether or not the identity exists.
        let limitScope = "login:\(c.schema.id)"
        try flows.checkIdentity(limitScope, identity)

        let fields = identityField.isEmpty ? options.identityFields : [identityField]
        let q = schema.dialect.quoteIdentifier
        let found = try pool.read { db -> [String: JSON]? in
            for name in fields {
                guard let field = c.schema.field(named: name) else { continue }
                if name == "email" && !EmailField.isValid(identity) { continue }
                let collate = field is EmailField ? " COLLATE NOCASE" : ""
                var row: [String: JSON]?
                try db.query("SELECT \(c.allColumns) FROM \(c.table) WHERE \(q(name)) = ?\(collate) LIMIT 1", [.text(identity)]) { stmt in
                    row = c.values(from: stmt)
                }
                if let row { return row }
            }
            return nil
        }
        guard let record = found, let hash = record["password"]?.stringValue,
              PasswordHash.verify(password: password, encoded: hash) else {
            if found == nil { PasswordHash.dummyVerify(password: password) }
            try flows.consumeIdentity(limitScope, identity)
            throw CoreError.badRequest("Failed to authenticate.")
        }
        flows.limiter.reset("\(limitScope):\(identity.lowercased())")
        let id = record["id"]?.stringValue ?? ""
        let token = makeToken(collection: c.schema, recordID: id, tokenKey: record["tokenKey"]?.stringValue ?? "")
        let me = Requester(collectionID: c.schema.id, recordID: id, isSuperuser: c.schema.isSuperusers)
        // authRule runs first, so a record it refuses leaves no trace (not even a rehash).
        let response = try authResponse(c, record: record, token: token, caller: requester, viewer: me)
        if PasswordHash.needsRehash(hash) {
            let rehashed = PasswordHash.make(password: password)
            let announce = records.changes.isObserved
            let after = try? pool.write { db -> [String: JSON]? in
                try db.run("UPDATE \(c.table) SET \(q("password")) = ? WHERE \(q("id")) = ?", [.text(rehashed), .text(id)])
                return announce ? try records.load(c, id: id, db: db) : nil
            }
            // PocketBase saves the rehashed record through its normal update path, so subscribers hear of it.
            if let after = after ?? nil { records.changes.publish([RecordChange(action: .update, collectionID: c.schema.id, values: after)]) }
        }
        return response
    }
}
