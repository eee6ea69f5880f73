// Aerie — the `fields` query parameter: pruning 2xx JSON responses to the requested keys (spec §4.1)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON

/// A parsed `fields` parameter: dot paths to keep, each with an optional value modifier.
///
/// `fields=id,title,expand.author.name` keeps those keys; `*` keeps every key at its level
/// (`fields=*,body:excerpt(20,true)`, `expand.author.*`). Semantics follow PocketBase's
/// `tools/picker`: a key is kept when some path starts with it; a path ending at the key keeps
/// the whole value (and applies its modifier); longer paths recurse into objects and arrays
/// of objects; scalars under a longer path are kept as they are.
///
/// ```swift
/// let selection = try FieldSelection(parsing: "id,body:excerpt(5,true)")
/// selection.apply(to: record)   // {"id":"…","body":"Hello..."}
/// ```
struct FieldSelection {
    /// The value modifiers a path may carry (`path:name(args)`).
    enum Modifier: Equatable {
        /// `excerpt(maxChars[, withEllipsis])`: plain text from HTML, cut to `maxChars` Unicode scalars.
        case excerpt(maxChars: Int, withEllipsis: Bool)

        func apply(_ value: JSON) -> JSON {
            switch self {
            case .excerpt(let maxChars, let withEllipsis):
                // Non-strings pass through: the path may name a missing expand or a number.
                guard case .string(let text) = value else { return value }
                return .string(Excerpt.make(text, maxChars: maxChars, withEllipsis: withEllipsis))
            }
        }
    }

    /// Why a `fields` parameter was rejected (the client sees the generic 400).
    struct ParseError: Error, Equatable {
        var reason: String
    }

    /// Paths in first-mention order; a repeated path keeps its last modifier.
    typealias Paths = [(path: String, modifier: Modifier?)]
    let paths: Paths

    /// Parses a comma list; commas inside parentheses or quotes belong to a modifier.
    init(parsing raw: String) throws(ParseError) {
        var out: Paths = []
        for token in Self.split(raw) {
            let trimmed = token.trimmingASCII()
            guard !trimmed.isEmpty else { continue }
            let path: String
            var modifier: Modifier?
            if let colon = trimmed.firstIndex(of: ":") {
                path = String(trimmed[..<colon])
                modifier = try Self.parseModifier(trimmed[trimmed.index(after: colon)...])
            } else {
                path = String(trimmed)
            }
            if let i = out.firstIndex(where: { $0.path == path }) {
                out[i].modifier = modifier
            } else {
                out.append((path, modifier))
            }
        }
        paths = out
    }

