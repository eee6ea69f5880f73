// Aerie — verification, password-reset and email-change tokens, and record lookups the flows share
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
import AerieJSON
import AerieSQLite

extension AuthService {
    /// A signed token of `type` for `record`: PocketBase's claims (`id`, `type`, `collectionId`,
    /// `email`, `exp`, plus `extra`), signed with the record's `tokenKey` + the collection's secret
    /// for that type. Rotating `tokenKey` (password or email change) voids every such token.
    func makeRecordToken(_ type: RecordTokenType, _ c: CompiledCollection, record: [String: JSON], extra: JSONObject = [:]) -> String {
        var claims: JSONObject = [
            "collectionId": .string(c.schema.id),
            "email": .string(record["email"]?.stringValue ?? ""),
            "exp": .int(Timestamp.now().seconds + Int64(flows.duration(type, c.schema))),
            "id": .string(record["id"]?.stringValue ?? ""),
            "type": .string(type.rawValue),
        ]
        for (k, v) in extra { claims[k] = v }
        return JWT.sign(claims, key: (record["tokenKey"]?.stringValue ?? "") + secret(type, c))
    }

    func secret(_ type: RecordTokenType, _ c: CompiledCollection) -> String {
        type == .auth ? (secrets[c.schema.id] ?? "") : (flows.tokenSecrets["\(type.rawValue).\(c.schema.id)"] ?? "")
    }

    /// The record a token of `type` stands for, when it passes spec §9.5's checks in order (claims,
    /// type, record of an auth collection, signature with that record's key, expiry); nil otherwise.
    func recordForToken(_ token: String, type: RecordTokenType) -> (CompiledCollection, [String: JSON], JSONObject)? {
        guard let claims = JWT.unverifiedClaims(token), claims["type"]?.stringValue == type.rawValue,
              let id = claims["id"]?.stringValue, !id.isEmpty,
              let collectionID = claims["collectionId"]?.stringValue,
              let c = schema.collection(collectionID), c.schema.id == collectionID, c.schema.isAuth,
              let found = try? pool.read({ db in try records.load(c, id: id, db: db) }), let record = found as [String: JSON]?,
              JWT.verify(token, key: (record["tokenKey"]?.stringValue ?? "") + secret(type, c)) else { return nil }
        return (c, record, claims)
    }

    /// The record of `c` with this email (compared without case), every field included.
    func findByEmail(_ c: CompiledCollection, _ email: String) throws -> [String: JSON]? {
        let q = schema.dialect.quoteIdentifier
        return try pool.read { db -> [String: JSON]? in
            var row: [String: JSON]?
            try db.query("SELECT \(c.allColumns) FROM \(c.table) WHERE \(q("email")) = ? COLLATE NOCASE LIMIT 1", [.text(email)]) { stmt in
                row = c.values(from: stmt)
            }
            return row
        }
    }

    /// Sets columns of one record directly (system changes: verified, email, password), bumping
    /// its `onUpdate` autodate fields; a UNIQUE clash throws `uniqueFailure`.
    func updateSystemFields(_ c: CompiledCollection, id: String, _ values: [(String, SQLValue)], uniqueFailure: CoreError) throws {
        let q = schema.dialect.quoteIdentifier
        var assignments = values.map { "\(q($0.0)) = ?" }
        var args = values.map(\.1)
        let now = Timestamp.now().formatted
        for f in c.schema.fields {
            if let a = f as? AutodateField, a.onUpdate { assignments.append("\(q(f.name)) = ?"); args.append(.text(now)) }
        }
        args.append(.text(id))
        let announce = records.changes.isObserved
        let after: [String: JSON]?
        do {
            after = try pool.write { db -> [String: JSON]? in
                try db.run("UPDATE \(c.table) SET \(assignments.joined(separator: ", ")) WHERE \(q("id")) = ?", args)
                return announce ? try records.load(c, id: id, db: db) : nil
            }
        } catch let error as SQLiteError where error.isUniqueConstraint {
            throw uniqueFailure
        }
        // Realtime: announced like any update (rule-checked per subscriber; a rotated tokenKey unbinds).
        if let after { records.changes.publish([RecordChange(action: .update, collectionID: c.schema.id, values: after)]) }
    }

    /// A fresh `tokenKey` value (ends every session of the record).
    static func newTokenKey() -> SQLValue { .text(RandomID.make(length: 50, alphabet: RandomID.alphanumeric)) }

    /// The submitted `email`-like value: required, at most 255 characters, a valid address.
    static func emailIssue(_ value: String) -> FieldIssue? {
        if value.isEmpty { return .required }
        if value.utf8.count > 255 {
            return FieldIssue("validation_length_out_of_range", "The length must be between 1 and 255.", params: ["min": 1, "max": 255])
        }
        if !EmailField.isValid(value) { return FieldIssue("validation_is_email", "Must be a valid email address.") }
        return nil
    }

    static func validationFailed(_ issues: [String: FieldIssue]) -> CoreError {
        CoreError.badRequest("An error occurred while validating the submitted data.", fields: issues)
    }

    static let invalidToken = FieldIssue("validation_invalid_token", "Invalid or expired token.")
    static let tokenCollectionMismatch = FieldIssue("validation_token_collection_mismatch", "The provided token is for different auth collection.")
}
