// Aerie — self-describing scrypt password hashes
// SPDX-License-Identifier: MIT
import AerieBase

/// scrypt cost parameters (RFC 7914 §2): N = 2^logN, block size r, parallelism p.
public struct ScryptParameters: Sendable, Hashable {
    /// log2 of the CPU/memory cost N.
    public var logN: UInt8
    /// Block size; memory use is 128·r·N bytes.
    public var r: UInt32
    /// Parallelism; time grows linearly with p, memory does not.
    public var p: UInt32

    /// OWASP Password Storage Cheat Sheet: N=2^14, r=8, p=5 (16 MiB), equal in strength to
    /// N=2^17, r=8, p=1 with an eighth of the memory, which matters with many concurrent logins.
    public static let `default` = ScryptParameters(logN: 14, r: 8, p: 5)

    /// Creates parameters; they are validated when used.
    public init(logN: UInt8, r: UInt32, p: UInt32) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// Bytes of memory one derivation needs (128·r·N), saturating at `UInt64.max`.
    public var memoryBytes: UInt64 {
        guard logN < 57 else { return .max }
        let (bytes, overflow) = (UInt64(128) << UInt64(logN)).multipliedReportingOverflow(by: UInt64(r))
        return overflow ? .max : bytes
    }
}

/// Password hashes in a self-describing string, so parameters can be raised later without
/// invalidating stored hashes:
///
///     $scrypt$ln=14,r=8,p=5$<base64 salt>$<base64 key>
///
/// Standard base64 without padding; a 16-byte random salt and a 32-byte derived key.
///
/// ```swift
/// let stored = PasswordHash.make(password: "correct horse")
/// guard PasswordHash.verify(password: attempt, encoded: stored) else { throw … }
/// if PasswordHash.needsRehash(stored) { save(PasswordHash.make(password: attempt)) }
/// ```
public enum PasswordHash {
    /// Salt length in bytes.
    public static let saltLength = 16
    /// Derived key length in bytes.
    public static let keyLength = 32

    /// Hashes `password` with a fresh random salt.
    ///
    /// Traps on parameters scrypt rejects: they come from the server's configuration, not from
    /// clients, and a server that cannot hash passwords must not start accepting them.
    public static func make(password: String, parameters: ScryptParameters = .default) -> String {
        let salt = Crypto.randomBytes(saltLength)
        let key: [UInt8]
        do {
            key = try Crypto.scrypt(
                password: password.utf8, salt: salt,
                logN: parameters.logN, r: parameters.r, p: parameters.p, length: keyLength)
        } catch {
            preconditionFailure("PasswordHash.make: \(error)")
        }
        return encode(parameters: parameters, salt: salt, key: key)
    }

    /// Whether `password` matches `encoded`, comparing derived keys in constant time.
    ///
    /// Malformed strings and parameters beyond `Limits` return `false` without deriving, so a
    /// tampered row in the database cannot make a login take minutes or gigabytes.
    public static func verify(password: String, encoded: String) -> Bool {
        guard let hash = Decoded(encoded) else { return false }
        guard let derived = try? Crypto.scrypt(
            password: password.utf8, salt: hash.salt,
            logN: hash.parameters.logN, r: hash.parameters.r, p: hash.parameters.p, length: hash.key.count)
        else { return false }
        return Crypto.constantTimeEquals(derived, hash.key)
    }

    /// Whether `encoded` should be replaced at the next successful login: it is malformed, or any
    /// of its cost parameters or its salt is smaller than `parameters` and `saltLength` ask for.
    public static func needsRehash(_ encoded: String, parameters: ScryptParameters = .default) -> Bool {
        guard let hash = Decoded(encoded) else { return true }
        return hash.parameters.logN < parameters.logN || hash.parameters.r < parameters.r
            || hash.parameters.p < parameters.p
            || hash.salt.count < saltLength
    }

