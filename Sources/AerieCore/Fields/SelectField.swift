// Aerie — select field
// SPDX-License-Identifier: MIT
public import AerieJSON
import AerieSQLite

/// One or more values from a fixed list (`select`).
public struct SelectField: MultiValueField {
    public static let typeName = "select"
    public var base: FieldBase
    public var values: [String] = []
    public var maxSelect = 1

    public init(base: FieldBase, values: [String], maxSelect: Int) {
        self.base = base; self.values = values; self.maxSelect = maxSelect
    }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        values = o.strings("values")
        maxSelect = o.int("maxSelect", default: 1, min: 0)
        if values.isEmpty { o.fail("values", "must list at least one value") }
        if Set(values).count != values.count { o.fail("values", "must not repeat a value") }
        if maxSelect > Swift.max(values.count, 1) { o.fail("maxSelect", "must be <= the number of values (\(values.count))") }
    }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        let items = list(value)
        if items.isEmpty { return base.required ? .required : nil }
        // PocketBase checks the count before the values.
        if let issue = tooMany(items.count) { return issue }
        for v in items where !values.contains(v) {
            return FieldIssue("validation_invalid_value", "Invalid value \(v).", params: ["value": .string(v)])
        }
        return nil
    }

    public func optionsJSON() -> [(String, JSON)] {
        [("maxSelect", .int(Int64(maxSelect))), ("values", .array(values.map(JSON.string)))]
    }
}
