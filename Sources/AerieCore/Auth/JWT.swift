// Aerie — HS256 JSON Web Tokens (RFC 7519) as PocketBase issues them
// SPDX-License-Identifier: MIT
public import AerieBase
import AerieCrypto
public import AerieJSON

/// Signs and checks compact HS256 JWTs. Only `HS256` is accepted, whatever the header
/// says (alg confusion and `none` are rejected), and signatures are compared in constant time.
public enum JWT {
    private static let header = Base64.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8), url: true, padded: false)

    /// A signed token for `claims` with `key`.
    public static func sign(_ claims: JSONObject, key: String) -> String {
        let payload = Base64.encode(JSON.object(claims).serialized(), url: true, padded: false)
        let input = header + "." + payload
        let signature = Crypto.hmacSHA256(key: Array(key.utf8), data: Array(input.utf8))
        return input + "." + Base64.encode(signature, url: true, padded: false)
    }

    /// The claims of a well-formed token *without* verifying it (to find the signing key),
    /// or nil when it is not a three-part HS256 JWT with an object payload.
    public static func unverifiedClaims(_ token: String) -> JSONObject? {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 8192,
              let headerBytes = Base64.decode(String(decoding: parts[0], as: UTF8.self)),
              case .object(let h)? = try? JSONParser.parse(headerBytes), h["alg"]?.stringValue == "HS256",
              let payloadBytes = Base64.decode(String(decoding: parts[1], as: UTF8.self)),
              case .object(let claims)? = try? JSONParser.parse(payloadBytes) else { return nil }
        return claims
    }

    /// Whether the token's signature matches `key` and it has not expired at `now`.
    public static func verify(_ token: String, key: String, now: Timestamp = .now()) -> Bool {
        let bytes = Array(token.utf8)
        guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")),
              let signature = Base64.decode(String(decoding: bytes[(lastDot + 1)...], as: UTF8.self)),
              let claims = unverifiedClaims(token) else { return false }
        let expected = Crypto.hmacSHA256(key: Array(key.utf8), data: Array(bytes[..<lastDot]))
        guard Crypto.constantTimeEquals(expected, signature) else { return false }
        let seconds = now.seconds
        // Every token Aerie issues carries `exp`; one without it is not ours.
        guard let exp = claims["exp"]?.doubleValue, Double(seconds) < exp else { return false }
        if let nbf = claims["nbf"]?.doubleValue, Double(seconds) < nbf { return false }
        return true
    }
}
