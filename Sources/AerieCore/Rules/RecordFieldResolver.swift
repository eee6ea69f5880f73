// Aerie — resolves filter and rule identifiers against a collection's schema
// SPDX-License-Identifier: MIT
import AerieBase
import AerieFilter
import AerieJSON
import AerieSQLite

/// Turns identifiers in filters and rules into SQL over a collection's table (spec §5.5–5.7):
/// plain fields, JSON sub-paths, relation paths of any length (single relations are 1:1 joins;
/// multiple relations, back-relations, `:each` and `@collection.*` fan out, see
/// `ResolvedIdentifier`), modifiers, and `@request.*` values.
///
/// Identifiers only ever come from the validated schema; request values are returned as bound values.
/// For a non-superuser's client filter, every join into another collection is guarded by that
/// collection's list rule, as PocketBase does: a locked collection is an error and an expression rule
/// becomes a constraint on the joined row.
struct RecordFieldResolver: FieldResolver {
    let schema: CompiledSchema
    let base: CompiledCollection
    /// The quoted name the base row is visible under (the table, or a CTE of the same name).
    let baseAlias: String
    let requester: Requester
    /// The requester's own record (for `@request.auth.<field>`), when loaded.
    let authRecord: [String: JSON]?
    let request: RequestInfo
    /// Submitted body values after modifiers (`@request.body.*`), and the stored record for `:changed`.
    let body: [String: JSON]
    let submittedKeys: Set<String>
    let oldValues: [String: JSON]?
    /// A client `filter`/`sort`: hidden fields are off-limits and related collections' list rules apply for non-superusers.
    let isClientFilter: Bool
    /// Prepended to every alias this resolver invents; a related collection's list rule is resolved
    /// with its own prefix so its joins cannot clash with the filter's.
    var aliasPrefix = ""

    static let maxRelationHops = 6

    private func q(_ name: String) -> String { schema.dialect.quoteIdentifier(name) }

    /// A quoted alias such as `"__f.tags.author"`: a kind and the path that leads to it (names are `\w+`, so `.` is unambiguous).
    private func alias(_ kind: String, _ key: String) -> String { q(aliasPrefix + kind + key) }

    func resolve(_ text: String, at position: SourcePosition) throws(FilterError) -> FieldResolution {
        let identifier = try FilterIdentifier(parsing: text, at: position)
        let segments = identifier.segments
        if segments.first == "@request" { return try requestValue(segments.dropFirst(), identifier.modifier, position) }
        // PocketBase accepts :isset/:changed on record fields and ignores them there (spec §5.6).
        let modifier = identifier.modifier == .isset || identifier.modifier == .changed ? nil : identifier.modifier
        if segments.first == "@collection" {
            return .identifier(try collectionReference(segments, modifier: modifier, position: position))
        }
        if segments.first?.hasPrefix("@") == true {
            throw FilterError("unknown identifier \"\(segments[0])\"", at: position)
        }
        var walk = Walk(alias: baseAlias, key: "")
        return .identifier(try path(in: base, segments: segments[...], modifier: modifier, walk: &walk, position: position))
    }

    // MARK: - Path walks

    /// Where a path walk stands: the row it reads (in the filter's query and in the independent
    /// all-of source) and the SQL built so far.
    private struct Walk {
        /// Quoted alias of the current row: the base, a 1:1 join, or a fan-out join.
        var alias: String
        /// Quoted alias of the current row inside the all-of source; the same as `alias` until the walk fans out.
        var sourceAlias: String
        /// The path so far (`tags.author`), for alias names.
        var key: String
        var joins: [SQLFragment] = []
        var fanOut: [SQLFragment] = []
        /// The FROM list of the all-of source, once the walk fans out.
        var sourceFrom = SQLFragment("(SELECT 1)")
        var constraints: [SQLFragment] = []
        var isMulti = false
        var hops = 0

        init(alias: String, key: String) {
            self.alias = alias
            self.sourceAlias = alias
            self.key = key
        }

        func extended(_ name: String) -> String { key.isEmpty ? name : key + "." + name }

        /// Adds a join to the outer query, or to the fan-out once the walk is multi-valued.
        mutating func join(_ clause: SQLFragment) {
            if isMulti { fanOut.append(clause) } else { joins.append(clause) }
        }
    }

