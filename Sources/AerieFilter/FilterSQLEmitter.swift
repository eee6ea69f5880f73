// Aerie — turns a FilterExpression into a parameterised SQL condition (PocketBase's tools/search semantics)
// SPDX-License-Identifier: MIT
public import AerieBase

/// The SQL dialect the emitter writes; the seam for a future PostgreSQL back-end.
public enum FilterDialect: Sendable, Hashable {
    /// SQLite 3.38+ (json_each, math functions for `geoDistance`).
    case sqlite
}

/// The output of the emitter: a WHERE condition plus the joins its single-valued identifiers need.
///
/// Build `SELECT … FROM t <joins> WHERE <condition>` and bind the joins' arguments first, then the
/// condition's. `condition` is always a primary expression (comparisons, or parenthesised
/// `AND`/`OR` lists), safe to combine with other conditions without extra parentheses.
public struct FilterSQL: Sendable, Hashable {
    /// The WHERE condition.
    public var condition: SQLFragment
    /// Deduplicated join clauses, in first-use order.
    public var joins: [SQLFragment]
    /// The fan-out joins inside `condition`'s `EXISTS`, and the terms evaluated on each fan-out row
    /// there (empty when nothing fans out); a multi-valued sort key reuses them to sort by the item
    /// the filter matched, as PocketBase does.
    public var fanOutJoins: [SQLFragment] = []
    public var fanOutTerms: [SQLFragment] = []

    /// All arguments in statement order (joins first, then the condition).
    public var arguments: [FilterValue] { joins.flatMap(\.arguments) + condition.arguments }
}

/// Emits SQL for a parsed filter, asking a `FieldResolver` for every identifier.
///
/// ```swift
/// let emitter = FilterSQLEmitter(resolver: PostsResolver(), now: { Timestamp.now() })
/// let sql = try emitter.emit(expression)   // condition: (("posts"."title" LIKE ? ESCAPE '\') AND …)
/// ```
/// Literals and macro values are always bound (`?`); the only SQL text not taken from the resolver is
/// fixed by the emitter (`''`, `NULL`, `1`, `0`, keywords and `__mvN` aliases). Semantics follow
/// spec §5.3/§5.4 and PocketBase's `tools/search/filter.go`.
public struct FilterSQLEmitter<Resolver: FieldResolver> {
    /// The identifier resolver.
    public var resolver: Resolver
    /// The target dialect.
    public var dialect: FilterDialect
    /// The clock for datetime macros.
    public var now: @Sendable () -> Timestamp

    /// Creates an emitter.
    public init(resolver: Resolver, dialect: FilterDialect = .sqlite, now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) {
        self.resolver = resolver
        self.dialect = dialect
        self.now = now
    }

    /// Emits the condition for `expression`; resolver errors pass through unchanged.
    ///
    /// Multi-valued identifiers fan out (see `ResolvedIdentifier`): the top-level `AND` terms that read
    /// fan-out rows are evaluated inside `EXISTS (SELECT 1 FROM (SELECT 1) <fan-out joins> WHERE …)`,
    /// one per group of terms that share a join (terms on unrelated paths need no common rows, so
    /// they are not crossed with each other); the other terms and the constraints of 1:1 joins stay
    /// outside, where indexes on the queried table can serve them.
    public func emit(_ expression: FilterExpression) throws(FilterError) -> FilterSQL {
        var emission = Emission(resolver: resolver, now: now())
        var outside: [SQLFragment] = []
        var groups: [(joins: Set<SQLFragment>, terms: [SQLFragment])] = []
        for term in Emission<Resolver>.terms(of: expression, and: true) {
            emission.termJoins = []
            emission.termConstraints = []
            let sql = try emission.emit(term)
            guard !emission.termJoins.isEmpty else { outside.append(sql); continue }
            // Merge every group that shares a join with this term.
            var merged = (joins: emission.termJoins, terms: [SQLFragment]())
            var kept: [(joins: Set<SQLFragment>, terms: [SQLFragment])] = []
            for group in groups {
                if group.joins.isDisjoint(with: merged.joins) {
                    kept.append(group)
                } else {
                    merged.joins.formUnion(group.joins)
                    merged.terms += group.terms
                }
            }
            merged.terms.append(sql)
            for constraint in emission.termConstraints where !merged.terms.contains(constraint) { merged.terms.append(constraint) }
            groups = kept + [merged]
        }
        var inside: [SQLFragment] = []
        for group in groups {
            var exists = SQLFragment("EXISTS (SELECT 1 FROM (SELECT 1)")
            for join in emission.fanOut where group.joins.contains(join) {
                exists.append(" ")
                exists.append(join)
            }
            exists.append(" WHERE ")
            for (i, term) in group.terms.enumerated() {
                if i > 0 { exists.append(" AND ") }
                exists.append(term)
            }
            exists.append(")")
            outside.append(exists)
            inside += group.terms
        }
        outside += emission.constraints
        var condition: SQLFragment
        if outside.count == 1 {
            condition = outside[0]
        } else {
            condition = SQLFragment("(")
            for (i, term) in outside.enumerated() {
                if i > 0 { condition.append(" AND ") }
                condition.append(term)
            }
            condition.append(")")
        }
        var out = FilterSQL(condition: condition, joins: emission.joins)
        if !emission.fanOut.isEmpty {
            out.fanOutJoins = emission.fanOut
            out.fanOutTerms = inside
        }
        return out
    }
}