    /// Top-level comma split that leaves `(…)` groups and quoted text whole.
    static func split(_ raw: String) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var quote: Character?
        var start = raw.startIndex
        var i = raw.startIndex
        while i < raw.endIndex {
            let ch = raw[i]
            if let q = quote {
                if ch == q { quote = nil }
            } else if ch == "'" || ch == "\"" {
                quote = ch
            } else if ch == "(" {
                depth += 1
            } else if ch == ")" {
                depth = max(0, depth - 1)
            } else if ch == "," && depth == 0 {
                parts.append(raw[start..<i])
                start = raw.index(after: i)
            }
            i = raw.index(after: i)
        }
        parts.append(raw[start...])
        return parts
    }

    /// `excerpt(200)`, `excerpt(20, true)`; anything else is an error (400 since PocketBase 0.40).
    static func parseModifier(_ text: Substring) throws(ParseError) -> Modifier {
        let spec = text.trimmingASCII()
        let name: String
        var arguments: [String] = []
        if let open = spec.firstIndex(of: "(") {
            guard spec.last == ")" else { throw ParseError(reason: "unbalanced modifier parentheses") }
            name = spec[..<open].trimmingASCII()
            let inner = spec[spec.index(after: open)..<spec.index(before: spec.endIndex)]
            arguments = split(String(inner)).map { arg in
                let a = arg.trimmingASCII()
                if a.count >= 2, let f = a.first, f == "'" || f == "\"", a.last == f { return String(a.dropFirst().dropLast()) }
                return a
            }
            if arguments == [""] { arguments = [] }
        } else {
            name = spec
        }
        switch name {
        case "excerpt":
            guard !arguments.isEmpty else { throw ParseError(reason: "excerpt: max argument is required") }
            guard arguments.count <= 2 else { throw ParseError(reason: "excerpt: too many arguments") }
            guard let maxChars = Int(arguments[0]), maxChars > 0 else { throw ParseError(reason: "excerpt: max argument must be > 0") }
            let withEllipsis = arguments.count > 1 && ["1", "t", "T", "true", "TRUE", "True"].contains(arguments[1])
            return .excerpt(maxChars: maxChars, withEllipsis: withEllipsis)
        default:
            throw ParseError(reason: "missing or invalid modifier \"\(name)\"")
        }
    }

    // MARK: - Picking

    /// The response pruned to the selected paths; a list envelope is pruned item by item.
    func apply(to value: JSON) -> JSON {
        if case .object(var envelope) = value, Self.isListEnvelope(envelope), let items = envelope["items"] {
            envelope["items"] = Self.pick(items, paths)
            return .object(envelope)
        }
        return Self.pick(value, paths)
    }

    /// The records list envelope (spec §3.1): `fields` applies to its items, not to it.
    static func isListEnvelope(_ o: JSONObject) -> Bool {
        o.count == 5 && o["items"]?.arrayValue != nil && o.contains(key: "page") && o.contains(key: "perPage")
            && o.contains(key: "totalItems") && o.contains(key: "totalPages")
    }

    static func pick(_ value: JSON, _ paths: Paths) -> JSON {
        switch value {
        case .object(let o):
            return .object(pick(object: o, paths))
        case .array(let items):
            // Like PocketBase, only arrays of objects are picked into.
            guard case .object? = items.first else { return value }
            return .array(items.map { item in
                if case .object(let o) = item { return .object(pick(object: o, paths)) }
                return item
            })
        default:
            return value
        }
    }

    /// Whether `path` selects `key` or something below it (`a.b` selects `a`).
    private static func selects(_ path: String, _ key: String) -> Bool {
        path == key || (path.hasPrefix(key) && path.utf8.dropFirst(key.utf8.count).first == UInt8(ascii: "."))
    }

    static func pick(object: JSONObject, _ paths: Paths) -> JSONObject {
        if paths.isEmpty { return object }
        var out = JSONObject()
        let star = paths.first { $0.path == "*" }
        for (key, value) in object {
            var nested: Paths = []
            var whole = false
            var modifier: Modifier?
            for p in paths where selects(p.path, key) {
                if p.path.utf8.count == key.utf8.count {
                    // A path ending here keeps the whole value, whatever longer paths say.
                    whole = true
                    modifier = p.modifier
                    break
                }
                nested.append((String(p.path.utf8.dropFirst(key.utf8.count + 1)) ?? "", p.modifier))
            }
            if whole {
                out[key] = modifier.map { $0.apply(value) } ?? value
            } else if !nested.isEmpty {
                out[key] = pick(value, nested)
            } else if let star {
                out[key] = star.modifier.map { $0.apply(value) } ?? value
            }
        }
        return out
    }
}