    /// `@collection.<nameOrId>[:alias].<path>`: every row of another collection, fanned out (a LEFT JOIN
    /// with no condition, as PocketBase). References with the same name (or alias) share one join.
    private func collectionReference(_ segments: [String], modifier: FilterModifier?, position: SourcePosition) throws(FilterError) -> ResolvedIdentifier {
        guard segments.count >= 3 else { throw FilterError("use @collection.<collection>.<field>", at: position) }
        let parts = segments[1].split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        let aliasName = parts.count == 2 ? String(parts[1]) : ""
        guard !name.isEmpty, !aliasName.contains(":") else { throw FilterError("invalid @collection reference \"\(segments[1])\"", at: position) }
        guard let other = schema.collection(name) else { throw FilterError("unknown collection \"\(name)\" in @collection", at: position) }
        let key = aliasName.isEmpty ? "@" + other.schema.name : "@:" + aliasName
        var walk = Walk(alias: alias("__f.", key), key: key)
        walk.sourceAlias = alias("__s.", key)
        walk.isMulti = true
        walk.fanOut.append(SQLFragment("LEFT JOIN \(other.table) \(walk.alias)"))
        walk.sourceFrom.append(" LEFT JOIN \(other.table) \(walk.sourceAlias)")
        try guardJoin(other, walk: &walk, position: position)
        return try path(in: other, segments: segments.dropFirst(2), modifier: modifier, walk: &walk, position: position)
    }

    private func path(in start: CompiledCollection, segments: ArraySlice<String>, modifier: FilterModifier?,
                      walk: inout Walk, position: SourcePosition) throws(FilterError) -> ResolvedIdentifier {
        var c = start
        var segments = segments
        while let name = segments.first {
            let rest = segments.dropFirst()
            let field = c.schema.field(named: name)
            if field == nil, let via = name.utf8.firstRange(of: "_via_".utf8) {
                let other = String(name.utf8[..<via.lowerBound])!
                let fieldName = String(name.utf8[via.upperBound...])!
                if rest.isEmpty && modifier == .length {
                    return try backRelationCount(from: c, collection: other, field: fieldName, walk: walk, position: position)
                }
                c = try backRelationHop(from: c, name: name, collection: other, field: fieldName, walk: &walk, position: position)
                // A back-relation on its own stands for the related records' ids.
                segments = rest.isEmpty ? ["id"] : rest
                continue
            }
            let f = try lookupField(name, in: c, position: position)
            if rest.isEmpty { return try leaf(f, in: c, modifier: modifier, walk: &walk) }
            if f is JSONField || f is GeoPointField { return jsonPath(f, rest, modifier: modifier, walk: walk) }
            guard let relation = f as? RelationField else {
                throw FilterError("\"\(f.name)\" has no field \"\(rest.first ?? "")\"", at: position)
            }
            guard let target = schema.collection(relation.collectionID) else { throw FilterError("unknown relation target of \"\(f.name)\"", at: position) }
            if !relation.isMultiple && rest.count == 1 && rest.first == "id" && modifier == nil {
                // `author.id` is the relation column itself; a join would turn a missing author into NULL.
                return try leaf(f, in: c, modifier: nil, walk: &walk)
            }
            guard walk.hops < Self.maxRelationHops else { throw FilterError("too many relation hops (max \(Self.maxRelationHops))", at: position) }
            try relationHop(relation, to: target, walk: &walk, position: position)
            c = target
            segments = rest
        }
        throw FilterError("empty field path", at: position)
    }

