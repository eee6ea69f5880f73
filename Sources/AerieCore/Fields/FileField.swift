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
        if !invalid.isEmpty { return Self.invalidFilesIssue(invalid) }
        return tooMany(names.count, code: "validation_too_many_files")
    }

    /// `validation_invalid_file`: names a client sent that are neither stored nor uploaded.
    /// The list reads like Go's `%v` of a string slice: `[a.txt b.txt]`.
    static func invalidFilesIssue(_ invalid: [String]) -> FieldIssue {
        let shown = invalid.map { $0.utf8.count > 250 ? String(decoding: Array($0.utf8.prefix(250)), as: UTF8.self) : $0 }
        return FieldIssue("validation_invalid_file", "Invalid new files: [\(shown.joined(separator: " "))].",
                          params: ["invalidFiles": .array(shown.map(JSON.string))])
    }

    /// PocketBase's check on a stored name: 1–150 characters, not starting with `.`, `/` or `\`.
    static func isValidStoredName(_ name: String) -> Bool {
        guard (1...150).contains(name.count), let first = name.utf8.first else { return false }
        return first != UInt8(ascii: ".") && first != UInt8(ascii: "/") && first != UInt8(ascii: "\\")
    }

    public func optionsJSON() -> [(String, JSON)] {
        [("maxSelect", .int(Int64(maxSelect))), ("maxSize", .int(Int64(maxSize))), ("mimeTypes", .array(mimeTypes.map(JSON.string))),
         ("thumbs", .array(thumbs.map(JSON.string))), ("protected", .bool(protected))]
    }
}
