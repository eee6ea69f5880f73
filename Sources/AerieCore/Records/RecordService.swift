// Aerie — list, view, create, update and delete records
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
public import AerieJSON
import AerieSQLite

/// The records API of every collection, independent of HTTP: each call takes the caller,
/// checks the collection's rule, runs SQL through the pool and returns response JSON bytes.
public final class RecordService: Sendable {
    let schema: CompiledSchema
    let pool: DatabasePool
    let auth: AuthService

    init(schema: CompiledSchema, pool: DatabasePool, auth: AuthService) {
        self.schema = schema
        self.pool = pool
        self.auth = auth
    }

    // MARK: - Rules

    /// Applies a rule before any lookup: `null` → 403 for everyone but superusers, `""` → open.
    /// Expression rules are compiled by the rules engine; until it evaluates them, they
    /// fail closed (superusers only) so that no record is ever exposed by mistake.
    func authorize(_ rule: String?, _ requester: Requester) throws(CoreError) {
        if requester.isSuperuser { return }
        guard let rule else { throw CoreError.superusersOnly }
        if rule.isEmpty { return }
        throw CoreError.superusersOnly
    }

    func lookup(_ key: String) throws(CoreError) -> CompiledCollection {
        guard let c = schema.collection(key) else { throw CoreError.missingCollection }
        return c
    }

    // MARK: - Read

    /// `GET /records`: a page of records in the list envelope.
    public func list(collection key: String, query: ListQuery, requester: Requester) throws -> [UInt8] {
        let c = try lookup(key)
        try authorize(c.schema.rules.list, requester)
        if !query.filter.isEmpty {
            if !requester.isSuperuser && (query.filter.contains("@request.") || query.filter.contains("@collection.")) {
                throw CoreError.forbidden(query.filter.contains("@collection.") ? "Only superusers can filter by @collection." : "Only superusers can filter by @request.")
            }
            throw CoreError.badRequest("The filter parameter is not supported yet.")
        }
        var orderBy: [String] = []
        for term in query.sort {
            let direction = term.descending ? " DESC" : " ASC"
            switch term.field {
            case "@random": orderBy.append("RANDOM()")
            case "@rowid": orderBy.append("\(c.table).rowid\(direction)")
            default:
                guard let f = c.schema.field(named: term.field), f.isOutput || requester.isSuperuser,
                      !f.base.hidden || requester.isSuperuser else {
                    throw CoreError.badRequest("Invalid sort field \"\(term.field)\".")
                }
                orderBy.append("\(c.table).\(schema.dialect.quoteIdentifier(f.name))\(direction)")
            }
        }
        var sql = "SELECT \(c.selectList) FROM \(c.table)"
        if !orderBy.isEmpty { sql += " ORDER BY " + orderBy.joined(separator: ", ") }
        sql += " LIMIT ? OFFSET ?"
        let offset = Int64(query.page - 1).multipliedReportingOverflow(by: Int64(query.perPage))
        let serializer = RecordSerializer(collection: c, requester: requester)
        return try pool.read { db in
            var w = JSONWriter(capacity: 4096)
            w.beginObject()
            w.key("items")
            w.beginArray()
            if !offset.overflow {
                try db.query(sql, [.integer(Int64(query.perPage)), .integer(offset.partialValue)]) { row in
                    serializer.write(row: row, to: &w)
                }
            }
            w.endArray()
            w.key("page"); w.int(Int64(query.page))
            w.key("perPage"); w.int(Int64(query.perPage))
            if query.skipTotal {
                w.key("totalItems"); w.int(-1)
                w.key("totalPages"); w.int(-1)
            } else {
                let total: Int64
                if case .integer(let n)? = try db.queryScalar("SELECT COUNT(*) FROM \(c.table)") { total = n } else { total = 0 }
                w.key("totalItems"); w.int(total)
                w.key("totalPages"); w.int((total + Int64(query.perPage) - 1) / Int64(query.perPage))
            }
            w.endObject()
            return w.bytes
        }
    }

    /// `GET /records/{id}`: one record, or 404 when it does not exist.
    public func view(collection key: String, id: String, requester: Requester) throws -> [UInt8] {
        let c = try lookup(key)
        try authorize(c.schema.rules.view, requester)
        let serializer = RecordSerializer(collection: c, requester: requester)
        let body = try pool.read { db -> [UInt8]? in
            let stmt = try db.cachedStatement(c.viewSQL)
            defer { stmt.reset() }
            try stmt.bind(.text(id), at: 1)
            guard try stmt.step() else { return nil }
            var w = JSONWriter(capacity: 512)
            serializer.write(row: stmt, to: &w)
            return w.bytes
        }
        guard let body else { throw CoreError.missingResource }
        return body
    }