    /// Follows a relation field: a 1:1 LEFT JOIN for a single relation, a fan-out over the ids for a multiple one.
    private func relationHop(_ relation: RelationField, to target: CompiledCollection, walk: inout Walk, position: SourcePosition) throws(FilterError) {
        let key = walk.extended(relation.name)
        let column = SQLFragment("\(walk.alias).\(q(relation.name))")
        let sourceColumn = SQLFragment("\(walk.sourceAlias).\(q(relation.name))")
        let id = q("id")
        if !relation.isMultiple {
            let a = alias(walk.isMulti ? "__f." : "__r.", key)
            walk.join(SQLFragment("LEFT JOIN \(target.table) \(a) ON \(a).\(id) = \(column.sql)"))
            if walk.isMulti {
                let s = alias("__s.", key)
                walk.sourceFrom.append(" LEFT JOIN \(target.table) \(s) ON \(s).\(id) = \(sourceColumn.sql)")
                walk.sourceAlias = s
            } else {
                walk.sourceAlias = a
            }
            walk.alias = a
        } else {
            let je = alias("__fje.", key), a = alias("__f.", key)
            let sje = alias("__sje.", key), s = alias("__s.", key)
            walk.isMulti = true
            var fan = SQLFragment("LEFT JOIN ")
            fan.append(column.jsonEachSource())
            fan.append(" AS \(je)")
            walk.fanOut.append(fan)
            walk.fanOut.append(SQLFragment("LEFT JOIN \(target.table) \(a) ON \(a).\(id) = \(je).value"))
            walk.sourceFrom.append(" LEFT JOIN ")
            walk.sourceFrom.append(sourceColumn.jsonEachSource())
            walk.sourceFrom.append(" AS \(sje) LEFT JOIN \(target.table) \(s) ON \(s).\(id) = \(sje).value")
            walk.alias = a
            walk.sourceAlias = s
        }
        walk.key = key
        walk.hops += 1
        try guardJoin(target, walk: &walk, position: position)
    }

    /// `comments_via_post`: the records of `comments` whose `post` points at the current row. Fans out,
    /// unless the relation is single and has a single-column UNIQUE index (then it is 1:1, as in PocketBase).
    private func backRelationHop(from c: CompiledCollection, name: String, collection collectionName: String, field fieldName: String,
                                 walk: inout Walk, position: SourcePosition) throws(FilterError) -> CompiledCollection {
        let (other, relation) = try backRelation(to: c, collection: collectionName, field: fieldName, position: position)
        guard walk.hops < Self.maxRelationHops else { throw FilterError("too many relation hops (max \(Self.maxRelationHops))", at: position) }
        let key = walk.extended(name)
        let isUnique = !relation.isMultiple && other.schema.indexes.contains { index in
            index.isUnique && index.whereSQL.isEmpty && index.columns.count == 1 && ASCII.lowercased(index.columns[0]) == ASCII.lowercased(relation.name)
        }
        if isUnique && !walk.isMulti {
            let a = alias("__r.", key)
            walk.joins.append(backRelationJoin(other, relation, alias: a, to: walk.alias))
            walk.alias = a
            walk.sourceAlias = a
        } else {
            let a = alias("__f.", key), s = alias("__s.", key)
            walk.isMulti = true
            walk.fanOut.append(backRelationJoin(other, relation, alias: a, to: walk.alias))
            walk.sourceFrom.append(" ")
            walk.sourceFrom.append(backRelationJoin(other, relation, alias: s, to: walk.sourceAlias))
            walk.alias = a
            walk.sourceAlias = s
        }
        walk.key = key
        walk.hops += 1
        try guardJoin(other, walk: &walk, position: position)
        return other
    }

    private func backRelation(to c: CompiledCollection, collection name: String, field fieldName: String,
                              position: SourcePosition) throws(FilterError) -> (CompiledCollection, RelationField) {
        guard let other = schema.collection(name) else { throw FilterError("unknown collection \"\(name)\" in back-relation", at: position) }
        guard let relation = other.schema.field(named: fieldName) as? RelationField, relation.collectionID == c.schema.id else {
            throw FilterError("\"\(name).\(fieldName)\" is not a relation to \(c.schema.name)", at: position)
        }
        if isClientFilter && !requester.isSuperuser && relation.base.hidden {
            throw FilterError("\"\(name).\(fieldName)\" is hidden", at: position)
        }
        return (other, relation)
    }

    /// `LEFT JOIN <other> <alias> ON <alias>.<relation> = <row>.id` (or membership, for a multiple relation).
    private func backRelationJoin(_ other: CompiledCollection, _ relation: RelationField, alias a: String, to row: String) -> SQLFragment {
        let link = relationLink(relation, item: a, row: row)
        return SQLFragment("LEFT JOIN \(other.table) \(a) ON \(link)")
    }

