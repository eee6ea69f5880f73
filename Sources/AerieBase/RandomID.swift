// Aerie — random identifiers
// SPDX-License-Identifier: MIT
import CLinux

/// Random strings drawn from an alphabet with the system CSPRNG (getrandom on Linux).
public enum RandomID {
    /// PocketBase's record id alphabet: `[a-z0-9]`.
    public static let lowerAlphanumeric = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    /// The token-key alphabet: `[a-zA-Z0-9]`.
    public static let alphanumeric = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    /// A random string of `length` characters from `alphabet` (at most 256 symbols), without
    /// modulo bias: bytes at or above the largest multiple of the alphabet size are redrawn.
    /// Random bytes come from getrandom(2) in one call per batch, not one syscall per character.
    public static func make(length: Int = 15, alphabet: [UInt8] = lowerAlphanumeric) -> String {
        precondition(!alphabet.isEmpty && alphabet.count <= 256, "alphabet must have 1...256 symbols")
        let limit = 256 - 256 % alphabet.count
        var out = [UInt8]()
        out.reserveCapacity(length)
        var pool = [UInt8](repeating: 0, count: max(32, length + length / 2))
        while out.count < length {
            fillRandom(&pool)
            for b in pool where Int(b) < limit {
                out.append(alphabet[Int(b) % alphabet.count])
                if out.count == length { break }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Fills `bytes` from the kernel CSPRNG.
    public static func fillRandom(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = getrandom(buffer.baseAddress! + offset, buffer.count - offset, 0)
                if n < 0 {
                    if aerie_errno() == EINTR { continue }
                    // getrandom only fails on programmer error (bad pointer) or a kernel older than 3.17.
                    preconditionFailure("getrandom failed: errno \(aerie_errno())")
                }
                offset += n
            }
        }
    }

    /// A new 15-character record id.
    public static func recordID() -> String { make() }
}
