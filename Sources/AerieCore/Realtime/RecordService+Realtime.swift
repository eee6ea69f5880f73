// Aerie — rule checks and payloads for realtime record events
// SPDX-License-Identifier: MIT
import AerieFilter
import AerieJSON
import AerieSQLite

extension RecordService {
    /// Whether a subscriber may see a changed record: the collection's list rule (collection
    /// topics) or view rule (record topics), then the subscription's own `filter`, both run as one
    /// query against the record's values on a reader (spec §11.4). The values stand in for the
    /// table through a one-row CTE named like it, so creates, updates and deletes are checked
    /// alike, against exactly the version of the record the event carries.
    func realtimeAllows(_ values: [String: JSON], of c: CompiledCollection, rule: ParsedRule, requester: Requester,
                        request: RequestInfo, filter: String) throws -> Bool {
        var conditions = QueryConditions()
        let context = RuleContext(request: request)
        if !requester.isSuperuser {
            if case .locked = rule { return false }
            conditions.add(try access(rule, c, requester: requester, context: context))
        }
        if !filter.isEmpty {
            // Same restriction as list filters; a subscription that breaks it just gets no events.
            if !requester.isSuperuser && (filter.contains("@collection.") || filter.contains("@request.")) { return false }
            guard let expression = try filterCache.expression(for: filter) else { return true }
            let r = try resolver(c, requester: requester, context: context, clientFilter: true, text: filter)
            conditions.add(try FilterSQLEmitter(resolver: r).emit(expression))
        }
        guard let whereSQL = conditions.whereSQL else { return true }
        let q = schema.dialect.quoteIdentifier
        let columns = c.schema.fields.map { "? AS \(q($0.name))" }.joined(separator: ", ")
        let args: [SQLValue] = c.schema.fields.map { $0.sqlValue(values[$0.name] ?? $0.zeroValue) } + conditions.arguments
        let query = "WITH \(c.table) AS (SELECT \(columns)) SELECT 1 FROM \(c.table)\(conditions.joinSQL) WHERE \(whereSQL) LIMIT 1"
        return try pool.read { db in try db.queryRow(query, args) != nil }
    }

    /// Which of several non-superuser auths may see a changed record under an expression rule,
    /// answered by one query for all of them (see `AuthColumnsResolver`). Returns nil when the rule
    /// needs more of an auth than its id and collection (the caller then checks each auth alone).
    func realtimeAllowsEach(_ values: [String: JSON], of c: CompiledCollection, rule: ParsedRule, requesters: [Requester],
                            request: RequestInfo, filter: String) throws -> [Bool]? {
        guard case .expression(let expression, let text) = rule, !Self.readsAuthRecordFields(text),
              !requesters.contains(where: \.isSuperuser) else { return nil }
        if !filter.isEmpty && (filter.contains("@collection.") || filter.contains("@request.")) {
            return requesters.map { _ in false }
        }
        let context = RuleContext(request: request)
        var conditions = QueryConditions()
        do {
            let inner = try resolver(c, requester: .guest, context: context, clientFilter: false, text: text)
            conditions.add(try FilterSQLEmitter(resolver: AuthColumnsResolver(inner: inner)).emit(expression))
        } catch {
            return nil
        }
        if !filter.isEmpty, let parsed = try filterCache.expression(for: filter) {
            let r = try resolver(c, requester: .guest, context: context, clientFilter: true, text: filter)
            conditions.add(try FilterSQLEmitter(resolver: r).emit(parsed))
        }
        let q = schema.dialect.quoteIdentifier
        let columns = c.schema.fields.map { "? AS \(q($0.name))" }.joined(separator: ", ")
        let recordArgs: [SQLValue] = c.schema.fields.map { $0.sqlValue(values[$0.name] ?? $0.zeroValue) }
        var allowed = requesters.map { _ in false }
        // Four bound values per auth; batches stay far below SQLite's variable limit.
        let batch = 1000
        var start = 0
        while start < requesters.count {
            let end = min(start + batch, requesters.count)
            var authArgs: [SQLValue] = []
            var rows: [String] = []
            for i in start..<end {
                let who = requesters[i]
                let name = who.collectionID.flatMap { schema.collection($0)?.schema.name } ?? ""
                rows.append("(?, ?, ?, ?)")
                authArgs += [.integer(Int64(i)), .text(who.recordID ?? ""), .text(who.collectionID ?? ""), .text(name)]
            }
            let authTable = AuthColumnsResolver.table
            let query = "WITH \(c.table) AS (SELECT \(columns)), \(authTable)(\"n\", \"id\", \"collectionId\", \"collectionName\") AS (VALUES \(rows.joined(separator: ", "))) "
                + "SELECT DISTINCT \(authTable).\"n\" FROM \(authTable), \(c.table)\(conditions.joinSQL) WHERE \(conditions.whereSQL ?? "1")"
            let args = recordArgs + authArgs + conditions.arguments
            try pool.read { db in
                try db.query(query, args) { row in
                    let n = Int(row.int64(0))
                    if n >= 0 && n < allowed.count { allowed[n] = true }
                }
            }
            start = end
        }
        return allowed
    }

    /// The changed record as `requester` sees it, with `expand` resolved (its view rules apply).
    func realtimeRecord(_ values: [String: JSON], of c: CompiledCollection, requester: Requester, request: RequestInfo,
                        expand: String) throws -> [UInt8] {
        try expandedRecord(values, of: c, expand: expand, requester: requester, request: request)
    }
}