    private func relationLink(_ relation: RelationField, item a: String, row: String) -> String {
        let column = "\(a).\(q(relation.name))"
        let id = "\(row).\(q("id"))"
        return relation.isMultiple
            ? "\(id) IN (SELECT value FROM \(SQLFragment(column).jsonEachSource().sql))"
            : "\(column) = \(id)"
    }

    /// `comments_via_post:length`: how many records point at the row (an Aerie extension; PocketBase rejects it).
    private func backRelationCount(from c: CompiledCollection, collection name: String, field fieldName: String,
                                   walk: Walk, position: SourcePosition) throws(FilterError) -> ResolvedIdentifier {
        let (other, relation) = try backRelation(to: c, collection: name, field: fieldName, position: position)
        let item = alias("__n.", walk.extended(name))
        func count(_ row: String) -> SQLFragment {
            SQLFragment("(SELECT COUNT(*) FROM \(other.table) \(item) WHERE \(relationLink(relation, item: item, row: row)))")
        }
        return finish(walk, kind: .number) { row in count(row) }
    }

    /// Client filters of non-superusers may reach another collection only as its list rule allows:
    /// locked is an error, an expression guards the joined row (`id = '' OR rule`, as PocketBase).
    private func guardJoin(_ target: CompiledCollection, walk: inout Walk, position: SourcePosition) throws(FilterError) {
        guard isClientFilter, !requester.isSuperuser else { return }
        switch target.rules.list {
        case .open:
            return
        case .locked:
            throw FilterError("cannot filter by fields of \(target.schema.name): only superusers may list it", at: position)
        case .expression(let expression, _):
            // The rule runs with full visibility on the joined row, under its own alias prefix.
            let unquoted = String(walk.alias.dropFirst().dropLast())
            let nested = RecordFieldResolver(schema: schema, base: target, baseAlias: walk.alias, requester: requester, authRecord: authRecord,
                                             request: request, body: body, submittedKeys: submittedKeys, oldValues: oldValues,
                                             isClientFilter: false, aliasPrefix: unquoted + "/")
            let rule: FilterSQL
            do {
                rule = try FilterSQLEmitter(resolver: nested).emit(expression)
            } catch {
                throw FilterError("the list rule of \(target.schema.name) does not compile: \(error.message)", at: position)
            }
            for join in rule.joins { walk.join(join) }
            let id = "\(walk.alias).\(q("id"))"
            var guardSQL = SQLFragment("(\(id) = '' OR \(id) IS NULL OR ")
            guardSQL.append(rule.condition)
            guardSQL.append(")")
            walk.constraints.append(guardSQL)
        }
    }

    // MARK: - Leaves

    private func kind(of f: any FieldType) -> ValueKind {
        switch f {
        case is NumberField: .number
        case is BoolField: .bool
        case is JSONField, is GeoPointField: .json
        case is DateField, is AutodateField: .date
        default: .text
        }
    }

    private func lookupField(_ name: String, in c: CompiledCollection, position: SourcePosition) throws(FilterError) -> any FieldType {
        let hiddenFromClient = { (f: any FieldType) in
            self.isClientFilter && !self.requester.isSuperuser && f.base.hidden
        }
        guard let f = c.schema.field(named: name), !hiddenFromClient(f), f.name != "password", f.name != "tokenKey" else {
            let candidates = c.schema.fields.filter { !hiddenFromClient($0) && $0.name != "password" && $0.name != "tokenKey" }.map(\.name)
            var message = "unknown field \"\(name)\""
            if let best = Suggestion.closest(to: name, in: candidates) { message += "; did you mean \"\(best)\"" }
            throw FilterError(message, at: position)
        }
        return f
    }

    /// The identifier for a value read from the current row (`value(alias)`), multi-valued once the walk fans out.
    private func finish(_ walk: Walk, kind: ValueKind, value: (String) -> SQLFragment) -> ResolvedIdentifier {
        guard walk.isMulti else { return ResolvedIdentifier(value(walk.alias), kind: kind, joins: walk.joins, constraints: walk.constraints) }
        var source = SQLFragment("(SELECT ")
        source.append(value(walk.sourceAlias))
        source.append(" AS value FROM ")
        source.append(walk.sourceFrom)
        source.append(")")
        return ResolvedIdentifier(value(walk.alias), kind: kind, joins: walk.joins, multiValueSource: source,
                                  fanOutJoins: walk.fanOut, constraints: walk.constraints)
    }