/// The emitter holds only its resolver and a `@Sendable` clock, so it is as sendable as its resolver.
extension FilterSQLEmitter: Sendable where Resolver: Sendable {}

// MARK: - Emission state

/// One operand after resolution.
private struct Side {
    /// Expression SQL (for multi-valued operands, unused in comparisons).
    var sql: SQLFragment
    /// The source of items for multi-valued operands.
    var multi: SQLFragment?
    /// JSON columns and `geoDistance` results compare with `IS` and no NULL/`''` folding.
    var noCoalesce = false
    /// Literal NULL or `''` (PocketBase's "empty identifier / empty param").
    var isEmpty = false
    /// A bound literal or a `1`/`0` constant: known not to be empty.
    var isKnownNonEmpty = false
    /// The bound value behind a literal, for LIKE pattern wrapping.
    var likeValue: FilterValue?
}

private struct Emission<Resolver: FieldResolver> {
    let resolver: Resolver
    let now: Timestamp
    var joins: [SQLFragment] = []
    var seenJoins: Set<SQLFragment> = []
    /// Fan-out joins of multi-valued identifiers, in first-use order.
    var fanOut: [SQLFragment] = []
    var seenFanOut: Set<SQLFragment> = []
    var constraints: [SQLFragment] = []
    var seenConstraints: Set<SQLFragment> = []
    /// The fan-out joins the top-level term being emitted reads, and the constraints of its multi-valued identifiers.
    var termJoins: Set<SQLFragment> = []
    var termConstraints: [SQLFragment] = []
    var aliasCounter = 0

    init(resolver: Resolver, now: Timestamp) {
        self.resolver = resolver
        self.now = now
    }

    mutating func emit(_ expression: FilterExpression) throws(FilterError) -> SQLFragment {
        switch expression {
        case .comparison(let left, let op, let right):
            return try comparison(left, op, right)
        case .and, .or:
            let isAnd: Bool
            if case .and = expression { isAnd = true } else { isAnd = false }
            var out = SQLFragment("(")
            for (i, term) in Self.terms(of: expression, and: isAnd).enumerated() {
                if i > 0 { out.append(isAnd ? " AND " : " OR ") }
                out.append(try emit(term))
            }
            out.append(")")
            return out
        }
    }

    /// Flattens left-nested chains of one connective: a && b && c → [a, b, c]. Anything else is one term.
    static func terms(of expression: FilterExpression, and isAnd: Bool) -> [FilterExpression] {
        var terms: [FilterExpression] = []
        var node = expression
        while true {
            switch (node, isAnd) {
            case (.and(let l, let r), true), (.or(let l, let r), false):
                terms.append(r)
                node = l
                continue
            default:
                terms.append(node)
            }
            break
        }
        return terms.reversed()
    }

    mutating func addJoins(_ list: [SQLFragment]) {
        for join in list where seenJoins.insert(join).inserted { joins.append(join) }
    }

    /// Registers what a resolved identifier needs: its 1:1 joins, its fan-out joins and its constraints.
    mutating func register(_ resolved: ResolvedIdentifier) {
        addJoins(resolved.joins)
        for join in resolved.fanOutJoins where seenFanOut.insert(join).inserted { fanOut.append(join) }
        termJoins.formUnion(resolved.fanOutJoins)
        if resolved.fanOutJoins.isEmpty {
            // Guards of 1:1 joins apply to the outer row: once, outside every EXISTS.
            for constraint in resolved.constraints where seenConstraints.insert(constraint).inserted { constraints.append(constraint) }
        } else {
            // Guards of fan-out joins may name the items: they go with the term's EXISTS.
            termConstraints += resolved.constraints
        }
    }

    mutating func nextAlias() -> String {
        aliasCounter += 1
        return "__mv\(aliasCounter)"
    }

    // MARK: Operands

