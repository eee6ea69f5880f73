// Aerie — the seam between the domain-free filter language and a schema: what identifiers mean in SQL
// SPDX-License-Identifier: MIT

/// A piece of SQL and the values bound to its `?` placeholders, in order.
public struct SQLFragment: Sendable, Hashable, CustomStringConvertible {
    /// SQL text with `?` placeholders; never contains user-supplied text.
    public var sql: String
    /// One value per `?` in `sql`, in order.
    public var arguments: [FilterValue]

    /// Creates a fragment.
    public init(_ sql: String, arguments: [FilterValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// Appends another fragment's SQL and arguments.
    public mutating func append(_ other: SQLFragment) {
        sql += other.sql
        arguments += other.arguments
    }

    /// Appends fixed SQL text with no arguments.
    public mutating func append(_ text: String) { sql += text }

    /// The SQL text, for logs and test failures (arguments are left out like GRDB does).
    public var description: String { sql }

    // MARK: - Helpers for resolvers (field modifiers, spec §5.6)

    /// `LOWER(x)`, for the `:lower` modifier.
    public func lowercased() -> SQLFragment {
        var out = SQLFragment("LOWER(")
        out.append(self)
        out.append(")")
        return out
    }

    /// The number of items of a JSON-array column, for `:length`: 0 for NULL/`''`, 1 for a bare scalar.
    public func arrayLength() -> SQLFragment {
        var out = SQLFragment("(CASE WHEN json_valid(")
        out.append(self)
        out.append(") AND json_type(")
        out.append(self)
        out.append(") = 'array' THEN json_array_length(")
        out.append(self)
        out.append(") WHEN ")
        out.append(self)
        out.append(" IS NULL OR ")
        out.append(self)
        out.append(" = '' THEN 0 ELSE 1 END)")
        return out
    }

    /// A table-valued source over the items of a JSON-array column, for `:each` (its `value` column holds the items).
    public func jsonEachSource() -> SQLFragment {
        var out = SQLFragment("json_each(CASE WHEN json_valid(")
        out.append(self)
        out.append(") THEN ")
        out.append(self)
        out.append(" ELSE json_array(")
        out.append(self)
        out.append(") END)")
        return out
    }
}

/// What a resolved identifier becomes in SQL.
///
/// A single-valued identifier is an expression (`"posts"."title"`), possibly needing 1:1 joins.
/// A multi-valued one (multiple relation, back-relation, `@collection.*`, `:each`; spec §5.4) is read
/// the way PocketBase reads it: its rows *fan out*. `fanOutJoins` list the joins that produce one row
/// per item (`LEFT JOIN json_each(…) AS "__je.tags" LEFT JOIN "tags" "__f.tags" ON …`) and
/// `expression` is the item's value on such a row. The emitter evaluates the terms that read items
/// inside `EXISTS (SELECT 1 FROM (SELECT 1) <fan-out joins> WHERE …)`, one per group of top-level
/// terms sharing a join, so comparisons that share a join (same path, same `@collection` alias) look
/// at the same item, as in PocketBase, while the outer rows are never multiplied. `multiValueSource` is an independent subquery over the same items — something
/// that can follow `FROM`, with a `value` column, correlated with the outer row — used for the all-of
/// check of plain operators (`NOT EXISTS` an item that fails).
public struct ResolvedIdentifier: Sendable, Hashable {
    /// The value expression (for multi-valued identifiers: the item's value on a fan-out row).
    public var expression: SQLFragment
    /// 1:1 join clauses `expression` needs (`LEFT JOIN "users" "author" ON …`); the emitter deduplicates them.
    public var joins: [SQLFragment]
    /// For multi-valued identifiers: an independent FROM-able source whose `value` column holds the items.
    public var multiValueSource: SQLFragment?
    /// For multi-valued identifiers: the join clauses that fan the items out, in order; deduplicated by text.
    public var fanOutJoins: [SQLFragment]
    /// Conditions the identifier's joins impose on the whole filter (e.g. a related collection's list
    /// rule); the emitter ANDs them once at the top level (with the items, for fan-out joins).
    public var constraints: [SQLFragment]
    /// The kind of value; `.json` disables the NULL/`''` folding of `=` and `!=`.
    public var kind: ValueKind

    /// Whether comparisons use PocketBase's all-of / any-of semantics (spec §5.4).
    public var isMultiValued: Bool { multiValueSource != nil }

    /// Creates a resolved identifier.
    public init(_ expression: SQLFragment, kind: ValueKind = .text, joins: [SQLFragment] = [], multiValueSource: SQLFragment? = nil,
                fanOutJoins: [SQLFragment] = [], constraints: [SQLFragment] = []) {
        self.expression = expression
        self.kind = kind
        self.joins = joins
        self.multiValueSource = multiValueSource
        self.fanOutJoins = fanOutJoins
        self.constraints = constraints
    }

    /// Creates a single-valued identifier from plain SQL with no arguments.
    public init(sql: String, kind: ValueKind = .text) {
        self.init(SQLFragment(sql), kind: kind)
    }
}

/// What an identifier resolves to: SQL, or a value known before the query runs (`@request.*`).
public enum FieldResolution: Sendable, Hashable {
    /// A column, path or subquery.
    case identifier(ResolvedIdentifier)
    /// A static value (e.g. `@request.auth.id`); bound as a parameter like a literal.
    case value(FilterValue)
}

/// Maps identifiers (field paths with their modifiers) to SQL; implemented by the schema layer.
///
/// Throw a `FilterError` at `position` for unknown fields (`unknown field "titel"`); the emitter
/// passes it through unchanged.
public protocol FieldResolver {
    /// Resolves one identifier such as `title`, `author.name`, `tags:each` or `@request.auth.id`.
    func resolve(_ identifier: String, at position: SourcePosition) throws(FilterError) -> FieldResolution
}

/// The modifiers an identifier may end with (spec §5.6).
public enum FilterModifier: String, Sendable, Hashable, CaseIterable {
    /// `:isset`: whether the key was sent.
    case isset
    /// `:changed`: sent and different from the stored value.
    case changed
    /// `:length`: the number of items.
    case length
    /// `:each`: iterate the items (multi-valued).
    case each
    /// `:lower`: `LOWER(x)`.
    case lower
}

/// An identifier split into its dot segments and optional trailing modifier.
///
/// `author.name:lower` → segments `["author", "name"]`, modifier `.lower`. A colon inside an earlier
/// segment is an alias, not a modifier: `@collection.users:u.name` keeps `users:u` as one segment.
public struct FilterIdentifier: Sendable, Hashable {
    /// The dot-separated path segments.
    public var segments: [String]
    /// The modifier after the last segment, if any.
    public var modifier: FilterModifier?

    /// Splits `text`; throws for an unknown modifier or an empty segment.
    public init(parsing text: String, at position: SourcePosition) throws(FilterError) {
        var path = Substring(text)
        modifier = nil
        if let colon = path.lastIndex(of: ":"), !path[colon...].contains(".") {
            let name = path[path.index(after: colon)...]
            guard let known = FilterModifier(rawValue: String(name)) else {
                throw FilterError("unknown modifier \(FilterLexer.quoted(name.utf8))", at: position)
            }
            modifier = known
            path = path[..<colon]
        }
        segments = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if segments.contains(where: \.isEmpty) {
            throw FilterError("invalid identifier \(FilterLexer.quoted(text.utf8))", at: position)
        }
    }
}