    /// A field at the end of a path, with its modifier.
    private func leaf(_ f: any FieldType, in c: CompiledCollection, modifier: FilterModifier?, walk: inout Walk) throws(FilterError) -> ResolvedIdentifier {
        let multi = (f as? any MultiValueField)?.isMultiple ?? false
        let guardsEmail = c.schema.isAuth && f.name == "email" && isClientFilter && !requester.isSuperuser
        func column(_ row: String) -> SQLFragment {
            let plain = SQLFragment("\(row).\(q(f.name))")
            guard guardsEmail else { return plain }
            // A hidden email must not be probeable through filters: it reads as '' unless visible
            // to the requester (emailVisibility, or their own record; spec §5.5, §9.1).
            return SQLFragment("(CASE WHEN \(row).\(q("emailVisibility")) = 1 OR \(row).\(q("id")) = ? THEN \(plain.sql) ELSE '' END)",
                               arguments: [.text(requester.recordID ?? "")])
        }
        // A JSON field compares by its decoded value, as PocketBase's JSON_EXTRACT(col, '$').
        if f is JSONField {
            return finish(walk, kind: .json) { row in
                var value = SQLFragment("json_extract(")
                value.append(column(row))
                value.append(", '$')")
                return modifier == .lower ? value.lowercased() : value
            }
        }
        switch modifier {
        case .lower?:
            return finish(walk, kind: .text) { column($0).lowercased() }
        case .length? where multi:
            return finish(walk, kind: .number) { column($0).arrayLength() }
        case .each? where multi:
            // One more fan-out level: the items of the field itself.
            let key = walk.extended(f.name)
            let je = alias("__fje.", key), sje = alias("__sje.", key)
            let sourceColumn = column(walk.sourceAlias)
            var fan = SQLFragment("LEFT JOIN ")
            fan.append(column(walk.alias).jsonEachSource())
            fan.append(" AS \(je)")
            walk.isMulti = true
            walk.fanOut.append(fan)
            walk.sourceFrom.append(" LEFT JOIN ")
            walk.sourceFrom.append(sourceColumn.jsonEachSource())
            walk.sourceFrom.append(" AS \(sje)")
            walk.alias = je
            walk.sourceAlias = sje
            return finish(walk, kind: .text) { SQLFragment("\($0).value") }
        default:
            // Without :each, a multiple select/relation/file compares as its raw JSON text (spec §5.4);
            // modifiers that do not apply to the field are ignored, as PocketBase does.
            return finish(walk, kind: multi ? .text : kind(of: f)) { column($0) }
        }
    }

    /// `meta.a.b` / `loc.lat`: a path inside a JSON or geoPoint field; never an error.
    private func jsonPath(_ f: any FieldType, _ rest: ArraySlice<String>, modifier: FilterModifier?, walk: Walk) -> ResolvedIdentifier {
        var path = "$"
        for segment in rest {
            // Numeric segments index arrays: `meta.list.0` → `$.list[0]`.
            if !segment.isEmpty, segment.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { path += "[\(segment)]" } else { path += "." + segment }
        }
        return finish(walk, kind: .json) { row in
            var expr = SQLFragment("json_extract(\(row).\(q(f.name)), ")
            expr.append(SQLFragment("?)", arguments: [.text(path)]))
            return modifier == .lower ? expr.lowercased() : expr
        }
    }

    // MARK: - @request.*

    static func filterValue(_ json: JSON?) -> FilterValue {
        switch json {
        case nil, .null?: return .null
        case .bool(let b)?: return .bool(b)
        case .int(let i)?: return .integer(i)
        case .double(let d)?: return .double(d)
        case .string(let s)?: return .text(s)
        case let other?: return .text(other.jsonString)
        }
    }

