// Aerie — files arriving with a record write: merged into the body, then validated
// SPDX-License-Identifier: MIT
import AerieJSON

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
            if !f.mimeTypes.isEmpty && !MediaType.matches(upload.sniffedType, name: upload.storedName, anyOf: f.mimeTypes) {
                return FieldIssue("validation_invalid_mime_type",
                                  "\"\(upload.storedName)\" mime type must be one of: \(f.mimeTypes.joined(separator: ", ")).")
            }
        }
        return nil
    }
}

/// Media type comparison for `mimeTypes` checks, with the parents and aliases PocketBase's
/// detector (gabriel-vasile/mimetype) accepts.
enum MediaType {
    /// The type without parameters, lower-cased: `text/plain; charset=utf-8` → `text/plain`.
    static func essence(_ type: String) -> String {
        let base = type.split(separator: ";", maxSplits: 1).first.map(String.init) ?? type
        return String(base.filter { $0 != " " && $0 != "\t" }).lowercased()
    }

    /// Other names clients use for a type, mapped to the one the sniffer reports.
    static let aliases: [String: String] = [
        "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
        "audio/mp3": "audio/mpeg", "audio/x-mpeg": "audio/mpeg", "audio/x-mp3": "audio/mpeg",
        "application/x-pdf": "application/pdf", "application/x-zip-compressed": "application/zip",
        "application/x-gzip": "application/gzip", "image/vnd.microsoft.icon": "image/x-icon",
    ]

    /// Formats the small sniffer reports only by their container (`application/zip`) or as plain
    /// text, refined by the file's extension. Only these generic parents are refined, so an
    /// extension can never turn arbitrary binary content into an allowed type.
    static let refinements: [String: [String: String]] = [
        "application/zip": [
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
            "odp": "application/vnd.oasis.opendocument.presentation", "epub": "application/epub+zip",
            "jar": "application/jar", "apk": "application/vnd.android.package-archive",
        ],
        "text/plain": [
            "csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/json", "html": "text/html",
            "htm": "text/html", "md": "text/markdown", "xml": "text/xml", "css": "text/css", "js": "text/javascript",
            "ics": "text/calendar", "vcf": "text/vcard", "srt": "application/x-subrip", "vtt": "text/vtt",
        ],
    ]

    /// Whether an upload satisfies one of the allowed types: the sniffed type (or, for a generic
    /// sniff, the type its extension names) equals an allowed one after aliases, or an allowed
    /// one is a parent: `application/octet-stream` of everything, `text/plain` of any text,
    /// `application/zip` of the ZIP-based formats.
    static func matches(_ detected: String, name: String, anyOf allowed: [String]) -> Bool {
        let d = essence(detected)
        var candidates = [d]
        if let table = refinements[d], let dot = name.lastIndex(of: "."),
           let refined = table[String(name[name.index(after: dot)...]).lowercased()] {
            candidates.append(refined)
        }
        for raw in allowed {
            var a = essence(raw)
            a = aliases[a] ?? a
            if candidates.contains(a) || a == "application/octet-stream" { return true }
            if a == "text/plain" && (d.hasPrefix("text/") || candidates.contains { $0.hasPrefix("text/") }) { return true }
        }
        return false
    }
}
