// Aerie — the error AerieCrypto throws
// SPDX-License-Identifier: MIT

/// A failed cryptographic operation: which one, and OpenSSL's reason when it gave one.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    /// The operation that failed, e.g. "scrypt".
    public let operation: String
    /// What went wrong: our validation message or OpenSSL's error string.
    public let detail: String

    /// Creates an error.
    public init(operation: String, detail: String) {
        self.operation = operation
        self.detail = detail
    }

    /// "scrypt failed: N must be a power of two greater than 1".
    public var description: String { "\(operation) failed: \(detail)" }
}
