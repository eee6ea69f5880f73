// Aerie — file field (names only; uploads are handled by the files layer)
// SPDX-License-Identifier: MIT
public import AerieJSON
import AerieSQLite

/// Names of files stored with the record (`file`). Through JSON a client may only keep or
/// drop names the record already has; new files arrive as multipart uploads.
public struct FileField: MultiValueField {
    public static let typeName = "file"
    public var base: FieldBase
    public var maxSelect = 1
    public var maxSize = 0
    public var mimeTypes: [String] = []
    public var thumbs: [String] = []
    public var protected = false

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        maxSelect = o.int("maxSelect", default: 1, min: 0)
        maxSize = o.int("maxSize", min: 0)
        mimeTypes = o.strings("mimeTypes")
        thumbs = o.strings("thumbs")
        protected = o.bool("protected")
    }

    /// Per-file size limit in bytes (0 means 5 MiB).
    public var effectiveMaxSize: Int { maxSize == 0 ? 5 << 20 : maxSize }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        let names = list(value)
        if names.isEmpty { return base.required ? .required : nil }
        let existing = Set(context.oldValue.map(list) ?? [])
        let invalid = names.filter { !existing.contains($0) }
        if !invalid.isEmpty {
            return FieldIssue("validation_invalid_file", "Invalid new files: \(invalid.joined(separator: ", ")).",
                              params: ["invalidFiles": .array(invalid.map(JSON.string))])
        }
        return tooMany(names.count, code: "validation_too_many_files")
    }

    public func optionsJSON() -> [(String, JSON)] {
        [("maxSelect", .int(Int64(maxSelect))), ("maxSize", .int(Int64(maxSize))), ("mimeTypes", .array(mimeTypes.map(JSON.string))),
         ("thumbs", .array(thumbs.map(JSON.string))), ("protected", .bool(protected))]
    }
}
