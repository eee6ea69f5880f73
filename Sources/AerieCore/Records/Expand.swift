// Aerie — the `expand` query parameter: related records inlined into record JSON (spec §4.2, §4.3)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON
import AerieSQLite

/// A parsed `expand` parameter: the requested relation paths merged into a tree.
///
/// `expand=author,comments_via_post.user, author.team` becomes
/// `author → team`, `comments_via_post → user`. Spaces are removed, leading and trailing dots
/// trimmed, duplicates and prefixes merged, and segments past the sixth are ignored, as
/// PocketBase does (`normalizeExpands`, `maxNestedRels`).
struct ExpandTree: Sendable, Equatable {
    /// PocketBase's `maxNestedRels`: deeper segments are dropped without error.
    static let maxDepth = 6

    /// One path segment and what is expanded below it, in first-mention order.
    struct Branch: Sendable, Equatable {
        var name: String
        var subtree: ExpandTree
    }

    var branches: [Branch] = []

    var isEmpty: Bool { branches.isEmpty }

    init() {}

    /// Parses the raw parameter; an empty or all-blank parameter gives an empty tree.
    init(parsing raw: String) {
        guard !raw.isEmpty else { return }
        for part in raw.split(separator: ",", omittingEmptySubsequences: true) {
            var path = Substring(String(part.filter { $0 != " " }))
            while path.first == "." { path.removeFirst() }
            while path.last == "." { path.removeLast() }
            guard !path.isEmpty else { continue }
            let segments = path.split(separator: ".", omittingEmptySubsequences: false).prefix(Self.maxDepth).map(String.init)
            insert(segments[...])
        }
    }

    private mutating func insert(_ segments: ArraySlice<String>) {
        guard let first = segments.first else { return }
        if let i = branches.firstIndex(where: { $0.name == first }) {
            branches[i].subtree.insert(segments.dropFirst())
        } else {
            var sub = ExpandTree()
            sub.insert(segments.dropFirst())
            branches.append(Branch(name: first, subtree: sub))
        }
    }
}

extension RecordService {
    /// An expand tree resolved against one collection for one requester: which branches are
    /// relations, back-relations, or unusable, and the view rule of each target.
    ///
    /// Built before any database connection is taken, because compiling a rule may load the
    /// requester's own record through the pool.
    final class ExpandPlan {
        /// How one branch reaches its related records.
        enum Link {
            /// A relation field of this collection, read from `column` of its select list.
            case relation(RelationField, column: Int32)
            /// `<collection>_via_<field>`: records of `source` whose `field` points here;
            /// `isSingle` when `field` has a single-column UNIQUE index.
            case backRelation(source: CompiledCollection, field: RelationField, isSingle: Bool)
        }

        /// One usable branch; unusable ones (unknown field, locked view rule) are left out.
        /// A class, so walking the branches per row retains one reference, not every member.
        final class Branch {
            let name: String
            let link: Link
            let target: CompiledCollection
            /// The target's view rule for the requester (`.all` for superusers and open rules).
            let access: RuleAccess
            /// What to expand inside each target record, nil when nothing.
            let nested: ExpandPlan?

            init(name: String, link: Link, target: CompiledCollection, access: RuleAccess, nested: ExpandPlan?) {
                self.name = name; self.link = link; self.target = target; self.access = access; self.nested = nested
            }

            var isMultiple: Bool {
                switch link {
                case .relation(let f, _): f.isMultiple
                case .backRelation(_, _, let isSingle): !isSingle
                }
            }
        }

        let collection: CompiledCollection
        /// The usable branches; a level with records but none of them gets no `expand` key.
        let branches: [Branch]

        init(collection: CompiledCollection, branches: [Branch]) {
            self.collection = collection
            self.branches = branches
        }

        /// The relation columns of `collection` that the branches read, per branch (nil for back-relations).
        func links(of row: Statement) -> [[String]] {
            branches.map { b in
                guard case .relation(let f, let column) = b.link else { return [] }
                return f.list(row, column)
            }
        }

        func links(of values: [String: JSON]) -> [[String]] {
            branches.map { b in
                guard case .relation(let f, _) = b.link else { return [] }
                return f.list(values[f.name] ?? f.zeroValue)
            }
        }
    }

    /// A record of some expand level: its id and the related ids each branch asked for.
    struct ExpandNode {
        var id: String
        var links: [[String]]
    }