    // MARK: - Write

    /// `POST /records`: validates and inserts a record; returns it.
    public func create(collection key: String, body: JSONObject, requester: Requester) throws -> [UInt8] {
        let c = try lookup(key)
        if c.schema.type == .view { throw CoreError.badRequest("Unsupported collection type.") }
        try authorize(c.schema.rules.create, requester)
        // Everything that needs no database (coercion, ids, plain validation, password hashing)
        // happens here on the worker, so the serialized write below stays short.
        var values = [String: JSON]()
        for f in c.schema.fields { values[f.name] = f.zeroValue }
        var issues = [String: FieldIssue]()
        let submitted = try RecordInput(collection: c.schema, body: body, requester: requester, current: values, isNew: true)
        values = submitted.values
        issues.merge(submitted.issues) { a, _ in a }
        // id: client-chosen (validated like any text field) or generated.
        let idField = c.schema.fields[0] as? TextField ?? TextField.idField()
        if (values["id"]?.stringValue ?? "").isEmpty {
            values["id"] = .string(idField.generate() ?? RandomID.recordID())
        } else if let issue = idField.validate(values["id"] ?? .string(""), context: ValidationContext()) {
            issues["id"] = issue
        }
        let now = JSON.string(Timestamp.now().formatted)
        for f in c.schema.fields {
            if let a = f as? AutodateField, a.onCreate || a.onUpdate { values[f.name] = now }
            // An empty text field with an autogenerate pattern is filled on create (PocketBase's behaviour).
            if let t = f as? TextField, f.name != "id", f.name != "tokenKey", (values[f.name]?.stringValue ?? "").isEmpty, let generated = t.generate() {
                values[f.name] = .string(generated)
            }
        }
        if c.schema.isAuth {
            try prepareAuthCreate(c.schema, submitted: submitted, values: &values, issues: &issues, requester: requester)
        }
        let finalValues = values
        let skip = Set(issues.keys).union(c.schema.isAuth ? ["password"] : [])
        validatePlainFields(c.schema, values: finalValues, old: nil, skip: skip, into: &issues)
        let checkedIssues = issues
        try pool.write { db in
            var issues = checkedIssues
            try validateRelations(c.schema, values: finalValues, old: nil, db: db, skip: skip, into: &issues)
            if !issues.isEmpty { throw CoreError.badRequest("Failed to create record.", fields: issues) }
            let stmt = try db.cachedStatement(c.insertSQL)
            defer { stmt.reset() }
            for (i, f) in c.schema.fields.enumerated() {
                try stmt.bind(f.sqlValue(finalValues[f.name] ?? f.zeroValue), at: Int32(i + 1))
            }
            do {
                _ = try stmt.step()
            } catch let error as SQLiteError where error.isUniqueConstraint {
                throw CoreError.badRequest("Failed to create record.", fields: uniqueIssues(error, c.schema))
            }
        }
        var w = JSONWriter(capacity: 512)
        RecordSerializer(collection: c, requester: requester).write(values: finalValues, to: &w)
        return w.bytes
    }