/// Plain-text excerpts of HTML, as PocketBase's `excerpt` modifier makes them: text of every
/// element except scripts, styles, media and form controls, whitespace collapsed, a space
/// between block elements, then cut to `maxChars` Unicode scalars.
enum Excerpt {
    /// Elements whose content is never text of the excerpt (PocketBase's `excludeTags`).
    static let excluded: Set<String> = [
        "head", "style", "script", "iframe", "embed", "applet", "object", "svg", "img", "picture",
        "dialog", "template", "button", "form", "textarea", "input", "select", "option",
    ]
    /// Elements that do not separate words (PocketBase's `inlineTags`); all others are blocks.
    static let inline: Set<String> = [
        "a", "abbr", "acronym", "b", "bdo", "big", "br", "button", "cite", "code", "em", "i", "label",
        "q", "small", "span", "strong", "strike", "sub", "sup", "time",
    ]
    /// Elements without an end tag (HTML §13.1.2), which must not start a skipped region.
    static let void: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]
    /// Elements whose content is raw text up to their end tag (HTML §13.1.2.1).
    static let rawText: Set<String> = ["script", "style", "textarea", "iframe", "title", "xmp", "noembed", "noframes"]

    static func make(_ html: String, maxChars: Int, withEllipsis: Bool) -> String {
        let text = plainText(html, limit: maxChars + 2)
        let scalars = text.unicodeScalars
        guard scalars.count > maxChars else { return text }
        var cut = String(String.UnicodeScalarView(scalars.prefix(maxChars)))
        while cut.last == " " { cut.removeLast() }
        return withEllipsis ? cut + "..." : cut
    }

    /// The collapsed, trimmed text; stops once it holds more than `limit` scalars.
    static func plainText(_ html: String, limit: Int) -> String {
        let bytes = Array(html.utf8)
        var out = ""
        var count = 0
        // html.Parse wraps everything in <html><body>, both blocks: the first text is left-trimmed.
        var hasPrevSpace = true
        var i = 0
        var skipping: (name: String, depth: Int)?

        func space() {
            if !hasPrevSpace {
                out.append(" "); count += 1
                hasPrevSpace = true
            }
        }
        func text(_ raw: String) {
            var collapsed = ""
            var inSpace = false
            for s in decodeEntities(raw).unicodeScalars {
                // Go's `\s` is ASCII whitespace only.
                if s == " " || s == "\t" || s == "\n" || s == "\r" || s == "\u{0C}" {
                    if !inSpace { collapsed.unicodeScalars.append(" ") }
                    inSpace = true
                } else {
                    collapsed.unicodeScalars.append(s)
                    inSpace = false
                }
            }
            if hasPrevSpace { while collapsed.first == " " { collapsed.removeFirst() } }
            guard !collapsed.isEmpty else { return }
            hasPrevSpace = collapsed.last == " "
            count += collapsed.unicodeScalars.count
            out += collapsed
        }

        while i < bytes.count && count <= limit {
            let b = bytes[i]
            guard b == UInt8(ascii: "<"), i + 1 < bytes.count else {
                let end = bytes[(i + 1)...].firstIndex(of: UInt8(ascii: "<")) ?? bytes.count
                if skipping == nil { text(String(decoding: bytes[i..<end], as: UTF8.self)) }
                i = end
                continue
            }
            let next = bytes[i + 1]
            if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                // Comments, doctypes and processing instructions carry no text.
                let isComment = bytes[(i + 1)...].starts(with: "!--".utf8)
                if isComment, let close = find(Array("-->".utf8), in: bytes, from: i + 4) {
                    i = close + 3
                } else if !isComment, let close = bytes[i...].firstIndex(of: UInt8(ascii: ">")) {
                    i = close + 1
                } else {
                    i = bytes.count
                }
                continue
            }
            let isEnd = next == UInt8(ascii: "/")
            var j = i + (isEnd ? 2 : 1)
            guard j < bytes.count, isLetter(bytes[j]) else {
                // A `<` that starts no tag is text.
                if skipping == nil { text("<") }
                i += 1
                continue
            }
            let nameStart = j
            while j < bytes.count, !isSpace(bytes[j]), bytes[j] != UInt8(ascii: "/"), bytes[j] != UInt8(ascii: ">") { j += 1 }
            let name = String(decoding: bytes[nameStart..<j], as: UTF8.self).lowercased()
            // Skip attributes up to the closing `>`, honouring quotes.
            var quote: UInt8?
            var selfClosing = false
            while j < bytes.count {
                let c = bytes[j]
                if let q = quote {
                    if c == q { quote = nil }
                } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    quote = c
                } else if c == UInt8(ascii: ">") {
                    selfClosing = j > 0 && bytes[j - 1] == UInt8(ascii: "/")
                    break
                }
                j += 1
            }
            i = min(j + 1, bytes.count)

            if var skip = skipping {
                if name == skip.name { skip.depth += isEnd ? -1 : (selfClosing ? 0 : 1) }
                skipping = skip.depth > 0 ? skip : nil
                continue
            }
            if !isEnd && rawText.contains(name) {
                // Raw text runs to the matching end tag; no tags inside it.
                let close = findEndTag(name, in: bytes, from: i) ?? bytes.count
                if !excluded.contains(name) {
                    if !inline.contains(name) { space() }
                    text(String(decoding: bytes[i..<close], as: UTF8.self))
                    if !inline.contains(name) { space() }
                }
                i = close
                if close < bytes.count, let gt = bytes[close...].firstIndex(of: UInt8(ascii: ">")) { i = gt + 1 }
                continue
            }
            if excluded.contains(name) {
                if !isEnd && !selfClosing && !void.contains(name) { skipping = (name, 1) }
                continue
            }
            if !inline.contains(name) { space() }
        }
        while out.last == " " { out.removeLast() }
        while out.first == " " { out.removeFirst() }
        return out
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard start <= bytes.count - needle.count else { return nil }
        var i = start
        while i <= bytes.count - needle.count {
            if bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// The position of `</name` (any case) at or after `start`.
    private static func findEndTag(_ name: String, in bytes: [UInt8], from start: Int) -> Int? {
        let needle = Array(("</" + name).utf8)
        var i = start
        while i + needle.count <= bytes.count {
            var matches = true
            for k in 0..<needle.count where bytes[i + k] | 0x20 != needle[k] | 0x20 {
                matches = false
                break
            }
            if matches { return i }
            i += 1
        }
        return nil
    }

    /// Character references as the HTML parser decodes them (the common named ones and numeric forms).
    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        let named: [Substring: String] = [
            "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
            "copy": "©", "reg": "®", "hellip": "…", "mdash": "—", "ndash": "–", "laquo": "«", "raquo": "»",
            "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "euro": "€", "trade": "™",
        ]
        var out = ""
        var rest = s[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(32).firstIndex(of: ";") {
                let entity = after[..<semi]
                var replacement: String?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    replacement = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else if entity.hasPrefix("#") {
                    replacement = UInt32(entity.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else {
                    replacement = named[entity]
                }
                if let replacement {
                    out += replacement
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            out += "&"
            rest = after
        }
        out += rest
        return out
    }
}
