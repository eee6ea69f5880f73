// Aerie — recursive-descent parser for the filter language, with hard limits (spec §5.1, §15.3)
// SPDX-License-Identifier: MIT

/// Parses filter text into a `FilterExpression`.
///
/// ```swift
/// let expr = try FilterParser.parse("published = true || author = @request.auth.id")
/// ```
/// Grammar (spec §5.1): `expr := group (("&&" | "||") group)*`, `group := "(" expr ")" | operand op operand`,
/// with `&&` binding tighter than `||`. Nesting is bounded by `FilterLimits.maxDepth`, so hostile
/// input such as 10,000 opening parentheses is an error, never a stack overflow.
public enum FilterParser {
    /// Parses `text`; returns `nil` for the empty string.
    ///
    /// An empty string means "no filter" (PocketBase ignores an absent or empty `?filter=`), but a
    /// text made only of whitespace and comments is an error, as in PocketBase (spec §5.1).
    public static func parse(_ text: String, limits: FilterLimits = .init()) throws(FilterError) -> FilterExpression? {
        if text.isEmpty { return nil }
        if text.utf8.count > limits.maxLength {
            throw FilterError("filter is too long (max \(limits.maxLength) characters)", at: .start)
        }
        var parser = Parser(lexer: FilterLexer(text), limits: limits)
        return try parser.parseFilter()
    }
}

/// The parser state: one token of lookahead over the lexer.
private struct Parser {
    var lexer: FilterLexer
    let limits: FilterLimits
    var comparisons = 0
    var lookahead: FilterToken?

    init(lexer: FilterLexer, limits: FilterLimits) {
        self.lexer = lexer
        self.limits = limits
    }

    mutating func peek() throws(FilterError) -> FilterToken {
        if let token = lookahead { return token }
        let token = try lexer.next()
        lookahead = token
        return token
    }

    mutating func advance() throws(FilterError) -> FilterToken {
        let token = try peek()
        lookahead = nil
        return token
    }

    func unexpected(_ token: FilterToken) -> FilterError {
        let what: String
        switch token.kind {
        case .end: what = "unexpected end of filter"
        case .identifier(let name, _): what = "unexpected identifier \(FilterLexer.quoted(name.utf8))"
        case .number(_, let text): what = "unexpected number \(text)"
        case .text: what = "unexpected text literal"
        case .op(let op): what = "unexpected operator '\(op.rawValue)'"
        case .and: what = "unexpected '&&'"
        case .or: what = "unexpected '||'"
        case .openParen: what = "unexpected '('"
        case .closeParen: what = "unexpected ')'"
        case .comma: what = "unexpected ','"
        }
        return lexer.error(what, at: token.start)
    }

    mutating func parseFilter() throws(FilterError) -> FilterExpression {
        if try peek().kind == .end {
            throw lexer.error("empty filter expression", at: 0)
        }
        let expression = try parseOr(depth: 0)
        let trailing = try peek()
        guard trailing.kind == .end else { throw unexpected(trailing) }
        return expression
    }

    /// `and ("||" and)*`, left-associative.
    mutating func parseOr(depth: Int) throws(FilterError) -> FilterExpression {
        var result = try parseAnd(depth: depth)
        while try peek().kind == .or {
            _ = try advance()
            result = .or(result, try parseAnd(depth: depth))
        }
        return result
    }

    /// `group ("&&" group)*`, left-associative.
    mutating func parseAnd(depth: Int) throws(FilterError) -> FilterExpression {
        var result = try parseGroup(depth: depth)
        while try peek().kind == .and {
            _ = try advance()
            result = .and(result, try parseGroup(depth: depth))
        }
        return result
    }