    /// Resolves `tree` against `c`. Unknown fields and view rules that are `null` drop their
    /// branch (expand failures never fail the request); hidden relation fields are only
    /// expandable by superusers, since their ids are not shown to anyone else either.
    func makeExpandPlan(_ tree: ExpandTree, for c: CompiledCollection, requester: Requester, request: RequestInfo) -> ExpandPlan {
        var branches: [ExpandPlan.Branch] = []
        var context = RuleContext(request: request)
        context.request.context = "expand"
        for b in tree.branches {
            let link: ExpandPlan.Link
            let target: CompiledCollection
            if let (sourceName, fieldName) = Self.backRelationParts(b.name) {
                guard let source = schema.collection(sourceName),
                      let field = source.schema.field(named: fieldName) as? RelationField, field.collectionID == c.schema.id,
                      !field.base.hidden || requester.isSuperuser else { continue }
                let isSingle = source.schema.indexes.contains { $0.isUnique && $0.columns == [field.name] }
                link = .backRelation(source: source, field: field, isSingle: isSingle)
                target = source
            } else {
                guard let field = c.schema.field(named: b.name) as? RelationField,
                      !field.base.hidden || requester.isSuperuser,
                      let column = c.outputFields.firstIndex(where: { $0.name == field.name }),
                      let related = schema.collection(field.collectionID) else { continue }
                link = .relation(field, column: Int32(column))
                target = related
            }
            // A locked view rule throws for everyone but superusers: the branch is dropped (spec §4.2).
            guard let rule = try? access(target.rules.view, target, requester: requester, context: context) else { continue }
            let nested = b.subtree.isEmpty ? nil : makeExpandPlan(b.subtree, for: target, requester: requester, request: request)
            branches.append(ExpandPlan.Branch(name: b.name, link: link, target: target, access: rule, nested: nested))
        }
        return ExpandPlan(collection: c, branches: branches)
    }

    /// `comments_via_post` → (`comments`, `post`), splitting at the last `_via_` as PocketBase's
    /// greedy `^(\w+)_via_(\w+)$` does; also the deprecated `comments(post)` form.
    static func backRelationParts(_ name: String) -> (String, String)? {
        if let via = lastVia(in: name) {
            guard let source = String(name.utf8[..<via.lowerBound]), let field = String(name.utf8[via.upperBound...]),
                  !source.isEmpty, !field.isEmpty else { return nil }
            return (source, field)
        }
        if name.hasSuffix(")"), let open = name.firstIndex(of: "(") {
            let source = String(name[..<open]), field = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
            guard !source.isEmpty, !field.isEmpty, !field.contains("(") else { return nil }
            return (source, field)
        }
        return nil
    }

    /// The last `_via_` in `name` (a plain byte scan: this runs for every expand branch of every request).
    private static func lastVia(in name: String) -> Range<String.UTF8View.Index>? {
        let utf8 = name.utf8
        let pattern: [UInt8] = Array("_via_".utf8)
        guard utf8.count >= pattern.count else { return nil }
        var end = utf8.endIndex
        while let start = utf8.index(end, offsetBy: -pattern.count, limitedBy: utf8.startIndex) {
            if utf8[start..<end].elementsEqual(pattern) { return start..<end }
            end = utf8.index(before: end)
        }
        return nil
    }

    /// Ids as one bound JSON array text, read back with `json_each(?)`.
    static func jsonArray(_ ids: [String]) -> SQLValue {
        var w = JSONWriter(capacity: ids.count * 18 + 2)
        w.beginArray()
        for id in ids { w.string(id) }
        w.endArray()
        return .text(String(decoding: w.bytes, as: UTF8.self))
    }
    /// PocketBase's cap on back-related records per record.
    static let maxBackRelations = 1000

