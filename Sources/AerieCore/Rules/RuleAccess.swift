// Aerie — evaluating API rules and client filters as SQL
// SPDX-License-Identifier: MIT
import AerieBase
import AerieFilter
import AerieJSON
import AerieSQLite

/// The outcome of a rule for one requester: everything, or only rows matching a condition.
enum RuleAccess {
    case all
    case restricted(FilterSQL)
}

/// A WHERE clause assembled from rule and filter conditions, with their joins.
struct QueryConditions {
    private(set) var joins: [String] = []
    private(set) var conditions: [String] = []
    private(set) var joinArguments: [SQLValue] = []
    private(set) var conditionArguments: [SQLValue] = []

    mutating func add(_ sql: FilterSQL) {
        for join in sql.joins where !joins.contains(join.sql) {
            joins.append(join.sql)
            joinArguments += join.arguments.map(QueryConditions.sqlValue)
        }
        conditions.append(sql.condition.sql)
        conditionArguments += sql.condition.arguments.map(QueryConditions.sqlValue)
    }

    /// Adds one condition (a primary expression) with its arguments.
    mutating func add(condition: SQLFragment) {
        conditions.append(condition.sql)
        conditionArguments += condition.arguments.map(QueryConditions.sqlValue)
    }

    mutating func add(_ access: RuleAccess) {
        if case .restricted(let sql) = access { add(sql) }
    }

    /// Adds the joins an ORDER BY term needs; returns its arguments.
    mutating func addJoins(_ extra: [SQLFragment]) {
        for join in extra where !joins.contains(join.sql) {
            joins.append(join.sql)
            joinArguments += join.arguments.map(QueryConditions.sqlValue)
        }
    }

    /// ` LEFT JOIN … LEFT JOIN …` (with a leading space) or "".
    var joinSQL: String { joins.isEmpty ? "" : " " + joins.joined(separator: " ") }

    /// `cond1 AND cond2` or nil.
    var whereSQL: String? { conditions.isEmpty ? nil : conditions.joined(separator: " AND ") }

    /// Arguments in statement order: joins, then conditions.
    var arguments: [SQLValue] { joinArguments + conditionArguments }

    static func sqlValue(_ v: FilterValue) -> SQLValue {
        switch v {
        case .null: .null
        case .integer(let i): .integer(i)
        case .double(let d): .real(d)
        case .text(let s): .text(s)
        case .bool(let b): .integer(b ? 1 : 0)
        }
    }
}

extension RecordService {
    /// The facts a rule sees besides the row itself.
    struct RuleContext {
        var request = RequestInfo()
        var body: [String: JSON] = [:]
        var submittedKeys: Set<String> = []
        var oldValues: [String: JSON]?
    }

    func resolver(_ c: CompiledCollection, requester: Requester, context: RuleContext, clientFilter: Bool,
                  baseAlias: String? = nil, text: String? = nil) throws -> RecordFieldResolver {
        // The requester's record costs a query; load it only when the text reads one of its fields.
        // A client filter may also pull in related collections' list rules (see RecordFieldResolver.guardJoin).
        let needsRecord = text.map { Self.readsAuthRecordFields($0) || (clientFilter && schema.listRulesReadAuthRecord) } ?? true
        return RecordFieldResolver(schema: schema, base: c, baseAlias: baseAlias ?? c.table, requester: requester,
                                   authRecord: needsRecord ? try authRecord(for: requester) : nil, request: context.request,
                                   body: context.body, submittedKeys: context.submittedKeys, oldValues: context.oldValues,
                                   isClientFilter: clientFilter)
    }

    /// Whether `text` mentions `@request.auth.<field>` for a field other than id/collectionId/collectionName.
    static func readsAuthRecordFields(_ text: String) -> Bool {
        let needle = Array("@request.auth.".utf8)
        let bytes = Array(text.utf8)
        // A plain byte scan for '@' (the generic firstRange(of:) showed up in list profiles).
        func find(from start: Int) -> Range<Int>? {
            var k = start
            while k + needle.count <= bytes.count {
                if bytes[k] == UInt8(ascii: "@") && bytes[k..<(k + needle.count)].elementsEqual(needle) { return k..<(k + needle.count) }
                k += 1
            }
            return nil
        }
        var i = 0
        while let r = find(from: i) {
            var j = r.upperBound
            while j < bytes.count, bytes[j] == 95 || (bytes[j] | 0x20 >= 97 && bytes[j] | 0x20 <= 122) || (bytes[j] >= 48 && bytes[j] <= 57) { j += 1 }
            let name = String(decoding: bytes[r.upperBound..<j], as: UTF8.self)
            if !["id", "collectionId", "collectionName"].contains(name) { return true }
            i = j
        }
        return false
    }

