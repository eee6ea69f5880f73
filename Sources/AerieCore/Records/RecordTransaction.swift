// Aerie — record writes sharing one transaction (the batch API)
// SPDX-License-Identifier: MIT
public import AerieJSON
import AerieSQLite

extension RecordService {
    /// Runs `body` inside one write transaction: every record write made through the
    /// `RecordTransaction` commits together, or none does when `body` throws (spec §12).
    ///
    /// ```swift
    /// let bodies = try app.records.transaction { tx in
    ///     [try tx.create(collection: "posts", body: post, requester: who)]
    /// }
    /// ```
    public func transaction<T>(_ body: (RecordTransaction) throws -> T) throws -> T {
        let log = ChangeLog()
        let files = PendingFileDeletions()
        let result: T
        do {
            result = try pool.write { db in try body(RecordTransaction(service: self, db: db, files: files, log: log)) }
        } catch {
            files.rollBack(storage)
            throw error
        }
        files.run(storage)  // only after the commit: a rolled-back batch keeps every file
        changes.publish(log.changes)
        return result
    }
}

/// Record writes inside one open write transaction. Each call prepares its request when its turn
/// comes, on the writer's connection, so it sees what earlier calls wrote. Valid only inside the
/// `RecordService.transaction` closure that handed it out.
public struct RecordTransaction {
    let service: RecordService
    let db: Connection
    /// Files to delete once the transaction commits.
    let files: PendingFileDeletions
    /// Changes to publish once the transaction commits.
    let log: ChangeLog

    /// Creates a record, as `POST /records` (with its uploads, if any); returns the response JSON.
    public func create(collection key: String, body: JSONObject, uploads: [FileUpload] = [], requester: Requester,
                       request: RequestInfo = RequestInfo(), expand: String = "") throws -> [UInt8] {
        let c = try service.lookup(key)
        let set = UploadSet(uploads)
        var plan = try service.planCreate(c, body: set.merged(into: body, schema: c.schema), requester: requester, request: request)
        if !uploads.isEmpty, let storage = service.storage {
            set.revalidate(c.schema.fields, values: plan.values, old: nil, issues: &plan.issues)
            if plan.issues.isEmpty {
                files.stored += try service.store(set, referencedBy: plan.values, of: c, recordID: plan.values["id"]?.stringValue ?? "",
                                                  in: storage)
            }
        }
        try service.insert(plan, db: db)
        log.append(RecordChange(action: .create, collectionID: c.schema.id, values: plan.values))
        return try service.expandedRecord(plan.values, of: c, expand: expand, requester: requester, request: request,
                                          context: plan.context, db: db)
    }

    /// Updates a record, as `PATCH /records/{id}` (with its uploads, if any); returns the response JSON.
    public func update(collection key: String, id: String, body: JSONObject, uploads: [FileUpload] = [], requester: Requester,
                       request: RequestInfo = RequestInfo(), expand: String = "") throws -> [UInt8] {
        let c = try service.lookup(key)
        try service.checkUpdatable(c, requester: requester)
        let secrets = c.schema.isAuth ? try service.passwordWork(c, id: id, body: body, requester: requester, request: request, db: db)
            : PasswordWork()
        let old = try service.load(c, id: id, db: db)
        let set = UploadSet(uploads)
        let merged = set.merged(into: body, schema: c.schema)
        var planned: RecordService.UpdatePlan?
        if !uploads.isEmpty, let old, let storage = service.storage {
            // Planned here against the row just read, so applyUpdate uses this (revalidated) plan.
            var plan = try service.planUpdate(c, id: id, old: old, body: merged, requester: requester, work: secrets)
            set.revalidate(c.schema.fields, values: plan.values, old: old, issues: &plan.issues)
            if plan.issues.isEmpty { files.stored += try service.store(set, referencedBy: plan.values, of: c, recordID: id, in: storage) }
            planned = plan
        }
        let values = try service.applyUpdate(c, id: id, body: merged, planned: planned, requester: requester, request: request,
                                             work: secrets, db: db)
        if let old { files.noteReplaced(in: c, id: id, old: old, new: values) }
        log.append(RecordChange(action: .update, collectionID: c.schema.id, values: values))
        return try service.expandedRecord(values, of: c, expand: expand, requester: requester, request: request,
                                          context: service.bodyContext(values, body: body, request: request), db: db)
    }

    /// `PUT /records` in a batch: updates the record named by `body.id` when it exists in the
    /// collection (whatever the rules say; the update rule then decides), else creates it.
    public func upsert(collection key: String, body: JSONObject, uploads: [FileUpload] = [], requester: Requester,
                       request: RequestInfo = RequestInfo(), expand: String = "") throws -> [UInt8] {
        let c = try service.lookup(key)
        // PocketBase rewrites the action, so rules see @request.method PATCH or POST.
        var request = request
        if let id = body["id"]?.stringValue, !id.isEmpty, try service.load(c, id: id, db: db) != nil {
            request.method = "PATCH"
            return try update(collection: key, id: id, body: body, uploads: uploads, requester: requester, request: request, expand: expand)
        }
        request.method = "POST"
        return try create(collection: key, body: body, uploads: uploads, requester: requester, request: request, expand: expand)
    }

    /// Deletes a record and resolves relations pointing at it, as `DELETE /records/{id}`.
    public func delete(collection key: String, id: String, requester: Requester, request: RequestInfo = RequestInfo()) throws {
        let c = try service.lookup(key)
        if c.schema.type == .view { throw CoreError.badRequest("Unsupported collection type.") }
        if requester.isSuperuser, c.schema.isSuperusers {
            // Counted here, not on a reader, so superusers deleted earlier in the batch count.
            let row = try db.queryRow(#"SELECT COUNT(*), COALESCE(SUM("id" = ?), 0) FROM "_superusers""#, [.text(id)])
            if let row, case .integer(let total) = row[0], case .integer(let matches) = row[1], total == 1 && matches == 1 {
                throw App.lastSuperuserError
            }
        }
        let rule = try service.access(c.rules.delete, c, requester: requester, context: RecordService.RuleContext(request: request))
        files.deletedRecords.formUnion(try service.remove(c, id: id, rule: rule, db: db, log: log))
    }
}
