// Aerie — the last superuser cannot be deleted
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieSQLite

extension App {
    /// The 400 PocketBase answers when a delete would remove the only superuser: its
    /// record-delete handler wraps every delete failure in this message (spec §3.5, §9.6).
    static let lastSuperuserError = CoreError.badRequest(
        "Failed to delete record. Make sure that the record is not part of a required relation reference.")

    /// Throws 400 when a superuser's `DELETE /api/collections/{c}/records/{id}` would remove the
    /// only remaining superuser (spec §9.6). Does nothing for other collections, unknown ids and
    /// non-superuser callers, so the records API still answers those with 404 or 403 as usual.
    /// Called by the API route before `records.delete`; the two run in separate transactions, so two
    /// superusers deleting each other at the same instant could both pass (a window of microseconds
    /// that only other superusers can reach).
    public func checkSuperuserDeletion(collection key: String, id: String, requester: Requester) throws {
        guard requester.isSuperuser, let c = records.schema.collection(key), c.schema.isSuperusers else { return }
        if try isLastSuperuser(id) { throw App.lastSuperuserError }
    }

    /// Whether `id` is the only row of `_superusers`.
    func isLastSuperuser(_ id: String) throws -> Bool {
        try pool.read { db in
            let row = try db.queryRow(#"SELECT COUNT(*), COALESCE(SUM("id" = ?), 0) FROM "_superusers""#, [.text(id)])
            guard let row, case .integer(let total) = row[0], case .integer(let matches) = row[1] else { return false }
            return total == 1 && matches == 1
        }
    }
}
