// Aerie — list, view, create, update and delete records
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
import AerieFilter
public import AerieJSON
import AerieSQLite
import Synchronization

/// The records API of every collection, independent of HTTP: each call takes the caller,
/// checks the collection's rule, runs SQL through the pool and returns response JSON bytes.
public final class RecordService: Sendable {
    let schema: CompiledSchema
    let pool: DatabasePool
    /// Parsed client filters, bounded like PocketBase's (500 entries).
    let filterCache = FilterCache(capacity: 500)
    /// Committed record changes, for the realtime broker (published after each commit).
    public let changes = ChangeFeed()
    /// Where uploaded files live (`nil`: file fields keep names only; see RecordService+Files).
    let storage: (any FileStorage)?
    private let timeLimit: Atomic<Int>

    /// How long a list query (client filter and sort included) may run before it is stopped
    /// with a 400; 0 for no limit. Default 10,000 ms; `aerie serve` takes `AERIE_QUERY_TIME_LIMIT_MS`.
    public var queryTimeLimitMilliseconds: Int {
        get { timeLimit.load(ordering: .relaxed) }
        set { timeLimit.store(max(0, newValue), ordering: .relaxed) }
    }

    static let defaultQueryTimeLimitMilliseconds = 10_000

    init(schema: CompiledSchema, pool: DatabasePool, storage: (any FileStorage)? = nil) {
        self.schema = schema
        self.pool = pool
        self.storage = storage
        timeLimit = Atomic(Self.defaultQueryTimeLimitMilliseconds)
    }

    func lookup(_ key: String) throws(CoreError) -> CompiledCollection {
        guard let c = schema.collection(key) else { throw CoreError.missingCollection }
        return c
    }

    // MARK: - Read

    /// `GET /records`: a page of records in the list envelope. The list rule and the client
    /// `filter` become one WHERE clause, so totals count only visible rows (spec §3.1, §7).
    /// The SQL of a list request: the page query, the count query and their arguments.
    struct ListStatements {
        var collection: CompiledCollection
        var pageSQL: String
        var countSQL: String
        /// Arguments of the count query; the page query takes these, then `orderArguments`, then LIMIT and OFFSET.
        var arguments: [SQLValue]
        var orderArguments: [SQLValue]
    }