    /// `PATCH /records/{id}`: applies the submitted keys to the stored record.
    public func update(collection key: String, id: String, body: JSONObject, requester: Requester) throws -> [UInt8] {
        let c = try lookup(key)
        if c.schema.type == .view { throw CoreError.badRequest("Unsupported collection type.") }
        try authorize(c.schema.rules.update, requester)
        // scrypt takes ~0.2 s: hash a new password and check the old one before taking the writer.
        let secrets = c.schema.isAuth ? try passwordWork(c, id: id, body: body, requester: requester) : PasswordWork()
        // Optimistic: plan the change from a snapshot on a reader, then, under the writer, apply it
        // only if the row is still that snapshot (else plan again there). The serialized part is
        // one point read, relation checks and the UPDATE.
        guard let snapshot = try pool.read({ db in try load(c, id: id, db: db) }) else { throw CoreError.missingResource }
        var plan = try planUpdate(c, id: id, old: snapshot, body: body, requester: requester, work: secrets)
        try pool.write { db in
            guard let current = try load(c, id: id, db: db) else { throw CoreError.missingResource }
            if current != plan.old {
                plan = try planUpdate(c, id: id, old: current, body: body, requester: requester, work: secrets)
            }
            var issues = plan.issues
            try validateRelations(c.schema, values: plan.values, old: plan.old, db: db, skip: plan.skip, into: &issues)
            if !issues.isEmpty { throw CoreError.badRequest("Failed to update record.", fields: issues) }
            var assignments: [String] = []
            var args: [SQLValue] = []
            for f in c.schema.fields where f.name != "id" && plan.values[f.name] != plan.old[f.name] {
                assignments.append("\(schema.dialect.quoteIdentifier(f.name)) = ?")
                args.append(f.sqlValue(plan.values[f.name] ?? f.zeroValue))
            }
            if !assignments.isEmpty {
                args.append(.text(id))
                do {
                    try db.run("UPDATE \(c.table) SET \(assignments.joined(separator: ", ")) WHERE \(schema.dialect.quoteIdentifier("id")) = ?", args)
                } catch let error as SQLiteError where error.isUniqueConstraint {
                    throw CoreError.badRequest("Failed to update record.", fields: uniqueIssues(error, c.schema))
                }
            }
        }
        var w = JSONWriter(capacity: 512)
        RecordSerializer(collection: c, requester: requester).write(values: plan.values, to: &w)
        return w.bytes
    }

    /// An update computed against one version of the stored record.
    struct UpdatePlan {
        var old: [String: JSON]
        var values: [String: JSON]
        var issues: [String: FieldIssue]
        var skip: Set<String>
    }

    /// Applies the body to `old`: modifiers, coercion, autodates, auth rules and every
    /// validation that needs no database.
    func planUpdate(_ c: CompiledCollection, id: String, old: [String: JSON], body: JSONObject,
                    requester: Requester, work: PasswordWork) throws -> UpdatePlan {
        var issues = [String: FieldIssue]()
        let submitted = try RecordInput(collection: c.schema, body: body, requester: requester, current: old, isNew: false)
        var values = submitted.values
        issues.merge(submitted.issues) { a, _ in a }
        if let newID = values["id"]?.stringValue, newID != id {
            issues["id"] = FieldIssue("validation_pk_change", "The record primary key cannot be changed.")
            values["id"] = .string(id)
        }
        let now = JSON.string(Timestamp.now().formatted)
        for f in c.schema.fields {
            if let a = f as? AutodateField, a.onUpdate { values[f.name] = now }
        }
        if c.schema.isAuth {
            try prepareAuthUpdate(c.schema, submitted: submitted, old: old, values: &values, issues: &issues,
                                  requester: requester, work: work)
        }
        let skip = Set(issues.keys).union(c.schema.isAuth ? ["password"] : [])
        validatePlainFields(c.schema, values: values, old: old, skip: skip, into: &issues)
        return UpdatePlan(old: old, values: values, issues: issues, skip: skip)
    }


    /// `DELETE /records/{id}`: removes the record and resolves relations pointing at it
    /// (cascade, unset, or refuse when a required relation would become empty; spec §3.5).
    public func delete(collection key: String, id: String, requester: Requester) throws {
        let c = try lookup(key)
        if c.schema.type == .view { throw CoreError.badRequest("Unsupported collection type.") }
        try authorize(c.schema.rules.delete, requester)
        try pool.write { db in
            guard try load(c, id: id, db: db) != nil else { throw CoreError.missingResource }
            var visited = Set<String>()
            try deleteCascading(c, id: id, db: db, visited: &visited, depth: 0)
        }
    }

