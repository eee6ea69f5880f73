// Aerie — resolves filter and rule identifiers against a collection's schema
// SPDX-License-Identifier: MIT
import AerieBase
import AerieFilter
import AerieJSON
import AerieSQLite

/// Turns identifiers in filters and rules into SQL over a collection's table (spec §5.5–5.7):
/// plain fields, JSON sub-paths, relation paths (single relations join, multiple relations and
/// back-relations become multi-valued sources), modifiers, and `@request.*` values.
///
/// Identifiers only ever come from the validated schema; request values are returned as bound values.
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
    /// A client `filter`/`sort`: hidden fields and non-public related collections are off-limits for non-superusers.
    let isClientFilter: Bool

    static let maxRelationHops = 6

    private func q(_ name: String) -> String { schema.dialect.quoteIdentifier(name) }

    func resolve(_ text: String, at position: SourcePosition) throws(FilterError) -> FieldResolution {
        let identifier = try FilterIdentifier(parsing: text, at: position)
        let segments = identifier.segments
        if segments.first == "@request" { return try requestValue(segments.dropFirst(), identifier.modifier, position) }
        if segments.first?.hasPrefix("@collection") == true {
            throw FilterError("@collection references are not supported yet", at: position)
        }
        // PocketBase accepts :isset/:changed on record fields and ignores them there (spec §5.6).
        let modifier = identifier.modifier == .isset || identifier.modifier == .changed ? nil : identifier.modifier
        var joins: [SQLFragment] = []
        var resolved = try field(in: base, alias: baseAlias, pathPrefix: "", segments: segments[...],
                                 modifier: modifier, hops: 0, joins: &joins, position: position)
        resolved.joins = joins + resolved.joins
        return .identifier(resolved)
    }

    // MARK: - Collection fields

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

    private func field(in c: CompiledCollection, alias: String, pathPrefix: String, segments: ArraySlice<String>,
                       modifier: FilterModifier?, hops: Int, joins: inout [SQLFragment], position: SourcePosition) throws(FilterError) -> ResolvedIdentifier {
        guard let name = segments.first else { throw FilterError("empty field path", at: position) }
        let rest = segments.dropFirst()
        if let via = name.utf8.firstRange(of: "_via_".utf8) {
            let collectionName = String(name.utf8[..<via.lowerBound])!
            let fieldName = String(name.utf8[via.upperBound...])!
            return try backRelation(from: c, alias: alias, collection: collectionName, field: fieldName, rest: rest,
                                    modifier: modifier, hops: hops, position: position)
        }
        let f = try lookupField(name, in: c, position: position)
        var column = SQLFragment("\(alias).\(q(f.name))")
        let multi = (f as? any MultiValueField)?.isMultiple ?? false
        if c.schema.isAuth && f.name == "email" && isClientFilter && !requester.isSuperuser {
            // A hidden email must not be probeable through filters: it reads as '' unless visible
            // to the requester (emailVisibility, or their own record; spec §5.5, §9.1).
            column = SQLFragment("(CASE WHEN \(alias).\(q("emailVisibility")) = 1 OR \(alias).\(q("id")) = ? THEN \(column.sql) ELSE '' END)",
                                 arguments: [.text(requester.recordID ?? "")])
        }

        if rest.isEmpty {
            // A JSON field compares by its decoded value, as PocketBase's JSON_EXTRACT(col, '$').
            if f is JSONField {
                var value = SQLFragment("json_extract(")
                value.append(column)
                value.append(", '$')")
                return ResolvedIdentifier(modifier == .lower ? value.lowercased() : value, kind: .json)
            }
            switch modifier {
            case .lower?:
                return ResolvedIdentifier(column.lowercased(), kind: .text)
            case .length? where multi:
                return ResolvedIdentifier(column.arrayLength(), kind: .number)
            case .each? where multi:
                return ResolvedIdentifier(column, kind: .text, multiValueSource: column.jsonEachSource())
            default:
                // Without :each, a multiple select/relation/file compares as its raw JSON text (spec §5.4);
                // modifiers that do not apply to the field are ignored, as PocketBase does.
                return ResolvedIdentifier(column, kind: multi ? .text : kind(of: f))
            }
        }
        if f is JSONField || f is GeoPointField {
            var path = "$"
            for segment in rest {
                // Numeric segments index arrays: `meta.list.0` → `$.list[0]`.
                if !segment.isEmpty, segment.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { path += "[\(segment)]" } else { path += "." + segment }
            }
            var expr = SQLFragment("json_extract(")
            expr.append(column)
            expr.append(SQLFragment(", ?)", arguments: [.text(path)]))
            return ResolvedIdentifier(modifier == .lower ? expr.lowercased() : expr, kind: .json)
        }
        guard let relation = f as? RelationField else {
            throw FilterError("\"\(f.name)\" has no field \"\(rest.first ?? "")\"", at: position)
        }
        guard hops < Self.maxRelationHops else { throw FilterError("too many relation hops (max \(Self.maxRelationHops))", at: position) }
        guard let target = schema.collection(relation.collectionID) else { throw FilterError("unknown relation target of \"\(f.name)\"", at: position) }
        try checkClientAccess(target, position: position)
        let targetAlias = q("__r_" + pathPrefix + f.name)
        if !multi && rest.count == 1 && rest.first == "id" && modifier == nil {
            // `author.id` is the relation column itself; a join would turn a missing author into NULL.
            return ResolvedIdentifier(column, kind: .text)
        }
        if !multi {
            joins.append(SQLFragment("LEFT JOIN \(target.table) \(targetAlias) ON \(targetAlias).\(q("id")) = \(column.sql)"))
            return try field(in: target, alias: targetAlias, pathPrefix: pathPrefix + f.name + "_", segments: rest,
                             modifier: modifier, hops: hops + 1, joins: &joins, position: position)
        }
        // A multiple relation fans out: compare against every related record's value.
        guard rest.count == 1, let leafName = rest.first else {
            throw FilterError("paths through a multiple relation may name one field of the related collection", at: position)
        }
        let leaf = try lookupField(leafName, in: target, position: position)
        guard (leaf as? any MultiValueField)?.isMultiple != true else {
            throw FilterError("\"\(leafName)\" holds several values; it cannot follow a multiple relation", at: position)
        }
        let item = q("__m_" + pathPrefix + f.name)
        var value = "\(item).\(q(leaf.name))"
        if modifier == .lower { value = "LOWER(\(value))" }
        var source = SQLFragment("(SELECT \(value) AS value FROM ")
        source.append(column.jsonEachSource())
        source.append(" AS __je JOIN \(target.table) \(item) ON \(item).\(q("id")) = __je.value)")
        return ResolvedIdentifier(SQLFragment(value), kind: kind(of: leaf), multiValueSource: source)
    }

    /// `comments_via_post.text`: values of records in `collection` whose `field` points at this row.
    private func backRelation(from c: CompiledCollection, alias: String, collection name: String, field fieldName: String,
                              rest: ArraySlice<String>, modifier: FilterModifier?, hops: Int, position: SourcePosition) throws(FilterError) -> ResolvedIdentifier {
        guard let other = schema.collection(name) else { throw FilterError("unknown collection \"\(name)\" in back-relation", at: position) }
        try checkClientAccess(other, position: position)
        guard let relation = other.schema.field(named: fieldName) as? RelationField, relation.collectionID == c.schema.id else {
            throw FilterError("\"\(name).\(fieldName)\" is not a relation to \(c.schema.name)", at: position)
        }
        guard rest.count <= 1 else { throw FilterError("back-relation paths may name one field of the related collection", at: position) }
        let item = q("__b_\(hops)_" + name)
        let leafName = rest.first ?? "id"
        let leaf = try lookupField(leafName, in: other, position: position)
        let link = relation.isMultiple
            ? "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(\(item).\(q(relation.name))) THEN \(item).\(q(relation.name)) ELSE '[]' END) WHERE value = \(alias).\(q("id")))"
            : "\(item).\(q(relation.name)) = \(alias).\(q("id"))"
        var value = "\(item).\(q(leaf.name))"
        if modifier == .lower { value = "LOWER(\(value))" }
        if modifier == .length {
            return ResolvedIdentifier(SQLFragment("(SELECT COUNT(*) FROM \(other.table) \(item) WHERE \(link))"), kind: .number)
        }
        let source = SQLFragment("(SELECT \(value) AS value FROM \(other.table) \(item) WHERE \(link))")
        return ResolvedIdentifier(SQLFragment(value), kind: kind(of: leaf), multiValueSource: source)
    }

    /// Client filters may only reach into collections everyone may list.
    private func checkClientAccess(_ target: CompiledCollection, position: SourcePosition) throws(FilterError) {
        guard isClientFilter, !requester.isSuperuser else { return }
        if target.schema.rules.list != "" {
            throw FilterError("cannot filter by fields of \(target.schema.name): only superusers may list it", at: position)
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
