// Aerie — reads and validates a schema file
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON

/// One problem in a schema file, located by a path such as `collections[1].fields[3].maxSelect`.
public struct SchemaIssue: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var line: Int?
    public var column: Int?

    public init(path: String, message: String, line: Int? = nil, column: Int? = nil) {
        self.path = path; self.message = message; self.line = line; self.column = column
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A schema file that cannot be used, with every problem found.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var issues: [SchemaIssue]

    public init(file: String, issues: [SchemaIssue]) {
        self.file = file
        self.issues = issues
    }

    /// One line per issue: `file:line:col: path: message`.
    public var description: String {
        issues.map { issue in
            var location = file
            if let line = issue.line { location += ":\(line)" + (issue.column.map { ":\($0)" } ?? "") }
            return "\(location): \(issue)"
        }.joined(separator: "\n")
    }
}

/// Turns schema-file bytes into a validated `Schema` (docs/schema.md).
public enum SchemaLoader {
    /// Collection and field names (schema-format.md).
    static func isValidName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, b.count <= 63, (first | 0x20) >= 97, (first | 0x20) <= 122 else { return false }
        return b.allSatisfy { ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    static let reservedFieldNames: Set<String> = ["collectionId", "collectionName", "expand", "null", "true", "false", "_rowid_", "rowid", "oid"]
    static let reservedAuthFieldNames: Set<String> = ["passwordConfirm", "oldPassword"]

    /// Parses JSON leniently (comments, trailing commas); a syntax error is a `SchemaError` with
    /// its line and column in `file`.
    static func parseJSON(_ bytes: [UInt8], file: String) throws(SchemaError) -> JSON {
        do {
            return try JSONParser.parse(bytes, options: .lenient)
        } catch {
            let (line, column) = JSONError.lineColumn(of: error.offset, in: bytes)
            throw SchemaError(file: file, issues: [SchemaIssue(path: "", message: "invalid JSON: \(error.reason)", line: line, column: column)])
        }
    }

    /// Parses and validates; `file` names the source in error messages.
    public static func load(_ bytes: [UInt8], file: String) throws(SchemaError) -> Schema {
        let root = try parseJSON(bytes, file: file)
        var builder = Builder()
        let schema = builder.build(root)
        if !builder.issues.isEmpty {
            let located = builder.issues.map { issue -> SchemaIssue in
                var issue = issue
                if let offset = JSONParser.offset(of: pathComponents(issue.path), in: bytes, options: .lenient) {
                    let (line, column) = JSONError.lineColumn(of: offset, in: bytes)
                    issue.line = line; issue.column = column
                }
                return issue
            }
            throw SchemaError(file: file, issues: located)
        }
        return schema
    }

    /// `collections[1].fields[3].max` → [.key(collections), .index(1), …]; the deepest
    /// existing prefix is located, so a missing key points at its parent object.
    static func pathComponents(_ path: String) -> [JSONPathComponent] {
        var out: [JSONPathComponent] = []
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indexes: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]") {
                if let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) { indexes.insert(i, at: 0) }
                name = name[..<open]
            }
            if !name.isEmpty { out.append(.key(String(name))) }
            out += indexes.map(JSONPathComponent.index)
        }
        return out
    }

    private struct Builder {
        var issues: [SchemaIssue] = []
        /// Where each declared field sits in the file, by collection id and field name.
        var fieldPaths: [String: [String: String]] = [:]
        /// Where each collection sits in the file, by id.
        var collectionPaths: [String: String] = [:]

        mutating func fail(_ path: String, _ message: String) { issues.append(SchemaIssue(path: path, message: message)) }

        mutating func build(_ root: JSON) -> Schema {
            guard case .object(let top) = root else { fail("", "the schema must be a JSON object with a \"collections\" array"); return Schema(collections: []) }
            for key in top.keys where key != "collections" && key != "$schema" { fail(key, "unknown key (expected \"collections\")") }
            guard let list = top["collections"]?.arrayValue else { fail("collections", "is required and must be an array"); return Schema(collections: []) }
            var collections: [CollectionSchema] = [SystemCollections.superusers()]
            var namesSeen: [String: Int] = [:]
            for (i, item) in list.enumerated() {
                let path = "collections[\(i)]"
                guard case .object(let o) = item else { fail(path, "must be an object"); continue }
                guard let c = collection(o, path: path) else { continue }
                let lower = ASCII.lowercased(c.name)
                if let previous = namesSeen[lower] {
                    fail(path + ".name", "duplicates the name of collections[\(previous)]")
                    continue
                }
                if collections.contains(where: { $0.id == c.id }) { fail(path + ".id", "duplicates another collection's id"); continue }
                namesSeen[lower] = i
                collectionPaths[c.id] = path
                collections.append(c)
            }
            // SQLite index names share one namespace across all tables.
            var indexOwners: [String: String] = [:]
            for c in collections {
                for (i, index) in c.indexes.enumerated() {
                    let key = ASCII.lowercased(index.name)
                    if let owner = indexOwners[key], owner != c.name {
                        fail("\(collectionPaths[c.id] ?? "collections").indexes[\(i)]", "index name \"\(index.name)\" is already used by collection \(owner); index names must be unique in the database")
                    }
                    indexOwners[key] = c.name
                }
            }
            // Resolve relation targets now that every collection is known.
            let index = Dictionary(collections.map { (ASCII.lowercased($0.name), $0.id) }, uniquingKeysWith: { a, _ in a })
            let ids = Set(collections.map(\.id))
            for ci in collections.indices {
                for fi in collections[ci].fields.indices {
                    guard var r = collections[ci].fields[fi] as? RelationField else { continue }
                    let path = fieldPaths[collections[ci].id]?[r.name] ?? collectionPaths[collections[ci].id] ?? "collections"
                    if !r.collection.isEmpty {
                        guard let id = index[ASCII.lowercased(r.collection)] else {
                            fail(path + ".collection", "no collection named \"\(r.collection)\""); continue
                        }
                        r.collectionID = id
                    } else if !ids.contains(r.collectionID) {
                        fail(path + ".collectionId", "no collection with id \"\(r.collectionID)\""); continue
                    }
                    if let target = collections.first(where: { $0.id == r.collectionID }), target.type == .view, collections[ci].type != .view {
                        fail(path + ".collection", "only view collections may point at a view collection"); continue
                    }
                    collections[ci].fields[fi] = r
                }
            }
            return Schema(collections: collections)
        }

        mutating func collection(_ o: JSONObject, path: String) -> CollectionSchema? {
            let known: Set<String> = ["id", "name", "type", "system", "fields", "indexes", "listRule", "viewRule", "createRule", "updateRule",
                                      "deleteRule", "authRule", "manageRule", "passwordAuth", "authToken", "verificationToken",
                                      "passwordResetToken", "emailChangeToken", "fileToken", "otp", "mfa", "oauth2", "authAlert",
                                      "viewQuery", "created", "updated", "verificationTemplate", "resetPasswordTemplate",
                                      "confirmEmailChangeTemplate"]
            for key in o.keys where !known.contains(key) { fail("\(path).\(key)", "unknown collection key") }
            guard let name = o["name"]?.stringValue else { fail(path + ".name", "is required and must be a string"); return nil }
            guard SchemaLoader.isValidName(name) else {
                fail(path + ".name", name.hasPrefix("_") ? "names starting with _ are reserved for system collections"
                                                        : "must match ^[A-Za-z][A-Za-z0-9_]{0,62}$")
                return nil
            }
            if name.contains("_via_") { fail(path + ".name", "must not contain _via_ (reserved for back-relations)"); return nil }
            var type = CollectionType.base
            if let t = o["type"] {
                guard let s = t.stringValue, let parsed = CollectionType(rawValue: s) else {
                    fail(path + ".type", "must be \"base\", \"auth\" or \"view\""); return nil
                }
                type = parsed
            }
            if type == .view {
                fail(path + ".type", "view collections are not supported yet; declare a base collection instead")
                return nil
            }
            let id: String
            if let given = o["id"] {
                guard let s = given.stringValue, !s.isEmpty, s.utf8.count <= 100,
                      s.utf8.allSatisfy({ ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
                    fail(path + ".id", "must be a non-empty string of letters, digits and _"); return nil
                }
                id = s
            } else {
                id = CollectionSchema.defaultID(type: type, name: name)
            }

            var fields: [any FieldType] = []
            var declared: [any FieldType] = []
            if let rawFields = o["fields"] {
                guard let list = rawFields.arrayValue else { fail(path + ".fields", "must be an array"); return nil }
                var seen: [String: Int] = [:]
                for (i, item) in list.enumerated() {
                    let fpath = "\(path).fields[\(i)]"
                    guard case .object(let fo) = item else { fail(fpath, "must be an object"); continue }
                    guard let f = field(fo, path: fpath, collectionType: type) else { continue }
                    fieldPaths[id, default: [:]][f.name] = fpath
                    if let previous = seen[ASCII.lowercased(f.name)] { fail(fpath + ".name", "duplicates the name of fields[\(previous)]"); continue }
                    seen[ASCII.lowercased(f.name)] = i
                    declared.append(f)
                }
            }
            // System fields first: id, then the auth fields; declared fields with those names
            // customise options but keep their type.
            let declaredID = declared.first { $0.name == "id" }
            if let declaredID, !(declaredID is TextField) { fail(path + ".fields", "the id field must be of type text") }
            var idField = (declaredID as? TextField) ?? TextField.idField()
            idField.base.system = true; idField.base.required = true; idField.primaryKey = true
            fields.append(idField)
            if type == .auth {
                for system in SystemCollections.authFields(collectionID: id) {
                    if let custom = declared.first(where: { $0.name == system.name }) {
                        if custom.typeName != system.typeName {
                            fail(path + ".fields", "\(system.name) is a system field of auth collections and must keep type \(system.typeName)")
                        }
                        var merged = custom
                        merged.base.system = true
                        merged.base.required = system.base.required || custom.base.required
                        merged.base.hidden = system.base.hidden
                        fields.append(merged)
                    } else {
                        fields.append(system)
                    }
                }
            }
            let systemNames = Set(fields.map(\.name))
            for f in declared where !systemNames.contains(f.name) { fields.append(f) }
            if !fields.contains(where: { $0.name == "created" }) {
                fields.append(AutodateField(base: FieldBase(id: "autodate2990389176", name: "created", system: false), onCreate: true, onUpdate: false))
            }
            if !fields.contains(where: { $0.name == "updated" }) {
                fields.append(AutodateField(base: FieldBase(id: "autodate3332085495", name: "updated", system: false), onCreate: true, onUpdate: true))
            }

            var rules = CollectionRules()
            rules.list = rule(o, "listRule", path)
            rules.view = rule(o, "viewRule", path)
            rules.create = rule(o, "createRule", path)
            rules.update = rule(o, "updateRule", path)
            rules.delete = rule(o, "deleteRule", path)

            var indexes: [IndexDefinition] = []
            if let rawIndexes = o["indexes"] {
                guard let list = rawIndexes.arrayValue else { fail(path + ".indexes", "must be an array of CREATE INDEX statements"); return nil }
                for (i, item) in list.enumerated() {
                    let ipath = "\(path).indexes[\(i)]"
                    guard let sql = item.stringValue else { fail(ipath, "must be a string"); continue }
                    switch IndexDefinition.parse(sql) {
                    case .failure(let e): fail(ipath, e.message)
                    case .success(let index):
                        if ASCII.lowercased(index.table) != ASCII.lowercased(name) {
                            fail(ipath, "indexes table \"\(index.table)\" but belongs to collection \"\(name)\"")
                        } else if let missing = index.columns.first(where: { col in !fields.contains { $0.name == col } }) {
                            fail(ipath, "unknown column \"\(missing)\"; the collection has no field with that name")
                        } else if indexes.contains(where: { ASCII.lowercased($0.name) == ASCII.lowercased(index.name) }) {
                            fail(ipath, "duplicates the index name \"\(index.name)\"")
                        } else {
                            var fixed = index
                            fixed.table = name
                            indexes.append(fixed)
                        }
                    }
                }
            }
            var auth: AuthOptions?
            if type == .auth {
                var a = AuthOptions()
                if o.contains(key: "authRule") { a.authRule = rule(o, "authRule", path) }
                a.manageRule = rule(o, "manageRule", path)
                if a.manageRule == "" { fail(path + ".manageRule", "cannot be \"\"; use null (superusers only) or an expression") }
                if case .object(let pa)? = o["passwordAuth"] {
                    a.passwordAuthEnabled = pa["enabled"]?.boolValue ?? true
                    if let idf = pa["identityFields"]?.arrayValue {
                        a.identityFields = idf.compactMap(\.stringValue)
                        for f in a.identityFields where !fields.contains(where: { $0.name == f }) {
                            fail(path + ".passwordAuth.identityFields", "unknown field \"\(f)\"")
                        }
                    }
                }
                a.authTokenDuration = duration(o, "authToken", path, default: a.authTokenDuration)
                a.verificationTokenDuration = duration(o, "verificationToken", path, default: a.verificationTokenDuration)
                a.passwordResetTokenDuration = duration(o, "passwordResetToken", path, default: a.passwordResetTokenDuration)
                a.emailChangeTokenDuration = duration(o, "emailChangeToken", path, default: a.emailChangeTokenDuration)
                a.fileTokenDuration = duration(o, "fileToken", path, default: a.fileTokenDuration)
                otp(o, path, into: &a)
                auth = a
                for system in SystemCollections.authIndexes(collectionID: id, table: name)
                where !indexes.contains(where: { ASCII.lowercased($0.name) == ASCII.lowercased(system.name) }) {
                    indexes.append(system)
                }
            }
            return CollectionSchema(id: id, name: name, type: type, fields: fields, indexes: indexes, rules: rules, auth: auth)
        }

        mutating func rule(_ o: JSONObject, _ key: String, _ path: String) -> String? {
            guard let v = o[key] else { return nil }
            if v.isNull { return nil }
            guard let s = v.stringValue else { fail("\(path).\(key)", "must be null or a filter string"); return nil }
            if s.utf8.count > 3500 { fail("\(path).\(key)", "must be at most 3500 characters") }
            return s
        }

        /// `otp: {enabled, duration, length}` (PocketBase's option; duration 10…94670856 s, length 4…32 digits).
        mutating func otp(_ o: JSONObject, _ path: String, into a: inout AuthOptions) {
            guard let v = o["otp"] else { return }
            guard case .object(let inner) = v else { fail("\(path).otp", "must be an object such as {\"enabled\": true}"); return }
            if let e = inner["enabled"] {
                if let b = e.boolValue { a.otpEnabled = b } else { fail("\(path).otp.enabled", "must be true or false") }
            }
            a.otpDuration = duration(o, "otp", path, default: a.otpDuration)
            if let l = inner["length"] {
                if let n = l.intValue, (4...32).contains(n) { a.otpLength = Int(n) } else { fail("\(path).otp.length", "must be a whole number from 4 to 32") }
            }
        }

        mutating func duration(_ o: JSONObject, _ key: String, _ path: String, default value: Int) -> Int {
            guard let v = o[key] else { return value }
            guard case .object(let inner) = v else { fail("\(path).\(key)", "must be an object such as {\"duration\": 3600}"); return value }
            guard let d = inner["duration"] else { return value }
            guard let seconds = d.intValue, seconds >= 10, seconds <= 94_670_856 else {
                fail("\(path).\(key).duration", "must be a whole number of seconds from 10 to 94670856"); return value
            }
            return Int(seconds)
        }

        mutating func field(_ o: JSONObject, path: String, collectionType: CollectionType) -> (any FieldType)? {
            guard let name = o["name"]?.stringValue else { fail(path + ".name", "is required and must be a string"); return nil }
            guard SchemaLoader.isValidName(name) else { fail(path + ".name", "must match ^[A-Za-z][A-Za-z0-9_]{0,62}$"); return nil }
            if SchemaLoader.reservedFieldNames.contains(name) || name.contains("_via_") {
                fail(path + ".name", "\"\(name)\" is reserved"); return nil
            }
            if collectionType == .auth && SchemaLoader.reservedAuthFieldNames.contains(name) {
                fail(path + ".name", "\"\(name)\" is reserved in auth collections"); return nil
            }
            guard let type = o["type"]?.stringValue else { fail(path + ".type", "is required (text, number, bool, …)"); return nil }
            var base = FieldBase(id: "", name: name)
            var options = FieldOptions(o, path: path)
            base.required = options.bool("required")
            base.hidden = options.bool("hidden")
            base.presentable = options.bool("presentable")
            base.help = options.string("help")
            if let id = o["id"] {
                guard let s = id.stringValue, !s.isEmpty else { fail(path + ".id", "must be a non-empty string"); return nil }
                base.id = s
            } else {
                base.id = type + String(CRC32.checksum(name))
            }
            let made: (any FieldType)?
            switch type {
            case TextField.typeName: made = TextField(base: base, options: &options)
            case EditorField.typeName: made = EditorField(base: base, options: &options)
            case NumberField.typeName: made = NumberField(base: base, options: &options)
            case BoolField.typeName: made = BoolField(base: base, options: &options)
            case EmailField.typeName: made = EmailField(base: base, options: &options)
            case URLField.typeName: made = URLField(base: base, options: &options)
            case DateField.typeName: made = DateField(base: base, options: &options)
            case AutodateField.typeName: made = AutodateField(base: base, options: &options)
            case SelectField.typeName: made = SelectField(base: base, options: &options)
            case JSONField.typeName: made = JSONField(base: base, options: &options)
            case FileField.typeName: made = FileField(base: base, options: &options)
            case RelationField.typeName: made = RelationField(base: base, options: &options)
            case PasswordField.typeName: made = PasswordField(base: base, options: &options)
            case GeoPointField.typeName: made = GeoPointField(base: base, options: &options)
            case PasswordField.typeName where collectionType != .auth || name != "password":
                fail(path + ".type", "password fields exist only as the system `password` field of auth collections")
                made = nil
            default:
                fail(path + ".type", "unknown field type \"\(type)\" (text, editor, number, bool, email, url, date, autodate, select, json, file, relation, password, geoPoint)")
                made = nil
            }
            if let made { options.rejectUnknownKeys(typeName: made.typeName) }
            issues += options.issues
            return options.issues.isEmpty ? made : nil
        }
    }
}
