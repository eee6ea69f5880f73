// Aerie — removing stored files no record references (left by a crash)
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieSQLite

extension FileService {
    /// Removes stored files that no record references, and the directories of records that no
    /// longer exist. Such orphans are left only by a crash: between storing an upload and its
    /// transaction's commit, or between a delete's commit and its file clean-up (requests that
    /// fail clean up after themselves). Only files modified before `cutoff` (seconds since the
    /// epoch) are touched, so an upload another process is storing right now is never taken.
    /// Returns how many files were removed.
    @discardableResult
    public func sweepOrphans(modifiedBefore cutoff: Int64) throws -> Int {
        var removed = 0
        for collection in records.schema.schema.collections {
            guard let c = records.schema.collection(collection.id) else { continue }
            let fileFields = c.schema.fields.compactMap { $0 as? FileField }
            guard !fileFields.isEmpty else { continue }
            for recordID in storage.recordIDs(collectionID: c.schema.id) {
                let values = try records.pool.read { db in try records.load(c, id: recordID, db: db) }
                let referenced = Set(fileFields.flatMap { f in values.map { f.list($0[f.name] ?? f.zeroValue) } ?? [] })
                for file in storage.files(collectionID: c.schema.id, recordID: recordID)
                where !referenced.contains(file.name) && file.modifiedSeconds < cutoff {
                    storage.delete(FileKey(collectionID: c.schema.id, recordID: recordID, name: file.name))
                    removed += 1
                }
            }
        }
        return removed
    }
}
