// Aerie — record writes that carry files: store before commit, delete after commit
// SPDX-License-Identifier: MIT
public import AerieJSON
import AerieSQLite

/// File handling around record writes (spec §3.6, §10.1).
///
/// Uploads are stored (renamed into place, durable) *before* the write transaction, so a record
/// that commits always points at complete files; if the write fails they are deleted again.
/// Files a write replaces or removes, and every file of a deleted record, are deleted only
/// *after* the transaction commits, so a rolled-back write never loses a file. A crash between
/// storing and committing leaves an unreferenced file (an orphan), never a dangling reference.
extension RecordService {
    /// `POST /records` with uploaded files (multipart); without uploads it is the plain create.
    public func create(collection key: String, body: JSONObject, uploads: [FileUpload], requester: Requester,
                       request: RequestInfo = RequestInfo(), expand: String = "") throws -> [UInt8] {
        guard !uploads.isEmpty, let storage else {
            return try create(collection: key, body: body, requester: requester, request: request, expand: expand)
        }
        let c = try lookup(key)
        let set = UploadSet(uploads)
        var plan = try planCreate(c, body: set.merged(into: body, schema: c.schema), requester: requester, request: request)
        set.revalidate(c.schema.fields, values: plan.values, old: nil, issues: &plan.issues)
        let id = plan.values["id"]?.stringValue ?? ""
        let stored = plan.issues.isEmpty ? try store(set, referencedBy: plan.values, of: c, recordID: id, in: storage) : []
        do {
            try pool.write { db in try insert(plan, db: db) }
        } catch {
            for key in stored { storage.delete(key) }
            throw error
        }
        // Committed: whatever the plain create does after its write (change events…) belongs here too.
        changes.publish([RecordChange(action: .create, collectionID: c.schema.id, values: plan.values)])
        return try expandedRecord(plan.values, of: c, expand: expand, requester: requester, request: request, context: plan.context)
    }

    /// `PATCH /records/{id}` with optional uploads; files the update replaces or removes are
    /// deleted after the commit.
    public func update(collection key: String, id: String, body: JSONObject, uploads: [FileUpload], requester: Requester,
                       request: RequestInfo = RequestInfo(), expand: String = "") throws -> [UInt8] {
        let c = try lookup(key)
        guard let storage, c.schema.fields.contains(where: { $0 is FileField }) else {
            return try update(collection: key, id: id, body: body, requester: requester, request: request, expand: expand)
        }
        try checkUpdatable(c, requester: requester)
        let secrets = c.schema.isAuth ? try passwordWork(c, id: id, body: body, requester: requester, request: request) : PasswordWork()
        let set = UploadSet(uploads)
        let merged = set.merged(into: body, schema: c.schema)
        let makePlan = { (old: [String: JSON]) throws -> UpdatePlan in
            var plan = try self.planUpdate(c, id: id, old: old, body: merged, requester: requester, work: secrets)
            set.revalidate(c.schema.fields, values: plan.values, old: old, issues: &plan.issues)
            return plan
        }
        guard let snapshot = try pool.read({ db in try load(c, id: id, db: db) }) else { throw CoreError.missingResource }
        let planned = try makePlan(snapshot)
        let stored = try store(set, referencedBy: planned.values, of: c, recordID: id, in: storage)
        let old: [String: JSON], values: [String: JSON]
        do {
            (old, values) = try pool.write { db in
                guard let current = try load(c, id: id, db: db) else { throw CoreError.missingResource }
                // Optimistic, as the plain update: re-plan when the row changed since the snapshot.
                let plan = current == planned.old ? planned : try makePlan(current)
                let values = try applyUpdate(c, id: id, body: merged, planned: plan, requester: requester, request: request,
                                             work: secrets, db: db)
                return (current, values)
            }
        } catch {
            for key in stored { storage.delete(key) }
            throw error
        }
        // Committed: whatever the plain update does after its write (change events…) belongs here too.
        changes.publish([RecordChange(action: .update, collectionID: c.schema.id, values: values)])
        let replaced = PendingFileDeletions()
        replaced.noteReplaced(in: c, id: id, old: old, new: values)
        replaced.run(storage)
        // An upload a re-plan dropped (never the case today, but cheap to guarantee) is not left behind.
        let referenced = Set(c.schema.fields.compactMap { $0 as? FileField }.flatMap { $0.list(values[$0.name] ?? $0.zeroValue) })
        for key in stored where !referenced.contains(key.name) { storage.delete(key) }
        return try expandedRecord(values, of: c, expand: expand, requester: requester, request: request,
                                  context: bodyContext(values, body: body, request: request))
    }

    /// Moves the uploads named in `values` into storage; returns their keys.
    func store(_ set: UploadSet, referencedBy values: [String: JSON], of c: CompiledCollection, recordID: String,
                       in storage: any FileStorage) throws -> [FileKey] {
        var stored: [FileKey] = []
        do {
            for f in c.schema.fields {
                guard let file = f as? FileField else { continue }
                for name in file.list(values[f.name] ?? f.zeroValue) {
                    guard let upload = set.byName[name] else { continue }
                    let key = FileKey(collectionID: c.schema.id, recordID: recordID, name: name)
                    try storage.store(temporaryPath: upload.temporaryPath, as: key)
                    stored.append(key)
                }
            }
        } catch {
            for key in stored { storage.delete(key) }
            throw error
        }
        return stored
    }

    /// Deletes the files of records a committed delete removed (`collectionId/recordId` each).
    func removeFiles(ofDeleted records: Set<String>) {
        guard let storage else { return }
        for entry in records {
            let parts = entry.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, let c = schema.collection(String(parts[0])),
                  c.schema.fields.contains(where: { $0 is FileField }) else { continue }
            storage.deleteRecord(collectionID: String(parts[0]), recordID: String(parts[1]))
        }
    }
}

/// Files a transaction will delete once it commits. Used only by the thread running the
/// transaction, hence a plain class.
final class PendingFileDeletions {
    /// Deleted records as `collectionId/recordId`.
    var deletedRecords = Set<String>()
    /// Single files a write replaced or removed.
    var files: [FileKey] = []
    /// Uploads stored during the transaction: deleted again if it does not commit.
    var stored: [FileKey] = []

    /// Notes the names `old` had and `new` no longer has.
    func noteReplaced(in c: CompiledCollection, id: String, old: [String: JSON], new: [String: JSON]) {
        for f in c.schema.fields {
            guard let file = f as? FileField else { continue }
            let kept = Set(file.list(new[f.name] ?? f.zeroValue))
            for name in file.list(old[f.name] ?? f.zeroValue) where !kept.contains(name) {
                files.append(FileKey(collectionID: c.schema.id, recordID: id, name: name))
            }
        }
    }

    /// After a rollback: deletes the uploads the transaction stored; every old file stays.
    func rollBack(_ storage: (any FileStorage)?) {
        guard let storage else { return }
        for key in stored { storage.delete(key) }
    }

    /// After the commit: deletes every replaced file and the files of deleted records.
    func run(_ storage: (any FileStorage)?) {
        guard let storage else { return }
        for key in files { storage.delete(key) }
        for entry in deletedRecords {
            let parts = entry.split(separator: "/", maxSplits: 1)
            if parts.count == 2 { storage.deleteRecord(collectionID: String(parts[0]), recordID: String(parts[1])) }
        }
    }
}
