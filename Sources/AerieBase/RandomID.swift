// Aerie — random identifiers
// SPDX-License-Identifier: MIT

/// Random strings drawn from an alphabet with the system CSPRNG (getrandom on Linux).
public enum RandomID {
    /// PocketBase's record id alphabet: `[a-z0-9]`.
    public static let lowerAlphanumeric = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    /// The token-key alphabet: `[a-zA-Z0-9]`.
    public static let alphanumeric = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    /// A random string of `length` characters from `alphabet`, without modulo bias.
    public static func make(length: Int = 15, alphabet: [UInt8] = lowerAlphanumeric) -> String {
        var generator = SystemRandomNumberGenerator()
        var out = [UInt8]()
        out.reserveCapacity(length)
        for _ in 0..<length {
            out.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A new 15-character record id.
    public static func recordID() -> String { make() }
}
