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
    case bool(Bool)
    /// `null` in any case.
    case null
    /// A call of one of the functions of spec §5.9, arguments already checked by the parser.
    case function(FilterFunction, args: [FilterOperand], position: SourcePosition)
    /// A datetime macro such as `@now` (spec §5.8).
    case macro(FilterMacro)
}

/// The comparison operators of spec §5.1; the `?` family means "at least one" on multi-valued operands.
public enum FilterOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="
    case like = "~"
    case notLike = "!~"
    case anyEqual = "?="
    case anyNotEqual = "?!="
    case anyGreater = "?>"
    case anyGreaterOrEqual = "?>="
    case anyLess = "?<"
    case anyLessOrEqual = "?<="
    case anyLike = "?~"
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
    case now = "@now"
    case yesterday = "@yesterday"
    case tomorrow = "@tomorrow"
    case todayStart = "@todayStart"
    case todayEnd = "@todayEnd"
    case monthStart = "@monthStart"
    case monthEnd = "@monthEnd"
    case yearStart = "@yearStart"
    case yearEnd = "@yearEnd"
    case second = "@second"
    case minute = "@minute"
    case hour = "@hour"
    case day = "@day"
    case month = "@month"
    case year = "@year"
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
    case integer(Int64)
    case double(Double)
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
    case text
    case number
    case bool
    /// JSON columns compare with `IS` / `IS NOT` and no NULL/`''` folding (spec §5.3).
    case json
    case date
}