    /// The `expand` object of each record in `parents` (same order), or nil when no branch of
    /// `plan` resolved, in which case the records get no `expand` key.
    ///
    /// Queries are batched per branch across all parents: one `IN (…)` query over every related
    /// id, never one per record. A branch whose nested expansion fails as a whole fails too, as a
    /// PocketBase path does.
    func expandObjects(_ plan: ExpandPlan, parents: [ExpandNode], requester: Requester, db: Connection) throws -> [[UInt8]]? {
        // PocketBase returns success for a level without records before looking at the path.
        if parents.isEmpty { return [] }
        var pieces = [[UInt8]](repeating: [], count: parents.count)
        var resolvedAny = false
        let q = schema.dialect.quoteIdentifier
        for (branchIndex, branch) in plan.branches.enumerated() {
            // The related ids of every parent, in field order (or insertion order for back-relations).
            var idsPerParent: [[String]]
            switch branch.link {
            case .relation:
                idsPerParent = parents.map { $0.links[branchIndex] }
            case .backRelation(let source, let field, _):
                idsPerParent = try backRelationIDs(parents.map(\.id), source: source, field: field, db: db)
            }
            var unique: [String] = []
            var seen = Set<String>()
            for ids in idsPerParent { for id in ids where seen.insert(id).inserted { unique.append(id) } }

            // Fetch the visible target records, serialized without their closing brace.
            let target = branch.target
            var conditions = QueryConditions()
            conditions.add(branch.access)
            // Managers of an expanded auth record see its email, as on a direct view.
            let serializer = managerAware(RecordSerializer(collection: target, requester: requester), target, requester: requester, db: db)
            // Each visible record, open (no closing brace), back to back in one buffer.
            var bodies: [String: Int] = [:]
            var store = JSONWriter(capacity: 320 * unique.count)
            var records: [Range<Int>] = []
            var nodes: [ExpandNode] = []
            if !unique.isEmpty {
                // The ids travel as one JSON array, so the SQL text (and its cached statement) is the
                // same whatever their number, and SQLite's bound-variable limit never applies.
                var sql = "SELECT \(target.selectList) FROM \(target.table)\(conditions.joinSQL) WHERE \(target.table).\(q("id")) IN (SELECT value FROM json_each(?))"
                if let rule = conditions.whereSQL { sql += " AND " + rule }
                let arguments = conditions.joinArguments + [Self.jsonArray(unique)] + conditions.conditionArguments
                try db.query(sql, arguments) { row in
                    let start = store.bytes.count
                    store.resetSeparator()
                    serializer.writeOpen(row: row, to: &store)
                    let id = row.string(Int32(target.idColumn))
                    bodies[id] = records.count
                    records.append(start..<store.bytes.count)
                    if let nested = branch.nested { nodes.append(ExpandNode(id: id, links: nested.links(of: row))) }
                }
            }
            // Nested expands sit inside each expanded record's own `expand` (spec §4.3).
            var inner: [[UInt8]]?
            if let nested = branch.nested {
                guard let objects = try expandObjects(nested, parents: nodes, requester: requester, db: db) else { continue }
                inner = objects
            }
            resolvedAny = true
            func append(record r: Int, to piece: inout [UInt8]) {
                piece.append(contentsOf: store.bytes[records[r]])
                if let inner {
                    piece.append(contentsOf: Self.expandKey)
                    piece.append(contentsOf: inner[r])
                }
                piece.append(UInt8(ascii: "}"))
            }

            var key = JSONWriter(capacity: branch.name.utf8.count + 3)
            key.string(branch.name)
            for (p, ids) in idsPerParent.enumerated() {
                // Missing and forbidden ids are skipped; the field's order is kept.
                let found = ids.compactMap { bodies[$0] }
                guard let first = found.first else { continue }
                pieces[p].append(UInt8(ascii: pieces[p].isEmpty ? "{" : ","))
                pieces[p] += key.bytes
                pieces[p].append(UInt8(ascii: ":"))
                if branch.isMultiple {
                    pieces[p].append(UInt8(ascii: "["))
                    for (n, r) in found.enumerated() {
                        if n > 0 { pieces[p].append(UInt8(ascii: ",")) }
                        append(record: r, to: &pieces[p])
                    }
                    pieces[p].append(UInt8(ascii: "]"))
                } else {
                    append(record: first, to: &pieces[p])
                }
            }
        }
        guard resolvedAny else { return nil }
        for p in pieces.indices {
            if pieces[p].isEmpty { pieces[p] = [UInt8(ascii: "{"), UInt8(ascii: "}")] } else { pieces[p].append(UInt8(ascii: "}")) }
        }
        return pieces
    }

