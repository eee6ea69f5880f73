// Aerie — files arriving with a record write: merged into the body, then validated
// SPDX-License-Identifier: MIT
public import AerieJSON

/// One uploaded file, held in a temporary file until the record write stores it.
public struct FileUpload: Sendable {
    /// The form key it was sent under, modifiers included (`docs`, `docs+`, `+docs`).
    public var key: String
    /// The client's file name (shown in size errors, as PocketBase does).
    public var originalName: String
    /// The generated name it is stored under (`my_photo_1_j8f4jbqwbh.png`).
    public var storedName: String
    /// The size in bytes.
    public var size: Int
    /// Where the bytes are until stored.
    public var temporaryPath: String
    /// The media type detected from the content (never the client's header).
    public var sniffedType: String

    public init(key: String, originalName: String, storedName: String, size: Int, temporaryPath: String, sniffedType: String) {
        self.key = key; self.originalName = originalName; self.storedName = storedName
        self.size = size; self.temporaryPath = temporaryPath; self.sniffedType = sniffedType
    }
}

/// The uploads of one request, by stored name.
struct UploadSet {
    let all: [FileUpload]
    let byName: [String: FileUpload]

    init(_ uploads: [FileUpload]) {
        all = uploads
        var map: [String: FileUpload] = [:]
        for u in uploads where map[u.storedName] == nil { map[u.storedName] = u }
        byName = map
    }

    /// The body with each upload's stored name placed under its form key (spec §3.6): a plain
    /// key replaces the field's value unless the body also lists names under that key, which
    /// are kept before the uploads; modifier keys (`docs+`, `+docs`) carry only the uploads, and
    /// the record input applies them like any other modifier.
    /// Uploads under a key that names no file field are ignored, as in PocketBase.
    func merged(into body: JSONObject, schema: CollectionSchema) -> JSONObject {
        var out = body
        var keys: [String] = []
        for u in all where !keys.contains(u.key) { keys.append(u.key) }
        for key in keys {
            var names: [JSON] = []
            let isModifier = key.hasPrefix("+") || key.hasSuffix("+") || key.hasSuffix("-")
            let fieldName = key.hasPrefix("+") ? String(key.dropFirst()) : (isModifier ? String(key.dropLast()) : key)
            guard schema.field(named: fieldName) is FileField else { continue }
            if !isModifier, let listed = body[key] {
                names = Cast.uniqueStrings(listed).map(JSON.string)
            }
            names += all.filter { $0.key == key }.map { JSON.string($0.storedName) }
            out[key] = .array(names)
        }
        return out
    }

    /// Re-validates every file field whose value names an upload, replacing the issue the plain
    /// validation gave it (which knows only the stored names). Order as PocketBase: required,
    /// unknown plain names, maxSelect, then each upload's name, size and type.
    func revalidate(_ fields: [any FieldType], values: [String: JSON], old: [String: JSON]?, issues: inout [String: FieldIssue]) {
        for case let f as FileField in fields {
            let names = f.list(values[f.name] ?? f.zeroValue)
            guard names.contains(where: { byName[$0] != nil }) else { continue }
            issues[f.name] = validate(f, names: names, old: old.map { f.list($0[f.name] ?? f.zeroValue) } ?? [])
        }
    }

    private func validate(_ f: FileField, names: [String], old: [String]) -> FieldIssue? {
        let existing = Set(old)
        let invalid = names.filter { byName[$0] == nil && !existing.contains($0) }
        if !invalid.isEmpty { return FileField.invalidFilesIssue(invalid) }
        if let issue = f.tooMany(names.count, code: "validation_too_many_files") { return issue }
        for name in names {
            guard let upload = byName[name] else { continue }
            if !FileField.isValidStoredName(upload.storedName) {
                return FieldIssue("validation_invalid_file_name", "Invalid file name.")
            }
            if upload.size > f.effectiveMaxSize {
                return FieldIssue("validation_file_size_limit",
                                  "Failed to upload \(upload.originalName) - the maximum allowed file size is \(f.effectiveMaxSize) bytes.",
                                  params: ["file": .string(upload.originalName), "maxSize": .int(Int64(f.effectiveMaxSize))])
            }
            if !f.mimeTypes.isEmpty && !MediaType.matches(upload.sniffedType, anyOf: f.mimeTypes) {
                return FieldIssue("validation_invalid_mime_type",
                                  "\"\(upload.storedName)\" mime type must be one of: \(f.mimeTypes.joined(separator: ", ")).")
            }
        }
        return nil
    }
}

/// Media type comparison for `mimeTypes` checks, with the parents PocketBase's detector accepts.
enum MediaType {
    /// The type without parameters, lower-cased: `text/plain; charset=utf-8` → `text/plain`.
    static func essence(_ type: String) -> String {
        let base = type.split(separator: ";", maxSplits: 1).first.map(String.init) ?? type
        return String(base.filter { $0 != " " && $0 != "\t" }).lowercased()
    }

    /// Whether a detected type satisfies one of the allowed ones: the same essence, the
    /// universal parent `application/octet-stream`, `text/plain` for any text type, or
    /// `application/zip` for the ZIP-based formats.
    static func matches(_ detected: String, anyOf allowed: [String]) -> Bool {
        let d = essence(detected)
        for raw in allowed {
            let a = essence(raw)
            if a == d || a == "application/octet-stream" { return true }
            if a == "text/plain" && d.hasPrefix("text/") { return true }
        }
        return false
    }
}
