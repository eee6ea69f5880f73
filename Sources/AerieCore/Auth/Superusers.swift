// Aerie — operator-side management of superusers (used by the CLI)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
import AerieJSON
import AerieSQLite

extension App {
    /// Creates a superuser, or updates the password of an existing one with that email
    /// when `upsert` is set. Validates email format and password length like the API does.
    public func createSuperuser(email: String, password: String, upsert: Bool = false) throws {
        let c = SystemCollections.superusersName
        let existing = try superuserID(email: email)
        if let existing {
            guard upsert else { throw CoreError.badRequest("A superuser with email \(email) already exists.") }
            _ = try records.update(collection: c, id: existing,
                                   body: ["password": .string(password), "passwordConfirm": .string(password)],
                                   requester: Requester(collectionID: SystemCollections.superusersID, recordID: existing, isSuperuser: true))
            return
        }
        _ = try records.create(collection: c,
                               body: ["email": .string(email), "password": .string(password), "passwordConfirm": .string(password)],
                               requester: Requester(isSuperuser: true))
    }

    /// Sets the password of the superuser with `email` (compared without case), which rotates
    /// its `tokenKey` and so ends its sessions. Throws `CoreError.notFound` for an unknown email and
    /// `CoreError.badRequest` with field issues for a password the `_superusers` schema rejects.
    public func updateSuperuserPassword(email: String, password: String) throws {
        guard let id = try superuserID(email: email) else {
            throw CoreError.notFound("A superuser with email \(email) doesn't exist.")
        }
        _ = try records.update(collection: SystemCollections.superusersName, id: id,
                               body: ["password": .string(password), "passwordConfirm": .string(password)],
                               requester: Requester(collectionID: SystemCollections.superusersID, recordID: id, isSuperuser: true))
    }

    /// Deletes the superuser with `email` (compared without case); false when there is none.
    /// Throws `CoreError.badRequest` rather than delete the last superuser (spec §9.6).
    @discardableResult
    public func deleteSuperuser(email: String) throws -> Bool {
        guard let id = try superuserID(email: email) else { return false }
        if try isLastSuperuser(id) { throw CoreError.badRequest("The last superuser cannot be deleted; create another one first.") }
        try records.delete(collection: SystemCollections.superusersName, id: id,
                           requester: Requester(collectionID: SystemCollections.superusersID, recordID: id, isSuperuser: true))
        return true
    }

    /// The id of the superuser with `email`, compared without case.
    func superuserID(email: String) throws -> String? {
        try pool.read { db -> String? in
            let value = try db.queryScalar(#"SELECT "id" FROM "_superusers" WHERE "email" = ? COLLATE NOCASE"#, [.text(email)])
            guard case .text(let id)? = value else { return nil }
            return id
        }
    }

    /// Emails of every superuser, oldest first.
    public func superuserEmails() throws -> [String] {
        try pool.read { db in
            var out: [String] = []
            try db.query(#"SELECT "email" FROM "_superusers" ORDER BY "created", rowid"#) { out.append($0.string(0)) }
            return out
        }
    }
}
