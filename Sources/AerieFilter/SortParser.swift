// Aerie — parser for the `sort` query parameter (spec §6)
// SPDX-License-Identifier: MIT

/// One term of a sort list.
public struct SortTerm: Sendable, Hashable {
    /// What a term sorts by.
    public enum Target: Sendable, Hashable {
        /// A field path for the resolver (`created`, `author.name`, `meta.score`).
        case identifier(String, position: SourcePosition)
        /// `@random`: `RANDOM()`.
        case random
        /// `@rowid`: SQLite insertion order.
        case rowID
    }

    /// What to sort by.
    public var target: Target
    /// `true` for a `-` prefix.
    public var isDescending: Bool

    /// Creates a term.
    public init(_ target: Target, isDescending: Bool = false) {
        self.target = target
        self.isDescending = isDescending
    }

    /// `ASC` or `DESC`.
    public var direction: String { isDescending ? "DESC" : "ASC" }
}

/// Parses `sort=-created,title,+views` into terms (spec §6).
public enum SortParser {
    /// Parses a comma list; `""` is no sort. Each term is `-`/`+` plus an identifier, `@random` or `@rowid`.
    ///
    /// Literals (text, numbers, `true`/`false`/`null`, datetime macros) are refused because they would
    /// sort by a constant; PocketBase rejects them too.
    public static func parse(_ text: String, maxTerms: Int = 8, maxTermLength: Int = 255) throws(FilterError) -> [SortTerm] {
        let bytes = Array(text.utf8)
        let lexer = FilterLexer(bytes: bytes)
        if bytes.allSatisfy(FilterLexer.isWhitespace) { return [] }
        var terms: [SortTerm] = []
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: ",") { end += 1 }
            var lo = start, hi = end
            while lo < hi, FilterLexer.isWhitespace(bytes[lo]) { lo += 1 }
            while hi > lo, FilterLexer.isWhitespace(bytes[hi - 1]) { hi -= 1 }
            guard lo < hi else { throw lexer.error("empty sort term", at: lo) }
            guard terms.count < maxTerms else { throw lexer.error("too many sort terms (max \(maxTerms))", at: lo) }
            guard hi - lo <= maxTermLength else {
                throw lexer.error("sort term is too long (max \(maxTermLength) characters)", at: lo)
            }
            var isDescending = false
            var nameStart = lo
            if bytes[lo] == UInt8(ascii: "-") || bytes[lo] == UInt8(ascii: "+") {
                isDescending = bytes[lo] == UInt8(ascii: "-")
                nameStart += 1
            }
            guard nameStart < hi else { throw lexer.error("invalid sort term \(FilterLexer.quoted(bytes[lo..<hi]))", at: lo) }
            terms.append(SortTerm(try target(bytes, nameStart, hi, lexer), isDescending: isDescending))
            start = end + 1
        }
        return terms
    }

    private static func target(_ bytes: [UInt8], _ lo: Int, _ hi: Int, _ whole: FilterLexer) throws(FilterError) -> SortTerm.Target {
        var lexer = FilterLexer(bytes: Array(bytes[lo..<hi]))
        let token: FilterToken
        do {
            token = try lexer.next()
        } catch {
            throw whole.error(error.message, at: lo + error.position.offset)
        }
        let rest = try? lexer.next()
        guard case .identifier(let name, _) = token.kind, rest?.kind == .end else {
            throw whole.error("invalid sort term \(FilterLexer.quoted(bytes[lo..<hi]))", at: lo)
        }
        if name == "@random" { return .random }
        if name == "@rowid" { return .rowID }
        let position = whole.position(at: lo)
        guard case .identifier = FilterParserLiterals.operand(forIdentifier: name, position: position) else {
            throw whole.error("cannot sort by the literal \(FilterLexer.quoted(name.utf8))", at: lo)
        }
        return .identifier(name, position: position)
    }
}
