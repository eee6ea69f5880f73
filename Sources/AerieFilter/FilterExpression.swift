// Aerie — the AST of PocketBase's filter language (fexpr grammar, spec §5.1)
// SPDX-License-Identifier: MIT

/// A parsed filter: comparisons joined by `&&` / `||`; parentheses only shape the tree.
///
/// `&&` binds tighter than `||` (spec §5.1: PocketBase joins the groups left to right into one
/// SQL expression, so SQL precedence applies): `a = 1 || b = 2 && c = 3` is
/// `.or(a = 1, .and(b = 2, c = 3))`.
public indirect enum FilterExpression: Sendable, Hashable {
    /// `left op right`.
    case comparison(FilterOperand, FilterOperator, FilterOperand)
    /// `left && right`.
    case and(FilterExpression, FilterExpression)
    /// `left || right`.
    case or(FilterExpression, FilterExpression)
}

/// One side of a comparison.
public enum FilterOperand: Sendable, Hashable {
    /// A field path such as `title`, `author.name`, `tags:each` or `@request.auth.id`, with modifiers kept in the text.
    case identifier(String, position: SourcePosition)
    /// A quoted text literal, unescaped.
    case string(String)
    /// A number literal with its source text (PocketBase binds numbers as floats, spec §5.2).
    case number(Double, text: String)
    /// `true` / `false` in any case.
    /// A boolean, bound as 0/1 by the integrator.
    case bool(Bool)
    /// `null` in any case.
    /// SQL NULL.
    case null
    /// A call of one of the functions of spec §5.9, arguments already checked by the parser.
    case function(FilterFunction, args: [FilterOperand], position: SourcePosition)
    /// A datetime macro such as `@now` (spec §5.8).
    case macro(FilterMacro)
}

/// The comparison operators of spec §5.1; the `?` family means "at least one" on multi-valued operands.
public enum FilterOperator: String, Sendable, Hashable, CaseIterable {
    /// `=`: equal, with NULL and `''` treated alike.
    case equal = "="
    /// `!=`: not equal (`IS NOT`), NULL and `''` treated alike.
    case notEqual = "!="
    /// `>`.
    case greater = ">"
    /// `>=`.
    case greaterOrEqual = ">="
    /// `<`.
    case less = "<"
    /// `<=`.
    case lessOrEqual = "<="
    /// `~`: contains / LIKE pattern.
    case like = "~"
    /// `!~`: does not contain / NOT LIKE.
    case notLike = "!~"
    /// `?=`: at least one item equals.
    case anyEqual = "?="
    /// `?!=`: at least one item differs.
    case anyNotEqual = "?!="
    /// `?>`: at least one item is greater.
    case anyGreater = "?>"
    /// `?>=`: at least one item is greater or equal.
    case anyGreaterOrEqual = "?>="
    /// `?<`: at least one item is less.
    case anyLess = "?<"
    /// `?<=`: at least one item is less or equal.
    case anyLessOrEqual = "?<="
    /// `?~`: at least one item contains.
    case anyLike = "?~"
    /// `?!~`: at least one item does not contain.
    case anyNotLike = "?!~"

    /// Whether this is one of the `?` ("any of") operators.
    public var isAnyOf: Bool { rawValue.utf8.first == UInt8(ascii: "?") }

    /// The same comparison without the any-of prefix (`?>=` → `>=`).
    public var base: FilterOperator {
        switch self {
        case .anyEqual: .equal
        case .anyNotEqual: .notEqual
        case .anyGreater: .greater
        case .anyGreaterOrEqual: .greaterOrEqual
        case .anyLess: .less
        case .anyLessOrEqual: .lessOrEqual
        case .anyLike: .like
        case .anyNotLike: .notLike
        default: self
        }
    }
}

/// The functions of spec §5.9.
public enum FilterFunction: String, Sendable, Hashable, CaseIterable {
    /// `geoDistance(lonA, latA, lonB, latB)`: haversine distance in kilometres.
    case geoDistance
    /// `strftime(format[, time[, modifier…]])`: SQLite's `strftime`, NULL folded to `''`.
    case strftime
}

/// The datetime macros of spec §5.8, evaluated in UTC from the emitter's clock.
public enum FilterMacro: String, Sendable, Hashable, CaseIterable {
    /// The current instant.
    case now = "@now"
    /// 24 hours before now.
    case yesterday = "@yesterday"
    /// 24 hours after now.
    case tomorrow = "@tomorrow"
    /// Today at 00:00:00.000.
    case todayStart = "@todayStart"
    /// Today at 23:59:59.999.
    case todayEnd = "@todayEnd"
    /// The first day of this month at 00:00:00.000.
    case monthStart = "@monthStart"
    /// The last day of this month at 23:59:59.999.
    case monthEnd = "@monthEnd"
    /// January 1 at 00:00:00.000.
    case yearStart = "@yearStart"
    /// December 31 at 23:59:59.999.
    case yearEnd = "@yearEnd"
    /// The current second (0-59).
    case second = "@second"
    /// The current minute (0-59).
    case minute = "@minute"
    /// The current hour (0-23).
    case hour = "@hour"
    /// The day of the month (1-31).
    case day = "@day"
    /// The month (1-12).
    case month = "@month"
    /// The year.
    case year = "@year"
    /// The day of the week (0 = Sunday).
    case weekday = "@weekday"
}

/// A place in the filter text: 1-based line and column (in Unicode scalars) and the 0-based UTF-8 offset.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int
    /// 0-based byte offset into the UTF-8 text.
    public var offset: Int

    /// Creates a position.
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// The start of a text.
    public static let start = SourcePosition(line: 1, column: 1, offset: 0)

    /// `line:column`, as error messages print it.
    public var description: String { "\(line):\(column)" }
}

/// A value bound as an SQL parameter; the integrator maps it to its SQL value type.
public enum FilterValue: Sendable, Hashable {
    case null
    /// A 64-bit integer.
    case integer(Int64)
    /// A floating-point number.
    case double(Double)
    /// Text.
    case text(String)
    case bool(Bool)

    /// Whether PocketBase treats the value as "empty" in `=`/`!=` (NULL or `''`, spec §5.3).
    public var isEmpty: Bool {
        switch self {
        case .null: true
        case .text(let s): s.isEmpty
        default: false
        }
    }
}

/// What kind of value an identifier holds; decides the `=`/`!=` NULL folding.
public enum ValueKind: Sendable, Hashable {
    /// Text, compared with NULL/`''` folding.
    case text
    /// A number.
    case number
    /// A boolean stored as 0/1.
    case bool
    /// JSON columns compare with `IS` / `IS NOT` and no NULL/`''` folding (spec §5.3).
    case json
    /// A datetime stored as text in the §1.4 layout.
    case date
}