    /// Applies a rule: `null` → 403 for everyone but superusers, `""` → everything, an
    /// expression → a condition for the SQL (spec §7).
    func access(_ rule: ParsedRule, _ c: CompiledCollection, requester: Requester, context: RuleContext = RuleContext(),
                baseAlias: String? = nil) throws -> RuleAccess {
        if requester.isSuperuser { return .all }
        switch rule {
        case .locked: throw CoreError.superusersOnly
        case .open: return .all
        case .expression(let expression, let text):
            let r = try resolver(c, requester: requester, context: context, clientFilter: false, baseAlias: baseAlias, text: text)
            do {
                return .restricted(try FilterSQLEmitter(resolver: r).emit(expression))
            } catch {
                throw CoreError.internal(detail: "rule of \(c.schema.name) failed to compile: \(error)")
            }
        }
    }

    /// The requester's own record, for `@request.auth.<field>` (nil for guests).
    func authRecord(for requester: Requester) throws -> [String: JSON]? {
        guard let id = requester.recordID, let collectionID = requester.collectionID, let c = schema.collection(collectionID) else { return nil }
        return try pool.read { db in try load(c, id: id, db: db) }
    }

    /// Compiles every expression rule once with a guest and with a stand-in user, so a rule that names
    /// an unknown field stops the server at start instead of failing requests.
    func checkRules() throws { try schema.checkRules() }

    /// Whether the row `id` satisfies a restricted rule (`SELECT 1 … WHERE id = ? AND rule`).
    func row(_ id: String, of c: CompiledCollection, satisfies access: RuleAccess, db: Connection) throws -> Bool {
        guard case .restricted(let sql) = access else { return true }
        var conditions = QueryConditions()
        conditions.add(sql)
        let idColumn = "\(c.table).\(schema.dialect.quoteIdentifier("id"))"
        let query = "SELECT 1 FROM \(c.table)\(conditions.joinSQL) WHERE \(idColumn) = ? AND \(conditions.whereSQL ?? "1") LIMIT 1"
        var args = conditions.joinArguments
        args.append(.text(id))
        args += conditions.conditionArguments
        return try db.queryRow(query, args) != nil
    }

    /// The name of the one-row CTE that holds a would-be record for its create rule.
    static let newRecordName = "__new"

    /// Whether the would-be record `values` satisfies the create rule: the rule runs against a
    /// one-row CTE standing in for the record (spec §7). The CTE has its own name, so paths in the
    /// rule that reach the collection's real table (`@collection.posts.*`, a relation to the same
    /// collection, a back-relation) still read the stored rows.
    func newRecord(_ values: [String: JSON], of c: CompiledCollection, satisfies access: RuleAccess, db: Connection) throws -> Bool {
        guard case .restricted(let sql) = access else { return true }
        var conditions = QueryConditions()
        conditions.add(sql)
        let q = schema.dialect.quoteIdentifier
        let columns = c.schema.fields.map { "? AS \(q($0.name))" }.joined(separator: ", ")
        var args: [SQLValue] = c.schema.fields.map { f in
            if c.schema.isAuth && f.name == "verified" { return .integer(0) }   // forced false for the rule (spec §7)
            return f.sqlValue(values[f.name] ?? f.zeroValue)
        }
        args += conditions.arguments
        let cte = q(Self.newRecordName)
        let query = "WITH \(cte) AS (SELECT \(columns)) SELECT 1 FROM \(cte)\(conditions.joinSQL) WHERE \(conditions.whereSQL ?? "1") LIMIT 1"
        return try db.queryRow(query, args) != nil
    }
}