    mutating func side(_ operand: FilterOperand) throws(FilterError) -> Side {
        switch operand {
        case .string(let text):
            if text.isEmpty { return Side(sql: SQLFragment("''"), isEmpty: true, likeValue: .text("")) }
            return Side(sql: SQLFragment("?", arguments: [.text(text)]), isKnownNonEmpty: true, likeValue: .text(text))
        case .number(let value, _):
            return Side(sql: SQLFragment("?", arguments: [.double(value)]), isKnownNonEmpty: true, likeValue: .double(value))
        case .bool(let value):
            return Side(sql: SQLFragment(value ? "1" : "0"), isKnownNonEmpty: true)
        case .null:
            return Side(sql: SQLFragment("NULL"), isEmpty: true)
        case .macro(let macro):
            let value = macro.value(at: now)
            return Side(sql: SQLFragment("?", arguments: [value]), isKnownNonEmpty: true, likeValue: value)
        case .identifier(let name, let position):
            switch try resolver.resolve(name, at: position) {
            case .value(let value):
                return Self.valueSide(value)
            case .identifier(let resolved):
                register(resolved)
                return Side(sql: resolved.expression, multi: resolved.multiValueSource, noCoalesce: resolved.kind == .json)
            }
        case .function(let function, let args, _):
            return try functionSide(function, args)
        }
    }

    static func valueSide(_ value: FilterValue) -> Side {
        switch value {
        case .null: Side(sql: SQLFragment("NULL"), isEmpty: true)
        case .text(let s) where s.isEmpty: Side(sql: SQLFragment("''"), isEmpty: true, likeValue: value)
        default: Side(sql: SQLFragment("?", arguments: [value]), isKnownNonEmpty: true, likeValue: value)
        }
    }

    /// SQL for a function-argument operand: multi-valued identifiers use their fan-out item, so a
    /// function of them has any-of semantics (spec §5.9).
    mutating func argument(_ operand: FilterOperand) throws(FilterError) -> SQLFragment {
        if case .identifier(let name, let position) = operand,
           case .identifier(let resolved) = try resolver.resolve(name, at: position) {
            register(resolved)
            return resolved.expression
        }
        return try side(operand).sql
    }

    mutating func functionSide(_ function: FilterFunction, _ args: [FilterOperand]) throws(FilterError) -> Side {
        switch function {
        case .geoDistance:
            // Haversine with R = 6371 km (spec §5.9); arguments are (lonA, latA, lonB, latB).
            var resolved: [SQLFragment] = []
            for arg in args { resolved.append(try argument(arg)) }
            guard resolved.count == 4 else { return Side(sql: SQLFragment("NULL"), isEmpty: true) }
            let (lonA, latA, lonB, latB) = (resolved[0], resolved[1], resolved[2], resolved[3])
            var out = SQLFragment("(6371 * acos(cos(radians(")
            out.append(latA); out.append(")) * cos(radians(")
            out.append(latB); out.append(")) * cos(radians(")
            out.append(lonB); out.append(") - radians(")
            out.append(lonA); out.append(")) + sin(radians(")
            out.append(latA); out.append(")) * sin(radians(")
            out.append(latB); out.append("))))")
            return Side(sql: out, noCoalesce: true)
        case .strftime:
            // NULL for an empty or unparseable date, as PocketBase: `strftime(…) < '2000'` is then
            // false; `=`/`!=` still fold NULL and '' like any other operand.
            var out = SQLFragment("strftime(")
            for (i, arg) in args.enumerated() {
                if i > 0 { out.append(", ") }
                out.append(try argument(arg))
            }
            out.append(")")
            return Side(sql: out)
        }
    }

    // MARK: Comparisons

    mutating func comparison(_ left: FilterOperand, _ op: FilterOperator, _ right: FilterOperand) throws(FilterError) -> SQLFragment {
        let l = try side(left)
        let r = try side(right)
        let base = op.base
        // On a fan-out row a multi-valued operand is one item, so the comparison itself is the
        // any-of test (spec §5.4): `?` operators need nothing more.
        let direct = Self.compare(l, base, r)
        guard !op.isAnyOf, l.multi != nil || r.multi != nil else { return direct }

        // Plain operators: every item must match — this item matches AND NOT EXISTS an item that
        // fails, read from the independent sources. As in PocketBase, a NULL item makes `NOT (…)`
        // NULL, so it never counts as failing; it can only fail the direct comparison.
        func item(_ s: Side, _ alias: String) -> Side {
            Side(sql: SQLFragment("\(alias).value"), noCoalesce: s.noCoalesce)
        }
        var from = SQLFragment("")
        var lAll = l, rAll = r
        if let source = l.multi {
            let alias = nextAlias()
            from.append(source); from.append(" AS \(alias)")
            lAll = item(l, alias)
        }
        if let source = r.multi {
            let alias = nextAlias()
            if !from.sql.isEmpty { from.append(" LEFT JOIN ") }
            from.append(source); from.append(" AS \(alias)")
            rAll = item(r, alias)
        }
        var out = SQLFragment("(")
        out.append(direct)
        out.append(" AND NOT EXISTS (SELECT 1 FROM ")
        out.append(from)
        out.append(" WHERE NOT (")
        out.append(Self.compare(lAll, base, rAll))
        out.append(")))")
        return out
    }

