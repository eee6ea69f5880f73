// Aerie — converts a PocketBase collections export into an Aerie schema file
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON

/// `aerie schema import-pocketbase`: reads PocketBase's collection JSON (the dashboard's
/// "Export collections" array, or the `GET /api/collections` page with `items`) and writes
/// an Aerie schema file. System collections (`_superusers`, `_mfas`, …) are left out, relation
/// targets are named instead of referenced by id, and keys Aerie does not implement (OAuth2,
/// OTP, MFA, e-mail templates) are dropped with a note. The result is validated before it is
/// returned, so what comes out always loads.
public enum PocketBaseImport {
    /// The converted schema file, and notes on what was left out.
    public struct Result: Sendable {
        public var schemaFile: String
        public var notes: [String]
    }

    /// Converts `bytes` (PocketBase collections JSON) into a schema file.
    /// - Throws: `SchemaError` when the input is not a collections export or cannot be converted.
    public static func convert(_ bytes: [UInt8], file: String) throws -> Result {
        let root = try SchemaLoader.parseJSON(bytes, file: file)
        let list: [JSON]
        if let array = root.arrayValue {
            list = array
        } else if let items = root["items"]?.arrayValue ?? root["collections"]?.arrayValue {
            list = items
        } else {
            throw SchemaError(file: file, issues: [SchemaIssue(path: "", message: "expected PocketBase collections: an array, or an object with \"items\"")])
        }
        var notes: [String] = []
        var names: [String: String] = [:]
        for item in list {
            if let id = item["id"]?.stringValue, let name = item["name"]?.stringValue { names[id] = name }
        }
        let unsupported = ["oauth2", "otp", "mfa", "authAlert", "verificationTemplate", "resetPasswordTemplate", "confirmEmailChangeTemplate"]
        var collections: [JSON] = []
        for item in list {
            guard case .object(var c) = item else { continue }
            let name = c["name"]?.stringValue ?? "?"
            if c["system"]?.boolValue == true || name.hasPrefix("_") {
                if name != SystemCollections.superusersName { notes.append("skipped system collection \(name)") }
                continue
            }
            if c["type"]?.stringValue == "view" {
                notes.append("skipped view collection \(name): Aerie does not support view collections yet")
                continue
            }
            for key in ["created", "updated", "system"] { c[key] = nil }
            for key in unsupported where c.contains(key: key) {
                if isEnabled(c[key]) { notes.append("dropped \(name).\(key): not supported by Aerie") }
                c[key] = nil
            }
            if case .array(let fields)? = c["fields"] {
                c["fields"] = .array(fields.map { field in
                    guard case .object(var f) = field else { return field }
                    f["system"] = nil
                    if f["type"]?.stringValue == "relation", let target = f["collectionId"]?.stringValue, let targetName = names[target] {
                        f["collectionId"] = nil
                        f["collection"] = .string(targetName)
                    }
                    return .object(f)
                })
            }
            collections.append(.object(c))
        }
        var schema: JSON = .object(["collections": .array(collections)])
        // Drop options this version does not know, one validation round at a time, noting each.
        for _ in 0..<8 {
            let text = PrettyJSON.text(schema) + "\n"
            do {
                _ = try SchemaLoader.load(Array(text.utf8), file: file)
                return Result(schemaFile: text, notes: notes)
            } catch {
                let unknown = error.issues.filter { $0.message.hasPrefix("unknown option") || $0.message == "unknown collection key" }
                guard unknown.count == error.issues.count else { throw error }
                for issue in unknown {
                    schema = removing(SchemaLoader.pathComponents(issue.path), from: schema)
                    notes.append("dropped \(describe(issue.path, in: schema)): \(issue.message)")
                }
            }
        }
        throw SchemaError(file: file, issues: [SchemaIssue(path: "", message: "the collections could not be converted")])
    }

    private static func isEnabled(_ value: JSON?) -> Bool {
        guard case .object(let o)? = value else { return false }
        return o["enabled"]?.boolValue == true
    }

    private static func removing(_ path: [JSONPathComponent], from value: JSON) -> JSON {
        guard let first = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch (first, value) {
        case (.key(let k), .object(var o)):
            if rest.isEmpty { o[k] = nil } else if let child = o[k] { o[k] = removing(rest, from: child) }
            return .object(o)
        case (.index(let i), .array(var a)) where a.indices.contains(i):
            a[i] = removing(rest, from: a[i])
            return .array(a)
        default:
            return value
        }
    }

    /// `collections[1].fields[2].foo` → `posts.title.foo`.
    private static func describe(_ path: String, in schema: JSON) -> String {
        let parts = SchemaLoader.pathComponents(path)
        var out: [String] = []
        var node: JSON? = schema
        for part in parts {
            switch part {
            case .key(let k):
                node = node?[k]
                if k != "collections" && k != "fields" { out.append(k) }
            case .index(let i):
                node = node?[i]
                out.append(node?["name"]?.stringValue ?? "[\(i)]")
            }
        }
        return out.joined(separator: ".")
    }
}
