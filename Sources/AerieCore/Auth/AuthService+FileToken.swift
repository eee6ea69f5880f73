// Aerie — file tokens: short-lived JWTs that open protected files (spec §10.3)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
import AerieJSON
import AerieSQLite

extension AuthService {
    /// `POST /api/files/token`: a `file` token for the caller's auth record, valid for the
    /// collection's `fileToken.duration` (180 s by default). Guests → 401.
    public func fileToken(for requester: Requester) throws -> String {
        guard let collectionID = requester.collectionID, let id = requester.recordID,
              let c = schema.collection(collectionID), c.schema.isAuth,
              let tokenKey = try loadTokenKey(c, id: id) else {
            throw CoreError.unauthorized("The request requires valid record authorization token.")
        }
        let claims: JSONObject = [
            "collectionId": .string(c.schema.id),
            "exp": .int(Timestamp.now().seconds + Int64(c.schema.auth?.fileTokenDuration ?? 180)),
            "id": .string(id),
            "type": "file",
        ]
        return JWT.sign(claims, key: tokenKey + fileSecret(c.schema.id))
    }

    /// The requester a `?token=` file token stands for; `.guest` for anything invalid (the
    /// view rule then decides, as PocketBase does).
    public func requester(fileToken token: String?) -> Requester {
        guard let token = token?.trimmingASCII(), !token.isEmpty,
              let claims = JWT.unverifiedClaims(token), claims["type"]?.stringValue == "file",
              let id = claims["id"]?.stringValue, !id.isEmpty,
              let collectionID = claims["collectionId"]?.stringValue,
              let c = schema.collection(collectionID), c.schema.id == collectionID, c.schema.isAuth,
              let tokenKey = try? loadTokenKey(c, id: id),
              JWT.verify(token, key: tokenKey + fileSecret(c.schema.id)) else { return .guest }
        return Requester(collectionID: c.schema.id, recordID: id, isSuperuser: c.schema.isSuperusers)
    }

    /// The file-token signing secret of a collection, derived from its auth secret so an auth
    /// token can never pass as a file token (or the reverse) and no new secret must be stored.
    func fileSecret(_ collectionID: String) -> String {
        Hex.encode(Crypto.hmacSHA256(key: Array((secrets[collectionID] ?? "").utf8), data: Array("aerie file token".utf8)))
    }

    private func loadTokenKey(_ c: CompiledCollection, id: String) throws -> String? {
        try pool.read { db -> String? in
            let q = schema.dialect.quoteIdentifier
            let stmt = try db.cachedStatement("SELECT \(q("tokenKey")) FROM \(c.table) WHERE \(q("id")) = ? LIMIT 1")
            defer { stmt.reset() }
            try stmt.bind(.text(id), at: 1)
            return try stmt.step() ? stmt.string(0) : nil
        }
    }
}