    /// One single-valued comparison (`op` has no `?` prefix).
    static func compare(_ l: Side, _ op: FilterOperator, _ r: Side) -> SQLFragment {
        switch op {
        case .equal, .notEqual:
            return equality(l, op == .equal, r)
        case .like, .notLike:
            let keyword = op == .like ? " LIKE " : " NOT LIKE "
            var out = l.sql
            if let value = r.likeValue {
                out.append(keyword)
                out.append(SQLFragment("?", arguments: [.text(likePattern(value))]))
            } else {
                // A column on the right: contains-match against its value.
                out.append(keyword + "('%' || ")
                out.append(r.sql)
                out.append(" || '%')")
            }
            out.append(" ESCAPE '\\'")
            return out
        default:
            var out = l.sql
            out.append(" \(op.rawValue) ")
            out.append(r.sql)
            return out
        }
    }

    /// `=` / `!=` with PocketBase's NULL/`''` folding (spec §5.3). `!=` always uses `IS NOT`, so rows
    /// whose value is NULL match `x != 'v'`.
    static func equality(_ l: Side, _ isEqual: Bool, _ r: Side) -> SQLFragment {
        let eq = isEqual ? " = " : " IS NOT "
        let nullEq = isEqual ? " IS " : " IS NOT "
        let join = isEqual ? " OR " : " AND "
        let nullTest = isEqual ? " IS NULL" : " IS NOT NULL"
        var out = SQLFragment("")
        if l.noCoalesce || r.noCoalesce {
            out.append(l.sql); out.append(nullEq); out.append(r.sql)
        } else if l.isEmpty && r.isEmpty {
            out.append("''" + eq + "''")
        } else if l.isKnownNonEmpty || r.isKnownNonEmpty {
            out.append(l.isEmpty ? SQLFragment("''") : l.sql)
            out.append(eq)
            out.append(r.isEmpty ? SQLFragment("''") : r.sql)
        } else if l.isEmpty {
            out.append("(''" + eq); out.append(r.sql); out.append(join); out.append(r.sql); out.append(nullTest + ")")
        } else if r.isEmpty {
            out.append("("); out.append(l.sql); out.append(eq + "''" + join); out.append(l.sql); out.append(nullTest + ")")
        } else {
            out.append("COALESCE("); out.append(l.sql); out.append(", '')" + eq + "COALESCE("); out.append(r.sql); out.append(", '')")
        }
        return out
    }

    /// The LIKE pattern for a literal: used verbatim when it holds an unescaped `%`, otherwise its
    /// `\`, `%` and `_` are escaped and it is wrapped as `%value%` (spec §5.3).
    static func likePattern(_ value: FilterValue) -> String {
        let text = value.likeText
        if FilterLikePattern.containsUnescapedPercent(text) { return text }
        return "%" + FilterLikePattern.escape(text) + "%"
    }
}

/// LIKE pattern helpers shared by the emitter and its tests.
enum FilterLikePattern {
    /// Whether `text` has a `%` not preceded by an escaping backslash (`\\` is an escaped backslash).
    static func containsUnescapedPercent(_ text: String) -> Bool {
        var escaped = false
        for b in text.utf8 {
            if escaped {
                escaped = false
            } else if b == UInt8(ascii: "\\") {
                escaped = true
            } else if b == UInt8(ascii: "%") {
                return true
            }
        }
        return false
    }

    /// Escapes `\`, `%` and `_` that are not already escaped, so they match themselves under `ESCAPE '\'`.
    ///
    /// A backslash already followed by one of those characters is kept as the escape it is, which
    /// keeps PocketBase's behaviour for `title ~ 'a\_b'`.
    static func escape(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\"), i + 1 < bytes.count, isSpecial(bytes[i + 1]) {
                out.append(b)
                out.append(bytes[i + 1])
                i += 2
                continue
            }
            if isSpecial(b) { out.append(UInt8(ascii: "\\")) }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isSpecial(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "\\") || b == UInt8(ascii: "%") || b == UInt8(ascii: "_")
    }
}

extension FilterValue {
    /// The text a LIKE pattern is made from (Go's `cast.ToString` forms: `1` for 1.0, `true`, `` for NULL).
    var likeText: String {
        switch self {
        case .null: ""
        case .text(let s): s
        case .integer(let i): String(i)
        case .bool(let b): b ? "true" : "false"
        case .double(let d):
            if d == d.rounded(), abs(d) < 9.0e15 { String(Int64(d)) } else { "\(d)" }
        }
    }
}
