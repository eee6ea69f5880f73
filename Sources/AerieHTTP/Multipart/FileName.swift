// Aerie — PocketBase's stored-file names: sanitised, with a random suffix
// SPDX-License-Identifier: MIT
import AerieBase

/// Turns an upload's client-supplied name into the name it is stored under, exactly as PocketBase's
/// `normalizeName` does (spec §10.1): `My Photo (1).PNG` → `my_photo_1_j8f4jbqwbh.PNG`.
///
/// Only ASCII letters, digits and a few punctuation marks survive, so the result is always safe as
/// one path component: no `/`, `\`, NUL or leading dot.
package enum FileName {
    /// PocketBase's random alphabet for names: `[a-z0-9]`.
    private static let alphabet = RandomID.lowerAlphanumeric

    /// The stored name for `original`.
    /// - Parameters:
    ///   - sniffedType: the content's detected type, whose extension is used when the name has none.
    ///   - random: returns 10 random `[a-z0-9]` characters; tests inject a fixed source.
    package static func normalize(_ original: String, sniffedType: String,
                                  random: () -> String = { RandomID.make(length: 10, alphabet: alphabet) }) -> String {
        // 1. Keep the last 300 bytes, even mid-character: what is cut is never ASCII-word anyway.
        var name = Array(original.utf8)
        if name.count > 300 { name.removeFirst(name.count - 300) }

        // 2. Extension: from the second-to-last dot when there are two (`.tar.gz`), else the last.
        var extStart = name.count
        if let primary = name.lastIndex(of: dot) {
            extStart = name[..<primary].lastIndex(of: dot) ?? primary
        }
        var ext = [dot] + trimmingDots(name[extStart...].filter(isExtensionByte))
        if ext == [dot] { ext = Array(ContentSniffer.fileExtension(forType: sniffedType).utf8) }
        if ext.count > 20 { ext = [dot] + trimmingDots(ext.suffix(20)) }

        // 3. Base: the rest without leading/trailing dots, snake-cased, at least 3 and at most 100 bytes.
        var base = snakeCase(trimmingDots(name[..<extStart]))
        if base.count < 3 {
            base += Array(random().utf8)
        } else if base.count > 100 {
            base.removeLast(base.count - 100)
        }

        // 4. Always a random part, so two uploads of one name never collide.
        return String(decoding: base + [UInt8(ascii: "_")] + Array(random().utf8) + ext, as: UTF8.self)
    }

    /// PocketBase's upload check on a stored name: 1–150 characters, not starting with `.`, `/` or `\`.
    package static func isValidStoredName(_ name: String) -> Bool {
        guard (1...150).contains(name.count), let first = name.utf8.first else { return false }
        return first != dot && first != UInt8(ascii: "/") && first != UInt8(ascii: "\\")
    }

    // MARK: - Pieces

    private static let dot = UInt8(ascii: ".")

    /// Go's `\w` (ASCII only) plus `. * - + = #`: the bytes PocketBase keeps in an extension.
    private static func isExtensionByte(_ c: UInt8) -> Bool {
        isWordByte(c) || c == dot || c == UInt8(ascii: "*") || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
            || c == UInt8(ascii: "=") || c == UInt8(ascii: "#")
    }

    private static func isWordByte(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == UInt8(ascii: "_")
    }

    private static func isUpper(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }

    private static func trimmingDots(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = Array(bytes)
        while out.last == dot { out.removeLast() }
        if let firstKept = out.firstIndex(where: { $0 != dot }) { out.removeFirst(firstKept) } else { out = [] }
        return out
    }

    /// PocketBase's `inflector.Snakecase`: split on runs of `_` and non-word bytes (so non-ASCII
    /// letters vanish), split camelCase humps before an upper-case letter that follows a
    /// non-upper-case one, join with `_`, lower-case.
    private static func snakeCase(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var word: [UInt8] = []
        func flush() {
            guard !word.isEmpty else { return }
            if !out.isEmpty { out.append(UInt8(ascii: "_")) }
            for (i, c) in word.enumerated() {
                if i > 0, isUpper(c), !isUpper(word[i - 1]) { out.append(UInt8(ascii: "_")) }
                out.append(ASCII.lower(c))
            }
            word.removeAll(keepingCapacity: true)
        }
        for c in bytes {
            if isWordByte(c) && c != UInt8(ascii: "_") { word.append(c) } else { flush() }
        }
        flush()
        return out
    }
}
