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
        let existing = try pool.read { db -> String? in
            let value = try db.queryScalar(#"SELECT "id" FROM "_superusers" WHERE "email" = ? COLLATE NOCASE"#, [.text(email)])
            guard case .text(let id)? = value else { return nil }
            return id
        }
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

    /// Emails of every superuser, oldest first.
    public func superuserEmails() throws -> [String] {
        try pool.read { db in
            var out: [String] = []
            try db.query(#"SELECT "email" FROM "_superusers" ORDER BY "created", rowid"#) { out.append($0.string(0)) }
            return out
        }
    }
}
