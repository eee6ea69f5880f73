// Aerie — package-only hooks that let tests forge tokens with one deliberate flaw
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
package import AerieJSON
import AerieSQLite

extension AuthService {
    /// The key that signs auth tokens of record `id` in collection `key` (`tokenKey` + the
    /// collection's `authToken` secret, spec §9.5), or nil for an unknown record. Lets the
    /// tamper tests sign tokens whose only flaw is the one under test (expired, wrong type);
    /// never exposed over HTTP.
    package func signingKey(collection key: String, recordID id: String) throws -> String? {
        let c = try authCollection(key)
        guard let record = try pool.read({ db in try records.load(c, id: id, db: db) }),
              let tokenKey = record["tokenKey"]?.stringValue, let secret = secrets[c.schema.id] else { return nil }
        return tokenKey + secret
    }
}

extension JWT {
    /// A token with an arbitrary header JSON, HMAC-SHA-256-signed with `key`: what an attacker
    /// who knew the key but tried another `alg` would send. Tests only; Aerie never issues one.
    package static func sign(rawHeader: String, claims: JSONObject, key: String) -> String {
        let input = Base64.encode(Array(rawHeader.utf8), url: true, padded: false) + "."
            + Base64.encode(JSON.object(claims).serialized(), url: true, padded: false)
        let signature = Crypto.hmacSHA256(key: Array(key.utf8), data: Array(input.utf8))
        return input + "." + Base64.encode(signature, url: true, padded: false)
    }
}