    /// Spends as long as `verify` against a default-parameter hash, for logins naming an unknown
    /// identity, so response time does not reveal which identities exist.
    public static func dummyVerify(password: String) {
        _ = verify(password: password, encoded: dummyHash)
    }

    /// A well-formed default-parameter hash whose salt and key are random bytes, so no known
    /// password matches it.
    static let dummyHash = "$scrypt$ln=14,r=8,p=5$9EN9IvAJx0O1Z4BKYPPfGQ$q7DG9iG7S7XYRXlFUjhwp1xd6ASeYszwfqCZGYWvuUg"

    /// Bounds on parameters accepted from a stored string. scrypt's cost is attacker-chosen if
    /// an attacker can write the hash column, and N, r and p each scale time or memory.
    public enum Limits {
        /// Largest accepted log2(N).
        public static let maxLogN: UInt8 = 20
        /// Largest accepted memory, 128·r·N bytes (256 MiB).
        public static let maxMemoryBytes: UInt64 = 256 << 20
        /// Largest accepted work, N·r·p (64× the default).
        public static let maxWork: UInt64 = 1 << 25
        /// Accepted salt lengths.
        public static let saltLengths = 8...64
    }

    static func encode(parameters: ScryptParameters, salt: [UInt8], key: [UInt8]) -> String {
        "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$"
            + Base64.encode(salt, padded: false) + "$" + Base64.encode(key, padded: false)
    }

    /// A parsed and bounds-checked hash string.
    struct Decoded {
        var parameters: ScryptParameters
        var salt: [UInt8]
        var key: [UInt8]

        init?(_ encoded: String) {
            let parts = encoded.utf8.split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
            guard parts.count == 5, parts[0].isEmpty, parts[1].elementsEqual("scrypt".utf8) else { return nil }
            let fields = parts[2].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            guard fields.count == 3,
                let logN = Self.number(fields[0], name: "ln"), let r = Self.number(fields[1], name: "r"),
                let p = Self.number(fields[2], name: "p")
            else { return nil }
            guard logN >= 1, logN <= UInt64(Limits.maxLogN), r >= 1, p >= 1, r <= 1 << 20, p <= 1 << 20 else { return nil }
            let memory = 128 * r << logN
            let work = (r * p) << logN
            guard memory <= Limits.maxMemoryBytes, work <= Limits.maxWork else { return nil }
            guard Self.isUnpaddedStandardBase64(parts[3]), Self.isUnpaddedStandardBase64(parts[4]),
                let salt = Base64.decode(String(decoding: parts[3], as: UTF8.self)),
                let key = Base64.decode(String(decoding: parts[4], as: UTF8.self)),
                // Exactly 32 key bytes: scrypt output is a prefix-stable stream (RFC 7914 §6 ends in
                // PBKDF2), so a truncated stored key would otherwise still verify.
                Limits.saltLengths.contains(salt.count), key.count == PasswordHash.keyLength,
                // Canonical encodings only: one hash, one string.
                Base64.encode(salt, padded: false).utf8.elementsEqual(parts[3]),
                Base64.encode(key, padded: false).utf8.elementsEqual(parts[4])
            else { return nil }
            self.parameters = ScryptParameters(logN: UInt8(logN), r: UInt32(r), p: UInt32(p))
            self.salt = salt
            self.key = key
        }

        /// `name=digits` with at most 7 digits and no sign, or `nil`.
        private static func number(_ field: String.UTF8View.SubSequence, name: String) -> UInt64? {
            let pieces = field.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2, pieces[0].elementsEqual(name.utf8), (1...7).contains(pieces[1].count) else { return nil }
            var value: UInt64 = 0
            for digit in pieces[1] {
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
            }
            return value
        }

        /// Our strings use the standard alphabet without `=`; `Base64.decode` alone would also
        /// accept the URL alphabet and padding.
        private static func isUnpaddedStandardBase64(_ text: String.UTF8View.SubSequence) -> Bool {
            !text.isEmpty && text.allSatisfy { c in
                (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                    || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/")
            }
        }
    }
}
