// Aerie — bulk record import and export for `aerie records`
// SPDX-License-Identifier: MIT
import AerieBase
public import AerieJSON
import AerieSQLite

/// One record of an import that could not be stored, located by its input line.
public struct ImportIssue: Sendable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public init(line: Int, message: String) { self.line = line; self.message = message }
    public var description: String { "line \(line): \(message)" }
}

/// An import that stored nothing because some records were invalid.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    /// The first problems found (at most `RecordService.importIssueLimit`).
    public var issues: [ImportIssue]
    /// Whether more problems were found than are listed.
    public var isTruncated: Bool
    public var description: String {
        issues.map(\.description).joined(separator: "\n") + (isTruncated ? "\n(more problems were found; fix these first)" : "")
    }
}

/// One input record: its line number and its body.
public enum ImportItem {
    case record(line: Int, body: JSONObject)
    /// A line that could not be read as a record.
    case unreadable(line: Int, message: String)
}

extension RecordService {
    /// How many problems an import reports before it stops reading.
    public static let importIssueLimit = 20

    /// The output fields of a collection, in column order: what an export writes per record.
    public func exportFields(collection key: String) throws -> [String] {
        try lookup(key).outputFields.map(\.name)
    }

    /// Streams every record of a collection, oldest first, as (field name, value) pairs in
    /// column order — including hidden fields, never passwords or token keys. Runs in one
    /// read transaction, so the export is a consistent snapshot.
    public func exportRecords(collection key: String, _ body: ([(String, JSON)]) throws -> Void) throws -> Int {
        let c = try lookup(key)
        return try pool.read { db in
            let stmt = try db.prepare("SELECT \(c.selectList) FROM \(c.table) ORDER BY \(c.table).rowid")
            var count = 0
            while try stmt.step() {
                var row: [(String, JSON)] = []
                row.reserveCapacity(c.outputFields.count)
                for (i, f) in c.outputFields.enumerated() { row.append((f.name, f.readValue(stmt, Int32(i)))) }
                try body(row)
                count += 1
            }
            return count
        }
    }

    /// Creates every record from `next` in one write transaction, validated exactly as
    /// `POST /records` by a superuser validates it (rules are bypassed, fields are not).
    /// `created` and `updated` are kept when the input gives valid datetimes. Stores all of
    /// them or, when any is invalid, none; the error lists the failing lines.
    /// - Parameters:
    ///   - next: the next input record, or nil at the end.
    ///   - progress: called with the number of records read so far, every 1000 records.
    ///   - announce: also queue a `create` event per record in the `_events` outbox, in the same
    ///     transaction, for a server running on the directory to publish (`EventOutbox`).
    public func importRecords(collection key: String, announce: Bool = false, next: () throws -> ImportItem?,
                              progress: (Int) -> Void = { _ in }) throws -> Int {
        let c = try lookup(key)
        let admin = Requester(collectionID: nil, recordID: nil, isSuperuser: true)
        let dates = c.schema.fields.filter { $0 is AutodateField }.map(\.name)
        return try pool.write { db in
            var issues: [ImportIssue] = []
            var truncated = false
            var count = 0
            func fail(_ line: Int, _ message: String) {
                if issues.count < Self.importIssueLimit { issues.append(ImportIssue(line: line, message: message)) } else { truncated = true }
            }
            while !truncated, let item = try next() {
                count += 1
                if count % 1000 == 0 { progress(count) }
                switch item {
                case .unreadable(let line, let message):
                    fail(line, message)
                case .record(let line, var body):
                    // An import has no second typing of a password to compare.
                    if c.schema.isAuth, let password = body["password"], body["passwordConfirm"] == nil { body["passwordConfirm"] = password }
                    do {
                        var plan = try planCreate(c, body: body, requester: admin, request: RequestInfo())
                        for name in dates {
                            if let text = body[name]?.stringValue, !text.isEmpty {
                                guard let stamp = Timestamp.parse(text) else { fail(line, "\(name): not a valid datetime"); continue }
                                plan.values[name] = .string(stamp.formatted)
                            }
                        }
                        // Inserting after an earlier failure is harmless (the transaction is rolled
                        // back at the end) and checks unique indexes for every line.
                        try insert(plan, db: db)
                        if announce, issues.isEmpty {
                            try EventOutbox.append(.create, collectionID: c.schema.id, recordID: plan.values["id"]?.stringValue ?? "", db: db)
                        }
                    } catch CoreError.badRequest(let message, let fields) {
                        let details = fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.message)" }
                        fail(line, details.isEmpty ? message : details.joined(separator: "; "))
                    }
                }
            }
            progress(count)
            if !issues.isEmpty { throw ImportError(issues: issues, isTruncated: truncated) }
            return count
        }
    }
}