    /// `"(" expr ")"` or a comparison.
    mutating func parseGroup(depth: Int) throws(FilterError) -> FilterExpression {
        let token = try peek()
        if token.kind == .openParen {
            guard depth < limits.maxDepth else {
                throw lexer.error("parentheses nested too deeply (max \(limits.maxDepth))", at: token.start)
            }
            _ = try advance()
            let inner = try parseOr(depth: depth + 1)
            let close = try advance()
            guard close.kind == .closeParen else {
                if close.kind == .end { throw lexer.error("missing ')' for '('", at: token.start) }
                throw unexpected(close)
            }
            return inner
        }
        let left = try parseOperand(functionDepth: 0)
        let opToken = try advance()
        guard case .op(let op) = opToken.kind else {
            if opToken.kind == .end { throw lexer.error("unexpected end of filter, expected an operator", at: opToken.start) }
            throw unexpected(opToken)
        }
        let right = try parseOperand(functionDepth: 0)
        comparisons += 1
        guard comparisons <= limits.maxComparisons else {
            throw lexer.error("too many comparisons (max \(limits.maxComparisons))", at: token.start)
        }
        return .comparison(left, op, right)
    }

    /// An identifier, literal, macro or function call.
    mutating func parseOperand(functionDepth: Int) throws(FilterError) -> FilterOperand {
        let token = try advance()
        switch token.kind {
        case .number(let value, let text):
            return .number(value, text: text)
        case .text(let text):
            return .string(text)
        case .identifier(let name, let isCall):
            if isCall { return try parseCall(name: name, at: token.start, functionDepth: functionDepth + 1) }
            return FilterParserLiterals.operand(forIdentifier: name, position: lexer.position(at: token.start))
        case .end:
            throw lexer.error("unexpected end of filter, expected an operand", at: token.start)
        default:
            throw unexpected(token)
        }
    }

    /// `name "(" [arg ("," arg)* ","?] ")"` with the argument rules of spec §5.9.
    mutating func parseCall(name: String, at start: Int, functionDepth: Int) throws(FilterError) -> FilterOperand {
        guard let function = FilterFunction(rawValue: name) else {
            throw lexer.error("unknown function \(FilterLexer.quoted(name.utf8))", at: start)
        }
        guard functionDepth <= limits.maxFunctionDepth else {
            throw lexer.error("functions nested too deeply (max \(limits.maxFunctionDepth))", at: start)
        }
        let open = try advance()
        guard open.kind == .openParen else { throw unexpected(open) }
        var args: [FilterOperand] = []
        var argStarts: [Int] = []
        while true {
            let token = try peek()
            if token.kind == .closeParen {
                _ = try advance()
                break
            }
            if token.kind == .end { throw lexer.error("missing ')' for '\(name)('", at: start) }
            // Bounds the argument list before validation so a long list cannot grow unchecked.
            guard args.count < 10 else { throw lexer.error("too many arguments for \(name)", at: token.start) }
            argStarts.append(token.start)
            args.append(try parseOperand(functionDepth: functionDepth))
            let separator = try peek()
            if separator.kind == .comma {
                _ = try advance()
            } else if separator.kind != .closeParen {
                if separator.kind == .end { throw lexer.error("missing ')' for '\(name)('", at: start) }
                throw unexpected(separator)
            }
        }
        let position = lexer.position(at: start)
        switch function {
        case .geoDistance:
            guard args.count == 4 else {
                throw lexer.error("geoDistance expects 4 arguments, got \(args.count)", at: start)
            }
            for (i, arg) in args.enumerated() {
                switch arg {
                case .identifier, .number, .null: continue
                default: throw lexer.error("geoDistance argument \(i + 1) must be a number or an identifier", at: argStarts[i])
                }
            }
        case .strftime:
            guard !args.isEmpty else { throw lexer.error("strftime expects a format argument", at: start) }
            for (i, arg) in args.enumerated() where i != 1 {
                guard case .string = arg else {
                    let which = i == 0 ? "format" : "modifier \(i - 1)"
                    throw lexer.error("strftime \(which) must be a text literal", at: argStarts[i])
                }
            }
        }
        return .function(function, args: args, position: position)
    }
}

/// Recognition of literal words and macros, shared by the filter and sort parsers.
enum FilterParserLiterals {
    /// Literal words and macros are recognised here; everything else goes to the resolver.
    ///
    /// PocketBase treats `true`/`false`/`null` (any case) as literals only when no field has that
    /// name, and field names may not be those words, so they are always literals (spec §5.2).
    static func operand(forIdentifier name: String, position: SourcePosition) -> FilterOperand {
        if let macro = FilterMacro(rawValue: name) { return .macro(macro) }
        if name.utf8.count <= 5 {
            switch name.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default: break
            }
        }
        return .identifier(name, position: position)
    }

}
