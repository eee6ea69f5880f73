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

    /// The changed record as `requester` sees it, with `expand` resolved (its view rules apply).
    func realtimeRecord(_ values: [String: JSON], of c: CompiledCollection, requester: Requester, request: RequestInfo,
                        expand: String) throws -> [UInt8] {
        try expandedRecord(values, of: c, expand: expand, requester: requester, request: request)
    }
}
