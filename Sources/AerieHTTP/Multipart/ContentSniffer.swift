// Aerie — content sniffing for uploads: a small signature table over the first 512 bytes
// SPDX-License-Identifier: MIT

/// Detects a file's media type from its first bytes, for the types PocketBase's detector
/// (gabriel-vasile/mimetype) reports most often. The client's Content-Type is never trusted for
/// `mimeTypes` validation (spec §10.1), so this runs on every uploaded file.
///
/// Deliberately small: ZIP-based office formats report `application/zip`, and text other than
/// SVG reports `text/plain` (with `charset=utf-8` when valid UTF-8, as mimetype does).
package enum ContentSniffer {
    /// How many leading bytes are examined.
    package static let sniffLength = 512

    /// The media type of content starting with `bytes` (only the first `sniffLength` are read).
    package static func sniff(_ bytes: some Collection<UInt8>) -> String {
        let head = Array(bytes.prefix(sniffLength))
        for (signature, type) in signatures where matches(head, signature) { return type }
        if let type = sniffContainer(head) { return type }
        if isText(head) {
            if isSVG(head) { return "image/svg+xml" }
            return isUTF8(head, isTruncated: bytes.count > sniffLength) ? "text/plain; charset=utf-8" : "text/plain"
        }
        return "application/octet-stream"
    }

    /// The extension (with its dot) for a sniffed type, or `""`; used when an upload's name has none.
    package static func fileExtension(forType type: String) -> String {
        let essence = type.split(separator: ";", maxSplits: 1).first.map(String.init) ?? type
        switch essence {
        case "image/png": return ".png"
        case "image/jpeg": return ".jpg"
        case "image/gif": return ".gif"
        case "image/webp": return ".webp"
        case "image/bmp": return ".bmp"
        case "image/x-icon": return ".ico"
        case "image/svg+xml": return ".svg"
        case "image/avif": return ".avif"
        case "image/heic": return ".heic"
        case "application/pdf": return ".pdf"
        case "application/zip": return ".zip"
        case "application/gzip": return ".gz"
        case "video/mp4": return ".mp4"
        case "video/quicktime": return ".mov"
        case "video/webm": return ".webm"
        case "video/3gpp": return ".3gp"
        case "audio/mpeg": return ".mp3"
        case "audio/x-m4a": return ".m4a"
        case "text/plain": return ".txt"
        default: return ""
        }
    }

    // MARK: - Signatures

    /// A byte pattern; `nil` entries match any byte.
    private typealias Signature = [UInt8?]

    private static func sig(_ s: String, at offset: Int = 0) -> Signature {
        Array(repeating: nil, count: offset) + s.utf8.map { Optional($0) }
    }

    private static let signatures: [(Signature, String)] = [
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "image/png"),
        ([0xFF, 0xD8, 0xFF], "image/jpeg"),
        (sig("GIF87a"), "image/gif"),
        (sig("GIF89a"), "image/gif"),
        (sig("RIFF") + [nil, nil, nil, nil] + sig("WEBP"), "image/webp"),
        (sig("%PDF-"), "application/pdf"),
        ([0x50, 0x4B, 0x03, 0x04], "application/zip"),
        ([0x50, 0x4B, 0x05, 0x06], "application/zip"),  // an empty archive
        ([0x50, 0x4B, 0x07, 0x08], "application/zip"),  // a spanned archive
        ([0x1F, 0x8B, 0x08], "application/gzip"),
        ([0x1A, 0x45, 0xDF, 0xA3], "video/webm"),
        (sig("ID3"), "audio/mpeg"),
        ([0x00, 0x00, 0x01, 0x00], "image/x-icon"),
        (sig("BM") + [nil, nil, nil, nil, 0, 0, 0, 0], "image/bmp"),
    ]

    private static func matches(_ head: [UInt8], _ signature: Signature) -> Bool {
        guard head.count >= signature.count else { return false }
        for (i, expected) in signature.enumerated() {
            if let expected, head[i] != expected { return false }
        }
        return true
    }

    /// ISO base media files: a small first box (most significant size byte 0) of type `ftyp`, told
    /// apart by the major brand as mimetype does.
    private static func sniffContainer(_ head: [UInt8]) -> String? {
        guard head.count >= 12, head[0] == 0, head[4...7].elementsEqual("ftyp".utf8) else { return nil }
        let brand = String(decoding: head[8...11], as: UTF8.self)
        switch brand {
        case "qt  ", "moov": return "video/quicktime"
        case "avif", "avis": return "image/avif"
        case "heic", "heix": return "image/heic"
        case "M4A ": return "audio/x-m4a"
        default:
            if brand.hasPrefix("3gp") || brand.hasPrefix("3ge") || brand.hasPrefix("3gg") || brand.hasPrefix("3gs") { return "video/3gpp" }
            return "video/mp4"
        }
    }

    // MARK: - Text

    /// WHATWG MIME Sniffing §7.1 binary data bytes are absent (mimetype's text test).
    private static func isText(_ head: [UInt8]) -> Bool {
        for b in head where b <= 0x08 || b == 0x0B || (0x0E...0x1A).contains(b) || (0x1C...0x1F).contains(b) { return false }
        return true
    }

    /// `<svg` after optional whitespace and comments, or an `<?xml` declaration followed by `<svg`.
    private static func isSVG(_ head: [UInt8]) -> Bool {
        var i = 0
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        func skipSpace() { while i < head.count, head[i] == 32 || (9...13).contains(head[i]) { i += 1 } }
        skipSpace()
        let rest = head[i...]
        if rest.starts(with: "<?xml".utf8) { return contains(head, "<svg") }
        while head[i...].starts(with: "<!--".utf8) {
            guard let close = find(head, "-->", from: i + 4) else { return false }
            i = close + 3
            skipSpace()
        }
        if head[i...].starts(with: "<!DOCTYPE svg".utf8) { return contains(head, "<svg") }
        return head[i...].starts(with: "<svg".utf8)
    }

    private static func contains(_ head: [UInt8], _ needle: String) -> Bool { find(head, needle, from: 0) != nil }

    private static func find(_ head: [UInt8], _ needle: String, from start: Int) -> Int? {
        let n = Array(needle.utf8)
        guard head.count >= n.count, start <= head.count - n.count else { return nil }
        for i in start...(head.count - n.count) where head[i] == n[0] && head[i..<(i + n.count)].elementsEqual(n) { return i }
        return nil
    }

    /// Valid UTF-8, allowing a sequence cut by the sniff window when the content continues.
    private static func isUTF8(_ head: [UInt8], isTruncated: Bool) -> Bool {
        var bytes = head[...]
        if isTruncated {
            // Drop at most three trailing bytes of an unfinished sequence.
            var k = 0
            while k < 3, let last = bytes.last, last & 0xC0 == 0x80 { bytes = bytes.dropLast(); k += 1 }
            if let last = bytes.last, last >= 0xC0 { bytes = bytes.dropLast() }
        }
        return String(validating: bytes, as: UTF8.self) != nil
    }
}