    /// Ids of the records of `source` whose relation `field` points at each parent, at most
    /// 1000 per parent, in insertion order; one query for all parents.
    private func backRelationIDs(_ parents: [String], source: CompiledCollection, field: RelationField, db: Connection) throws -> [[String]] {
        let q = schema.dialect.quoteIdentifier
        var byParent: [String: [String]] = [:]
        let column = "\(source.table).\(q(field.name))"
        let sql = field.isMultiple
            ? "SELECT DISTINCT __je.value, \(source.table).\(q("id")), \(source.table).rowid FROM \(source.table), json_each(CASE WHEN json_valid(\(column)) THEN \(column) ELSE '[]' END) AS __je WHERE __je.value IN (SELECT value FROM json_each(?)) ORDER BY \(source.table).rowid"
            : "SELECT \(column), \(source.table).\(q("id")) FROM \(source.table) WHERE \(column) IN (SELECT value FROM json_each(?)) ORDER BY \(source.table).rowid"
        try db.query(sql, [Self.jsonArray(parents)]) { row in
            let parent = row.string(0)
            var ids = byParent[parent, default: []]
            guard ids.count < Self.maxBackRelations else { return }
            ids.append(row.string(1))
            byParent[parent] = ids
        }
        return parents.map { byParent[$0] ?? [] }
    }

    // MARK: - Entry points used by list, view, create and update

    /// Serializes records collected as open objects (no closing brace), held back to back in one
    /// buffer with `ends[i]` closing record i, and appends each one's `expand`; used when the
    /// request has a non-empty `expand`.
    func writeExpanded(_ buffer: [UInt8], ends: [Int], nodes: [ExpandNode], plan: ExpandPlan, requester: Requester,
                       db: Connection, to w: inout JSONWriter) throws {
        let objects = try expandObjects(plan, parents: nodes, requester: requester, db: db)
        w.bytes.reserveCapacity(w.bytes.count + buffer.count + (objects?.reduce(0) { $0 + $1.count + 12 } ?? 0) + ends.count + 2)
        var start = 0
        for (i, end) in ends.enumerated() {
            Self.writeClosing(buffer[start..<end], expand: objects?[i], to: &w)
            start = end
        }
    }

    private static let expandKey = Array(#","expand":"#.utf8)

    /// One open record as an array element: its members, its `expand` if any, its closing brace.
    private static func writeClosing(_ open: ArraySlice<UInt8>, expand: [UInt8]?, to w: inout JSONWriter) {
        w.rawJSON(open)
        if let expand {
            w.appendRaw(expandKey)
            w.appendRaw(expand)
        }
        w.appendRaw([UInt8(ascii: "}")])
    }

    /// A record held as values (after create or update) with its `expand`, read on a reader connection.
    /// `context` is what `manageRule` sees when it decides whether the email is shown (default: the request alone).
    func expandedRecord(_ values: [String: JSON], of c: CompiledCollection, expand: String,
                        requester: Requester, request: RequestInfo, context: RuleContext? = nil, db: Connection? = nil) throws -> [UInt8] {
        let plain = RecordSerializer(collection: c, requester: requester)
        let plan = plan(expand: expand, for: c, requester: requester, request: request)
        // A caller passing manageRule sees the record's email (spec §9.1): that takes a query.
        var mayManage = false
        if !requester.isSuperuser, requester.recordID != nil, c.schema.isAuth, case .expression = c.rules.manage { mayManage = true }
        if plan == nil && !mayManage {
            var w = JSONWriter(capacity: 512)
            plain.write(values: values, to: &w)
            return w.bytes
        }
        let write = { (db: Connection) throws -> [UInt8] in
            let serializer = self.managerAware(plain, c, requester: requester, context: context ?? RuleContext(request: request), db: db)
            var w = JSONWriter(capacity: 512)
            guard let plan else {
                serializer.write(values: values, to: &w)
                return w.bytes
            }
            var open = JSONWriter(capacity: 512)
            serializer.writeOpen(values: values, to: &open)
            let node = ExpandNode(id: values["id"]?.stringValue ?? "", links: plan.links(of: values))
            try self.writeExpanded(open.bytes, ends: [open.bytes.count], nodes: [node], plan: plan, requester: requester, db: db, to: &w)
            return w.bytes
        }
        // Inside a batch the open write's connection sees the batch's own uncommitted rows.
        if let db { return try write(db) }
        return try pool.read(write)
    }
}

extension RecordService {
    /// The plan for a raw `expand` parameter, or nil when nothing usable was asked for, so
    /// requests without `expand` take the plain serialization path.
    func plan(expand raw: String, for c: CompiledCollection, requester: Requester, request: RequestInfo) -> ExpandPlan? {
        guard !raw.isEmpty else { return nil }
        let tree = ExpandTree(parsing: raw)
        guard !tree.isEmpty else { return nil }
        let plan = makeExpandPlan(tree, for: c, requester: requester, request: request)
        return plan.branches.isEmpty ? nil : plan
    }
}