    private func deleteCascading(_ c: CompiledCollection, id: String, db: Connection, visited: inout Set<String>, depth: Int) throws {
        guard visited.insert(c.schema.id + "/" + id).inserted else { return }
        guard depth < 32 else { throw CoreError.badRequest("Failed to delete record. The cascade is too deep.") }
        let q = schema.dialect.quoteIdentifier
        for (refCollection, field) in schema.schema.references(to: c.schema.id) {
            guard let ref = schema.collection(refCollection.id) else { continue }
            let column = q(field.name)
            var rows: [(String, [String])] = []
            if field.isMultiple {
                try db.query("SELECT \(q("id")), \(column) FROM \(ref.table) WHERE EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(\(column)) THEN \(column) ELSE '[]' END) WHERE value = ?)", [.text(id)]) { row in
                    rows.append((row.string(0), field.list(field.readValue(row, 1))))
                }
            } else {
                try db.query("SELECT \(q("id")) FROM \(ref.table) WHERE \(column) = ?", [.text(id)]) { row in
                    rows.append((row.string(0), [id]))
                }
            }
            for (refID, current) in rows {
                if visited.contains(ref.schema.id + "/" + refID) { continue }
                let remaining = current.filter { $0 != id }
                if remaining.isEmpty && field.cascadeDelete {
                    try deleteCascading(ref, id: refID, db: db, visited: &visited, depth: depth + 1)
                } else if remaining.isEmpty && field.base.required {
                    throw CoreError.badRequest("Failed to delete record. Make sure that the record is not part of a required relation reference.")
                } else {
                    let newValue = field.normalize(.array(remaining.map(JSON.string)))
                    try db.run("UPDATE \(ref.table) SET \(column) = ? WHERE \(q("id")) = ?", [field.sqlValue(newValue), .text(refID)])
                }
            }
        }
        try db.run("DELETE FROM \(c.table) WHERE \(q("id")) = ?", [.text(id)])
    }

    // MARK: - Helpers

    /// The stored record as values by field name (every field, hidden ones included).
    func load(_ c: CompiledCollection, id: String, db: Connection) throws -> [String: JSON]? {
        let q = schema.dialect.quoteIdentifier
        let columns = c.schema.fields.map { q($0.name) }.joined(separator: ", ")
        var out: [String: JSON]?
        try db.query("SELECT \(columns) FROM \(c.table) WHERE \(q("id")) = ? LIMIT 1", [.text(id)]) { row in
            var values = [String: JSON]()
            for (i, f) in c.schema.fields.enumerated() { values[f.name] = f.readValue(row, Int32(i)) }
            out = values
        }
        return out
    }

    /// Validates every field that needs no database lookup.
    func validatePlainFields(_ c: CollectionSchema, values: [String: JSON], old: [String: JSON]?,
                             skip: Set<String>, into issues: inout [String: FieldIssue]) {
        for f in c.fields where !skip.contains(f.name) && !f.isReadOnly && !(f is RelationField) {
            let context = ValidationContext(oldValue: old?[f.name], isNew: old == nil)
            if let issue = f.validate(values[f.name] ?? f.zeroValue, context: context) { issues[f.name] = issue }
        }
    }

    /// Validates relation fields, whose ids must exist (inside the write, so they cannot vanish meanwhile).
    func validateRelations(_ c: CollectionSchema, values: [String: JSON], old: [String: JSON]?, db: Connection,
                           skip: Set<String>, into issues: inout [String: FieldIssue]) throws {
        var lookupError: (any Error)?
        for f in c.fields where !skip.contains(f.name) && f is RelationField && issues[f.name] == nil {
            let context = ValidationContext(
                relationIDsExist: { collectionID, ids in
                    guard let target = self.schema.collection(collectionID) else { return nil }
                    do {
                        let marks = ids.map { _ in "?" }.joined(separator: ", ")
                        let n = try db.queryScalar("SELECT COUNT(*) FROM \(target.table) WHERE \(self.schema.dialect.quoteIdentifier("id")) IN (\(marks))", ids.map(SQLValue.text))
                        if case .integer(let count)? = n { return Int(count) == ids.count }
                        return false
                    } catch {
                        lookupError = error
                        return false
                    }
                },
                oldValue: old?[f.name], isNew: old == nil)
            if let issue = f.validate(values[f.name] ?? f.zeroValue, context: context) { issues[f.name] = issue }
        }
        if let lookupError { throw lookupError }
    }

    /// Maps `UNIQUE constraint failed: posts.slug` (or an index name) to field issues.
    func uniqueIssues(_ error: SQLiteError, _ c: CollectionSchema) -> [String: FieldIssue] {
        var out = [String: FieldIssue]()
        let message = error.message
        if let marker = message.utf8.firstRange(of: "failed: ".utf8) {
            let rest = Substring(message.utf8[marker.upperBound...])
            if rest.hasPrefix("index ") {
                let name = rest.dropFirst(6).trimmingCharacters(in: "'\"` ")
                if let index = c.indexes.first(where: { $0.name == name }) {
                    for col in index.columns { out[col] = .notUnique }
                }
            } else {
                for part in rest.split(separator: ",") {
                    let column = part.split(separator: ".").last.map { String($0).trimmingSpaces() } ?? ""
                    if c.field(named: column) != nil { out[column] = .notUnique }
                }
            }
        }
        if out.isEmpty { out["id"] = .notUnique }
        return out
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
