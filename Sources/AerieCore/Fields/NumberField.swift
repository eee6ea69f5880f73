// Aerie — number field
// SPDX-License-Identifier: MIT
public import AerieJSON
public import AerieSQLite

/// A float64 (`number`). Zero counts as empty: `required` rejects it and the range and
/// `onlyInt` checks skip it, as in PocketBase.
public struct NumberField: FieldType {
    public static let typeName = "number"
    public var base: FieldBase
    public var min: Double?
    public var max: Double?
    public var onlyInt = false

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        min = o.optionalDouble("min")
        max = o.optionalDouble("max")
        onlyInt = o.bool("onlyInt")
        if let min, let max, min > max { o.fail("min", "must be <= max") }
    }

    public var storage: SQLStorageKind { .real }
    public var defaultSQL: String { "0" }
    public var zeroValue: JSON { .int(0) }

    public func normalize(_ input: JSON) -> JSON { canonical(Cast.double(input)) }

    /// Integral values are kept as `.int` so they print and bind without a fraction.
    func canonical(_ d: Double) -> JSON {
        if d.isFinite, d == d.rounded(), abs(d) < 9.007_199_254_740_992e15 { return .int(Int64(d)) }
        return .double(d)
    }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        guard let d = value.doubleValue else { return .unsupportedValueType }
        if !d.isFinite { return FieldIssue("validation_not_a_number", "The submitted number is not properly formatted.") }
        if d == 0 { return base.required ? .required : nil }
        if onlyInt && d != d.rounded() { return FieldIssue("validation_only_int_constraint", "Decimal numbers are not allowed.") }
        if let min, d < min {
            return FieldIssue("validation_min_number_constraint", "Must be greater or equal than \(GoFloat.formatFixed(min)).", params: ["min": canonical(min)])
        }
        if let max, d > max {
            return FieldIssue("validation_max_number_constraint", "Must be less or equal than \(GoFloat.formatFixed(max)).", params: ["max": canonical(max)])
        }
        return nil
    }

    public func apply(_ modifier: FieldModifier, to current: JSON, operand: JSON) -> JSON? {
        let a = Cast.double(current), b = Cast.double(operand)
        switch modifier {
        case .append: return canonical(a + b)
        case .subtract: return canonical(a - b)
        case .prepend: return nil
        }
    }

    public func sqlValue(_ value: JSON) -> SQLValue {
        switch value {
        case .int(let i): return .integer(i)
        default: return .real(Cast.double(value))
        }
    }

    public func readValue(_ statement: Statement, _ column: Int32) -> JSON {
        switch statement.columnType(column) {
        case .integer: return .int(statement.int64(column))
        case .null: return .int(0)
        default: return canonical(statement.double(column))
        }
    }

    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) {
        Self.write(statement, column, to: &writer)
    }
    public var columnFormat: ColumnFormat { .number }

    /// An integer column as an integer, a float as Go formats it, NULL as 0.
    static func write(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) {
        switch statement.columnType(column) {
        case .integer: writer.int(statement.int64(column))
        case .null: writer.int(0)
        default: writer.double(statement.double(column))
        }
    }

    public func optionsJSON() -> [(String, JSON)] {
        [("min", min.map(canonical) ?? .null), ("max", max.map(canonical) ?? .null), ("onlyInt", .bool(onlyInt))]
    }
}
