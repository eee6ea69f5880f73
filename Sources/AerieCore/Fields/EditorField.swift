// Aerie — editor (rich text) field
// SPDX-License-Identifier: MIT
public import AerieJSON
import AerieSQLite

/// HTML text (`editor`), limited in bytes by `maxSize` (0 means 5 MiB).
public struct EditorField: TextStoredField {
    public static let typeName = "editor"
    public var base: FieldBase
    public var maxSize = 0
    public var convertURLs = false

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        maxSize = o.int("maxSize", min: 0)
        convertURLs = o.bool("convertURLs")
    }

    public var effectiveMaxSize: Int { maxSize == 0 ? 5 << 20 : maxSize }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        guard case .string(let s) = value else { return .unsupportedValueType }
        if s.isEmpty { return base.required ? .required : nil }
        if s.utf8.count > effectiveMaxSize {
            return FieldIssue("validation_content_size_limit", "The maximum allowed content size is \(effectiveMaxSize) bytes.",
                              params: ["maxSize": .int(Int64(effectiveMaxSize))])
        }
        return nil
    }

    public func optionsJSON() -> [(String, JSON)] { [("maxSize", .int(Int64(maxSize))), ("convertURLs", .bool(convertURLs))] }
}