    private func requestValue(_ path: ArraySlice<String>, _ modifier: FilterModifier?, _ position: SourcePosition) throws(FilterError) -> FieldResolution {
        guard let area = path.first else { throw FilterError("incomplete @request path", at: position) }
        let rest = path.dropFirst()
        switch area {
        case "auth":
            guard let name = rest.first, rest.count <= 2 else { throw FilterError("use @request.auth.<field>", at: position) }
            guard let id = requester.recordID else { return .value(name == "id" ? .text("") : .null) }
            if rest.count == 2, let leafName = rest.last {
                // `@request.auth.team.name`: a field of a record the requester's relation points at.
                guard let authCollection = requester.collectionID.flatMap({ schema.collection($0) }),
                      let relation = authCollection.schema.field(named: name) as? RelationField, !relation.isMultiple,
                      let target = schema.collection(relation.collectionID) else {
                    throw FilterError("@request.auth.\(name) is not a single relation", at: position)
                }
                let leaf = try lookupField(leafName, in: target, position: position)
                let sql = SQLFragment("(SELECT \(q(leaf.name)) FROM \(target.table) WHERE \(q("id")) = ?)", arguments: [Self.filterValue(authRecord?[name])])
                return .identifier(ResolvedIdentifier(modifier == .lower ? sql.lowercased() : sql, kind: kind(of: leaf)))
            }
            switch name {
            case "id": return .value(.text(id))
            case "collectionId": return .value(.text(requester.collectionID ?? ""))
            case "collectionName":
                return .value(.text(requester.collectionID.flatMap { schema.collection($0)?.schema.name } ?? ""))
            default:
                var value = Self.filterValue(authRecord?[name])
                if modifier == .lower, case .text(let s) = value { value = .text(ASCII.lowercased(s)) }
                return .value(value)
            }
        case "body":
            guard let name = rest.first, rest.count <= 2 else { throw FilterError("use @request.body.<field>", at: position) }
            if rest.count == 2, let leafName = rest.last {
                // `@request.body.list.owner`: a field of the record the submitted relation id points at.
                guard let relation = base.schema.field(named: name) as? RelationField, !relation.isMultiple,
                      let target = schema.collection(relation.collectionID) else {
                    throw FilterError("@request.body.\(name) is not a single relation", at: position)
                }
                let leaf = try lookupField(leafName, in: target, position: position)
                let submitted = Self.filterValue(body[name])
                let sql = SQLFragment("(SELECT \(q(leaf.name)) FROM \(target.table) WHERE \(q("id")) = ?)", arguments: [submitted])
                return .identifier(ResolvedIdentifier(modifier == .lower ? sql.lowercased() : sql, kind: kind(of: leaf)))
            }
            switch modifier {
            case .isset?: return .value(.bool(submittedKeys.contains(name)))
            case .changed?:
                guard submittedKeys.contains(name) else { return .value(.bool(false)) }
                return .value(.bool(body[name] != oldValues?[name]))
            case .length?:
                if case .array(let items)? = body[name] { return .value(.integer(Int64(items.count))) }
                return .value(.integer(body[name] == nil || body[name] == .null || body[name] == "" ? 0 : 1))
            default:
                return .value(Self.filterValue(body[name]))
            }
        case "query":
            guard let name = rest.first, rest.count == 1 else { throw FilterError("use @request.query.<name>", at: position) }
            return .value(request.query(name).map(FilterValue.text) ?? .null)
        case "headers":
            guard let name = rest.first, rest.count == 1 else { throw FilterError("use @request.headers.<name>", at: position) }
            return .value(request.header(ASCII.lowercased(name)).map(FilterValue.text) ?? .null)
        case "method":
            return .value(.text(request.method))
        case "context":
            return .value(.text(request.context))
        default:
            throw FilterError("unknown @request field \"\(area)\"", at: position)
        }
    }
}

/// "Did you mean" suggestions by edit distance.
enum Suggestion {
    static func closest(to name: String, in candidates: [String]) -> String? {
        let target = Array(name.lowercased().utf8)
        var best: (String, Int)?
        for c in candidates {
            let d = distance(target, Array(c.lowercased().utf8))
            if d <= max(2, target.count / 3), best.map({ d < $0.1 }) ?? true { best = (c, d) }
        }
        return best?.0
    }

    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
