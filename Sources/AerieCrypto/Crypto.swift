// Aerie — hashing, MACs, random bytes and scrypt over OpenSSL
// SPDX-License-Identifier: MIT
import COpenSSL

/// The cryptographic primitives Aerie needs, all backed by OpenSSL 3's libcrypto.
public enum Crypto {
    /// `count` bytes from OpenSSL's CSPRNG (`RAND_bytes`).
    ///
    /// Traps if the generator fails: that only happens when it cannot be seeded, and carrying on
    /// would mint predictable tokens.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0 && count <= Int(Int32.max), "randomBytes count out of range")
        if count == 0 { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            precondition(RAND_bytes(buffer.baseAddress, Int32(count)) == 1, "RAND_bytes failed")
            initialized = count
        }
    }

    /// SHA-256 digest (32 bytes) of `data`.
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        withBytes(data) { pointer, count in
            [UInt8](unsafeUninitializedCapacity: Int(EVP_MAX_MD_SIZE)) { out, initialized in
                var length: UInt32 = 0
                precondition(EVP_Digest(pointer, count, out.baseAddress, &length, EVP_sha256(), nil) == 1, "EVP_Digest failed")
                initialized = Int(length)
            }
        }
    }

    /// HMAC-SHA-256 (RFC 2104) of `data` under `key`; 32 bytes.
    public static func hmacSHA256(key: some Collection<UInt8>, data: some Collection<UInt8>) -> [UInt8] {
        withBytes(key) { keyPointer, keyCount in
            withBytes(data) { dataPointer, dataCount in
                [UInt8](unsafeUninitializedCapacity: Int(EVP_MAX_MD_SIZE)) { out, initialized in
                    var length: UInt32 = 0
                    let result = HMAC(EVP_sha256(), keyPointer, Int32(keyCount), dataPointer, dataCount, out.baseAddress, &length)
                    precondition(result != nil, "HMAC failed")
                    initialized = Int(length)
                }
            }
        }
    }

    /// Compares two byte strings in time that depends only on their length (`CRYPTO_memcmp`).
    ///
    /// Different lengths return `false` at once: the length of a MAC or hash is public.
    public static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return withBytes(a) { aPointer, count in
            withBytes(b) { bPointer, _ in CRYPTO_memcmp(aPointer, bPointer, count) == 0 }
        }
    }

    /// Derives `length` bytes with scrypt (RFC 7914) at N = 2^`logN`, block size `r` and
    /// parallelism `p`, via `EVP_PBE_scrypt`.
    ///
    /// The memory limit passed to OpenSSL is computed from the parameters (128·r·(N+2) + 128·r·p
    /// bytes plus slack), so any parameters that pass RFC 7914 §2's limits are honoured; callers
    /// that take parameters from stored data must bound them first (`PasswordHash` does).
    public static func scrypt(
        password: some Collection<UInt8>, salt: some Collection<UInt8>,
        logN: UInt8, r: UInt32, p: UInt32, length: Int
    ) throws(CryptoError) -> [UInt8] {
        func fail(_ detail: String) -> CryptoError { CryptoError(operation: "scrypt", detail: detail) }
        // RFC 7914 §2: N must be a power of two greater than 1, r·p < 2^30.
        guard logN >= 1, logN < 64 else { throw fail("N must be a power of two greater than 1") }
        guard r >= 1, p >= 1, UInt64(r) * UInt64(p) < 1 << 30 else { throw fail("r and p must be positive with r*p < 2^30") }
        guard length >= 1 else { throw fail("output length must be positive") }
        let n = UInt64(1) << UInt64(logN)
        // OpenSSL's own accounting: B = 128·r·p bytes, V = 128·r·(N+2) bytes.
        let (v, vOverflow) = (128 * UInt64(r)).multipliedReportingOverflow(by: n + 2)
        let (total, totalOverflow) = v.addingReportingOverflow(128 * UInt64(r) * UInt64(p) + 1 << 20)
        guard !vOverflow, !totalOverflow, total <= UInt64(Int.max) else { throw fail("parameters need more memory than addressable") }

        var output = [UInt8](repeating: 0, count: length)
        let ok = withBytes(password) { passwordPointer, passwordCount in
            withBytes(salt) { saltPointer, saltCount in
                output.withUnsafeMutableBufferPointer { out in
                    passwordPointer.withMemoryRebound(to: CChar.self, capacity: max(passwordCount, 1)) { passwordChars in
                        EVP_PBE_scrypt(passwordChars, passwordCount, saltPointer, saltCount, n, UInt64(r), UInt64(p), total, out.baseAddress, length)
                    }
                }
            }
        }
        guard ok == 1 else { throw fail(openSSLErrorDescription()) }
        return output
    }

    /// Drains OpenSSL's thread-local error queue into one line.
    static func openSSLErrorDescription() -> String {
        var messages: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return messages.isEmpty ? "OpenSSL reported no reason" : messages.joined(separator: "; ")
    }

    /// Calls `body` with a contiguous, never-NULL pointer to the bytes of `data`: OpenSSL treats
    /// a NULL key or message inconsistently across versions even when the length is zero.
    static func withBytes<R>(_ data: some Collection<UInt8>, _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        if let result = data.withContiguousStorageIfAvailable({ buffer -> R in
            if let base = buffer.baseAddress, buffer.count > 0 { return body(base, buffer.count) }
            return withUnsafePointer(to: UInt8(0)) { body($0, 0) }
        }) {
            return result
        }
        let copy = Array(data)
        return copy.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress, buffer.count > 0 { return body(base, buffer.count) }
            return withUnsafePointer(to: UInt8(0)) { body($0, 0) }
        }
    }
}