    /// Builds the list queries: list rule and filter as one WHERE, joins deduplicated, sort terms resolved.
    func listStatements(collection key: String, query: ListQuery, requester: Requester, request: RequestInfo) throws -> ListStatements {
        let c = try lookup(key)
        var conditions = QueryConditions()
        conditions.add(try access(c.rules.list, c, requester: requester, context: RuleContext(request: request)))
        // Client filters may name @request.* only for superusers (checked below); they need the record then.
        let clientResolver = try resolver(c, requester: requester, context: RuleContext(request: request), clientFilter: true,
                                          text: query.filter + " " + query.sort)
        var clientFilter: FilterSQL?
        if !query.filter.isEmpty {
            if !requester.isSuperuser {
                // PocketBase's check is a substring test on the raw parameter (spec §3.1).
                if query.filter.contains("@collection.") { throw CoreError.forbidden("Only superusers can filter by @collection.") }
                if query.filter.contains("@request.") { throw CoreError.forbidden("Only superusers can filter by @request.") }
            }
            do {
                if let expression = try filterCache.expression(for: query.filter) {
                    let sql = try FilterSQLEmitter(resolver: clientResolver).emit(expression)
                    conditions.add(sql)
                    clientFilter = sql
                }
            } catch {
                throw CoreError.badRequest("Invalid filter: \(error)")
            }
        }
        var orderBy: [String] = []
        var orderArguments: [SQLValue] = []
        let terms: [SortTerm]
        do {
            terms = try SortParser.parse(query.sort)
        } catch {
            throw CoreError.badRequest("Invalid sort: \(error).")
        }
        for term in terms {
            switch term.target {
            case .random: orderBy.append("RANDOM()")
            case .rowID: orderBy.append("\(c.table).rowid \(term.direction)")
            case .identifier(let name, let position):
                if !requester.isSuperuser && (name.hasPrefix("@request") || name.hasPrefix("@collection")) {
                    throw CoreError.forbidden(name.hasPrefix("@collection") ? "Only superusers can filter by @collection." : "Only superusers can filter by @request.")
                }
                let resolution: FieldResolution
                do {
                    resolution = try clientResolver.resolve(name, at: position)
                } catch {
                    throw CoreError.badRequest("Invalid sort: \(error).")
                }
                guard case .identifier(let r) = resolution else {
                    throw CoreError.badRequest("Invalid sort: \"\(name)\" cannot be sorted by.")
                }
                conditions.addJoins(r.joins)
                // A sort path into a collection with a list rule is guarded by it, as a filter path is
                // (PocketBase's sort joins carry the same rule, so a guest's sort can hide rows).
                if !r.constraints.isEmpty {
                    var guardSQL = SQLFragment(r.fanOutJoins.isEmpty ? "(" : "EXISTS (SELECT 1 FROM (SELECT 1)")
                    for join in r.fanOutJoins {
                        guardSQL.append(" ")
                        guardSQL.append(join)
                    }
                    if !r.fanOutJoins.isEmpty { guardSQL.append(" WHERE ") }
                    for (i, constraint) in r.constraints.enumerated() {
                        if i > 0 { guardSQL.append(" AND ") }
                        guardSQL.append(constraint)
                    }
                    guardSQL.append(")")
                    conditions.add(condition: guardSQL)
                }
                // A multi-valued path sorts by each record's first item that the filter's item terms
                // and the guards let through, as PocketBase's fan-out does (joins of the same path
                // have the same text, so the filter's item and the sort's are one row).
                var key = r.expression
                if r.isMultiValued {
                    key = SQLFragment("(SELECT ")
                    key.append(r.expression)
                    key.append(" FROM (SELECT 1)")
                    var seen = Set<SQLFragment>()
                    for join in (clientFilter?.fanOutJoins ?? []) + r.fanOutJoins where seen.insert(join).inserted {
                        key.append(" ")
                        key.append(join)
                    }
                    for (i, term) in ((clientFilter?.fanOutTerms ?? []) + r.constraints).enumerated() {
                        key.append(i == 0 ? " WHERE " : " AND ")
                        key.append(term)
                    }
                    key.append(" LIMIT 1)")
                }
                orderBy.append("\(key.sql) \(term.direction)")
                orderArguments += key.arguments.map(QueryConditions.sqlValue)
            }
        }
        var sql = "SELECT \(c.selectList) FROM \(c.table)\(conditions.joinSQL)"
        var countSQL = "SELECT COUNT(*) FROM \(c.table)\(conditions.joinSQL)"
        if let whereSQL = conditions.whereSQL {
            sql += " WHERE " + whereSQL
            countSQL += " WHERE " + whereSQL
        }
        if !orderBy.isEmpty { sql += " ORDER BY " + orderBy.joined(separator: ", ") }
        sql += " LIMIT ? OFFSET ?"
        return ListStatements(collection: c, pageSQL: sql, countSQL: countSQL, arguments: conditions.arguments, orderArguments: orderArguments)
    }

    /// `EXPLAIN QUERY PLAN` of a list request's page query, one detail line per row (tests check index use).
    package func explainList(collection key: String, query: ListQuery, requester: Requester) throws -> [String] {
        let statements = try listStatements(collection: key, query: query, requester: requester, request: RequestInfo())
        return try pool.read { db in
            var lines: [String] = []
            try db.query("EXPLAIN QUERY PLAN " + statements.pageSQL,
                         statements.arguments + statements.orderArguments + [.integer(Int64(query.perPage)), .integer(0)]) { row in
                lines.append(row.string(3))
            }
            return lines
        }
    }

    public func list(collection key: String, query: ListQuery, requester: Requester, request: RequestInfo = RequestInfo()) throws -> [UInt8] {
        let statements = try listStatements(collection: key, query: query, requester: requester, request: request)
        let c = statements.collection
        let offset = Int64(query.page - 1).multipliedReportingOverflow(by: Int64(query.perPage))
        let plainSerializer = RecordSerializer(collection: c, requester: requester)
        let expandPlan = plan(expand: query.expand, for: c, requester: requester, request: request)
        let limit = queryTimeLimitMilliseconds
        do {
            return try pool.read { db in try db.withTimeLimit(milliseconds: limit) {
                try listPage(db, statements: statements, query: query, offset: offset, serializer: plainSerializer,
                             expandPlan: expandPlan, requester: requester)
            } }
        } catch let error as SQLiteError where error.isInterrupted {
            throw CoreError.badRequest("The query took longer than \(limit) ms and was stopped; narrow the filter or sort.")
        }
    }

    private func listPage(_ db: Connection, statements: ListStatements, query: ListQuery, offset: (partialValue: Int64, overflow: Bool),
                          serializer plainSerializer: RecordSerializer, expandPlan: ExpandPlan?, requester: Requester) throws -> [UInt8] {
        let c = statements.collection
        let sql = statements.pageSQL, countSQL = statements.countSQL, orderArguments = statements.orderArguments
        let arguments = statements.arguments
        do {
            let serializer = managerAware(plainSerializer, c, requester: requester, db: db)
            // Room for a typical page up front: growing by doubling would copy it several times.
            var w = JSONWriter(capacity: 1024 + 640 * min(query.perPage, 100))
            w.beginObject()
            w.key("items")
            w.beginArray()
            var rows = 0
            if !offset.overflow {
                let pageArguments = arguments + orderArguments + [.integer(Int64(query.perPage)), .integer(offset.partialValue)]
                if let expandPlan {
                    // Expand hook: rows are kept as open objects until their `expand` is known.
                    var open = JSONWriter(capacity: 512 * min(query.perPage, 100)), ends: [Int] = [], nodes: [ExpandNode] = []
                    try db.query(sql, pageArguments) { row in
                        rows += 1
                        open.resetSeparator()
                        serializer.writeOpen(row: row, to: &open)
                        ends.append(open.bytes.count)
                        nodes.append(ExpandNode(id: row.string(Int32(c.idColumn)), links: expandPlan.links(of: row)))
                    }
                    try writeExpanded(open.bytes, ends: ends, nodes: nodes, plan: expandPlan, requester: requester, db: db, to: &w)
                } else {
                    try db.query(sql, pageArguments) { row in
                        rows += 1
                        serializer.write(row: row, to: &w)
                    }
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
                if !offset.overflow, rows < query.perPage, rows > 0 || query.page == 1 {
                    // A partial page is the last one: the total is known without counting.
                    total = offset.partialValue + Int64(rows)
                } else if case .integer(let n)? = try pool.cachedScalar(countSQL, arguments, on: db) {
                    total = n
                } else {
                    total = 0
                }
                w.key("totalItems"); w.int(total)
                w.key("totalPages"); w.int((total + Int64(query.perPage) - 1) / Int64(query.perPage))
            }
            w.endObject()
            return w.bytes
        }
    }

    /// `GET /records/{id}`: one record, or 404 when it does not exist.
    public func view(collection key: String, id: String, requester: Requester, request: RequestInfo = RequestInfo(),
                     expand: String = "") throws -> [UInt8] {
        let c = try lookup(key)
        let rule = try access(c.rules.view, c, requester: requester, context: RuleContext(request: request))
        let plainSerializer = RecordSerializer(collection: c, requester: requester)
        // A record the view rule hides is indistinguishable from a missing one (404).
        var sql = c.viewSQL
        var arguments: [SQLValue] = [.text(id)]
        if case .restricted(let ruleSQL) = rule {
            var conditions = QueryConditions()
            conditions.add(ruleSQL)
            sql = "SELECT \(c.selectList) FROM \(c.table)\(conditions.joinSQL) WHERE \(c.table).\(schema.dialect.quoteIdentifier("id")) = ? AND \(conditions.whereSQL ?? "1") LIMIT 1"
            arguments = conditions.joinArguments + [.text(id)] + conditions.conditionArguments
        }
        let expandPlan = plan(expand: expand, for: c, requester: requester, request: request)
        let body = try pool.read { db -> [UInt8]? in
            let serializer = managerAware(plainSerializer, c, requester: requester, db: db)
            let stmt = try db.cachedStatement(sql)
            defer { stmt.reset() }
            try stmt.bind(arguments)
            guard try stmt.step() else { return nil }
            var w = JSONWriter(capacity: 512)
            if let expandPlan {
                // Expand hook: read what the expand needs, then release the statement for the expand queries.
                var open = JSONWriter(capacity: 512)
                serializer.writeOpen(row: stmt, to: &open)
                let node = ExpandNode(id: stmt.string(Int32(c.idColumn)), links: expandPlan.links(of: stmt))
                stmt.reset()
                try writeExpanded(open.bytes, ends: [open.bytes.count], nodes: [node], plan: expandPlan, requester: requester, db: db, to: &w)
            } else {
                serializer.write(row: stmt, to: &w)
            }
            return w.bytes
        }
        guard let body else { throw CoreError.missingResource }
        return body
    }

    // MARK: - Write

    /// `POST /records`: validates and inserts a record; returns it.
    public func create(collection key: String, body: JSONObject, requester: Requester, request: RequestInfo = RequestInfo(),
                       expand: String = "") throws -> [UInt8] {
        let c = try lookup(key)
        // Everything that needs no database (coercion, ids, plain validation, password hashing)
        // happens here on the worker, so the serialized write below stays short.
        let plan = try planCreate(c, body: body, requester: requester, request: request)
        try pool.write { db in try insert(plan, db: db) }
        changes.publish([RecordChange(action: .create, collectionID: c.schema.id, values: plan.values)])
        return try expandedRecord(plan.values, of: c, expand: expand, requester: requester, request: request, context: plan.context)
    }

    /// A create validated as far as possible without the database.
    struct CreatePlan {
        var collection: CompiledCollection
        var values: [String: JSON]
        var issues: [String: FieldIssue]
        var skip: Set<String>
        var rule: RuleAccess
        /// `manageRule` for the caller, when only a manager may create the record as submitted.
        var manage: RuleAccess? = nil
        /// What the rules saw (`@request.*`, body included); the response's email visibility uses it too.
        var context = RuleContext()
    }

    /// Coerces the body, fills ids and autodates, hashes passwords and runs every validation
    /// that needs no database; compiles the create rule against the submitted values.
    func planCreate(_ c: CompiledCollection, body: JSONObject, requester: Requester, request: RequestInfo) throws -> CreatePlan {
        if c.schema.type == .view { throw CoreError.badRequest("Unsupported collection type.") }
        if case .locked = c.rules.create, !requester.isSuperuser { throw CoreError.superusersOnly }
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
        var manage: RuleAccess?
        let context = bodyContext(values, body: body, request: request)
        if c.schema.isAuth {
            var mayManage = false
            if !requester.isSuperuser, requester.recordID != nil, case .expression = c.rules.manage { mayManage = true }
            if try prepareAuthCreate(c.schema, submitted: submitted, values: &values, issues: &issues, requester: requester, mayManage: mayManage) {
                // manageRule sees the whole request, @request.body included, like the create rule (PocketBase does the same).
                manage = try access(c.rules.manage, c, requester: requester, context: context,
                                    baseAlias: schema.dialect.quoteIdentifier(Self.newRecordName))
            }
        }
        let skip = Set(issues.keys).union(c.schema.isAuth ? ["password"] : [])
        validatePlainFields(c.schema, values: values, old: nil, skip: skip, into: &issues)
        let rule = try access(c.rules.create, c, requester: requester, context: context,
                              baseAlias: schema.dialect.quoteIdentifier(Self.newRecordName))
        return CreatePlan(collection: c, values: values, issues: issues, skip: skip, rule: rule, manage: manage, context: context)
    }

    /// What rules see of a create or update: the request, and the submitted keys' coerced
    /// values as `@request.body` (the create, update and manage rules, and the response's email check).
    func bodyContext(_ values: [String: JSON], body: JSONObject, request: RequestInfo) -> RuleContext {
        let submittedKeys = Set(body.keys)
        return RuleContext(request: request, body: values.filter { submittedKeys.contains($0.key) }, submittedKeys: submittedKeys)
    }

    /// The serialized part of a create, inside an open write: the create rule, relation checks and the INSERT.
    func insert(_ plan: CreatePlan, db: Connection) throws {
        let c = plan.collection
        // Rules come before validation: a record the create rule rejects is a plain 400 (spec §7).
        guard try newRecord(plan.values, of: c, satisfies: plan.rule, db: db) else {
            throw CoreError.badRequest("Failed to create record.")
        }
        var issues = plan.issues
        // manageRule, like the create rule, runs against the would-be record.
        if let manage = plan.manage, try !newRecord(plan.values, of: c, satisfies: manage, db: db) {
            issues["verified"] = FieldIssue("validation_values_mismatch", "Values don't match.")
        }
        try validateRelations(c.schema, values: plan.values, old: nil, db: db, skip: plan.skip, into: &issues)
        if !issues.isEmpty { throw CoreError.badRequest("Failed to create record.", fields: issues) }
        let stmt = try db.cachedStatement(c.insertSQL)
        defer { stmt.reset() }
        for (i, f) in c.schema.fields.enumerated() {
            try stmt.bind(f.sqlValue(plan.values[f.name] ?? f.zeroValue), at: Int32(i + 1))
        }
        do {
            _ = try stmt.step()
        } catch let error as SQLiteError where error.isUniqueConstraint {
            throw CoreError.badRequest("Failed to create record.", fields: uniqueIssues(error, c.schema))
        }
    }

    /// `PATCH /records/{id}`: applies the submitted keys to the stored record.
    public func update(collection key: String, id: String, body: JSONObject, requester: Requester, request: RequestInfo = RequestInfo(),
                       expand: String = "") throws -> [UInt8] {
        let c = try lookup(key)
        try checkUpdatable(c, requester: requester)
        // scrypt takes ~0.2 s: hash a new password and check the old one before taking the writer.
        let secrets = c.schema.isAuth ? try passwordWork(c, id: id, body: body, requester: requester, request: request) : PasswordWork()
        // Optimistic: plan the change from a snapshot on a reader, then, under the writer, apply it
        // only if the row is still that snapshot (else plan again there). The serialized part is
        // one point read, relation checks and the UPDATE.
        guard let snapshot = try pool.read({ db in try load(c, id: id, db: db) }) else { throw CoreError.missingResource }
        let planned = try planUpdate(c, id: id, old: snapshot, body: body, requester: requester, work: secrets)
        let values = try pool.write { db in
            try applyUpdate(c, id: id, body: body, planned: planned, requester: requester, request: request, work: secrets, db: db)
        }
        changes.publish([RecordChange(action: .update, collectionID: c.schema.id, values: values)])
        return try expandedRecord(values, of: c, expand: expand, requester: requester, request: request,
                                  context: bodyContext(values, body: body, request: request))
    }

    func checkUpdatable(_ c: CompiledCollection, requester: Requester) throws {
        if c.schema.type == .view { throw CoreError.badRequest("Unsupported collection type.") }
        if case .locked = c.rules.update, !requester.isSuperuser { throw CoreError.superusersOnly }
    }

    /// The serialized part of an update, inside an open write: re-plans when the row changed since
    /// `planned` was made (or when there is no plan), checks the update rule and relations, and
    /// runs the UPDATE. Returns the record's new values.
    func applyUpdate(_ c: CompiledCollection, id: String, body: JSONObject, planned: UpdatePlan?, requester: Requester,
                     request: RequestInfo, work secrets: PasswordWork, db: Connection) throws -> [String: JSON] {
        guard let current = try load(c, id: id, db: db) else { throw CoreError.missingResource }
        var plan: UpdatePlan
        if let planned, planned.old == current {
            plan = planned
        } else {
            plan = try planUpdate(c, id: id, old: current, body: body, requester: requester, work: secrets)
        }
        // The update rule sees the stored row, and the submitted values as @request.body (spec §7).
        let submittedKeys = Set(body.keys)
        let rule = try access(c.rules.update, c, requester: requester,
                              context: RuleContext(request: request, body: plan.values.filter { submittedKeys.contains($0.key) },
                                                   submittedKeys: submittedKeys, oldValues: plan.old))
        guard try row(id, of: c, satisfies: rule, db: db) else { throw CoreError.missingResource }
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
        return plan.values
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
    public func delete(collection key: String, id: String, requester: Requester, request: RequestInfo = RequestInfo()) throws {
        let c = try lookup(key)
        if c.schema.type == .view { throw CoreError.badRequest("Unsupported collection type.") }
        let rule = try access(c.rules.delete, c, requester: requester, context: RuleContext(request: request))
        let log = ChangeLog()
        let deleted = try pool.write { db in try remove(c, id: id, rule: rule, db: db, log: log) }
        removeFiles(ofDeleted: deleted)
        changes.publish(log.changes)
    }

    /// The serialized part of a delete, inside an open write; returns every deleted record
    /// (cascades included) as `collectionId/recordId`, whose files go once the write commits.
    /// Every record it deletes or changes (cascades and cleared relations included) goes to
    /// `log`, to be published after the commit.
    @discardableResult
    func remove(_ c: CompiledCollection, id: String, rule: RuleAccess, db: Connection, log: ChangeLog) throws -> Set<String> {
        guard let old = try load(c, id: id, db: db), try row(id, of: c, satisfies: rule, db: db) else { throw CoreError.missingResource }
        var visited = Set<String>()
        try deleteCascading(c, id: id, db: db, visited: &visited, depth: 0, log: changes.isObserved ? log : nil)
        log.append(RecordChange(action: .delete, collectionID: c.schema.id, values: old))
        return visited
    }

    private func deleteCascading(_ c: CompiledCollection, id: String, db: Connection, visited: inout Set<String>, depth: Int,
                                 log: ChangeLog?) throws {
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
                    // Realtime hook: a cascaded record is announced as deleted, with its values from before.
                    let old = log == nil ? nil : try load(ref, id: refID, db: db)
                    try deleteCascading(ref, id: refID, db: db, visited: &visited, depth: depth + 1, log: log)
                    if let old { log?.append(RecordChange(action: .delete, collectionID: ref.schema.id, values: old)) }
                } else if remaining.isEmpty && field.base.required {
                    throw CoreError.badRequest("Failed to delete record. Make sure that the record is not part of a required relation reference.")
                } else {
                    let newValue = field.normalize(.array(remaining.map(JSON.string)))
                    try db.run("UPDATE \(ref.table) SET \(column) = ? WHERE \(q("id")) = ?", [field.sqlValue(newValue), .text(refID)])
                    // Realtime hook: the record whose relation was cleared is announced as updated.
                    if let log, let now = try load(ref, id: refID, db: db) {
                        log.append(RecordChange(action: .update, collectionID: ref.schema.id, values: now))
                    }
                }
            }
        }
        try db.run("DELETE FROM \(c.table) WHERE \(q("id")) = ?", [.text(id)])
    }

    // MARK: - Helpers

    /// The stored record as values by field name (every field, hidden ones included).
    func load(_ c: CompiledCollection, id: String, db: Connection) throws -> [String: JSON]? {
        var out: [String: JSON]?
        try db.query(c.loadSQL, [.text(id)]) { row in out = c.values(from: row) }
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
                let name = rest.dropFirst(6).trimmingASCII("'\"` ")
                if let index = c.indexes.first(where: { $0.name == name }) {
                    for col in index.columns { out[col] = .notUnique }
                }
            } else {
                for part in rest.split(separator: ",") {
                    let column = part.split(separator: ".").last.map { String($0).trimmingASCII() } ?? ""
                    if c.field(named: column) != nil { out[column] = .notUnique }
                }
            }
        }
        if out.isEmpty { out["id"] = .notUnique }
        return out
    }
}
