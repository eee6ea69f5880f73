// Aerie — the `{record, token}` auth response every sign-in endpoint answers with
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieSQLite

/// An auth token that passed every check of spec §9.5, with what it stands for.
struct VerifiedToken {
    /// The raw token, without any `Bearer ` prefix.
    var token: String
    var claims: JSONObject
    var collection: CompiledCollection
    var requester: Requester
}

extension AuthService {
    /// 401 "The request requires valid record authorization token." (spec §2.3).
    static let authRequired = CoreError.unauthorized("The request requires valid record authorization token.")

    /// 404 "Missing or invalid auth collection context." (spec §2.3).
    static let missingAuthCollection = CoreError.notFound("Missing or invalid auth collection context.")

    /// The auth collection a path names, or 404.
    func authCollection(_ key: String) throws -> CompiledCollection {
        guard let c = schema.collection(key), c.schema.isAuth else { throw AuthService.missingAuthCollection }
        return c
    }

    /// Checks `authRule` for `record` and writes `{"record":…,"token":…}` (spec §9.3), as
    /// PocketBase's `recordAuthResponse` does for every method. The rule is evaluated with the
    /// record as the requester; superusers (as caller, or as the `_superusers` collection) skip it.
    /// `viewer` decides which fields the record JSON shows; `email` is always shown to the record itself.
    func authResponse(_ c: CompiledCollection, record: [String: JSON], token: String,
                      caller: Requester, viewer: Requester) throws -> [UInt8] {
        let id = record["id"]?.stringValue ?? ""
        if !c.schema.isSuperusers && !caller.isSuperuser {
            // authRule runs against the record that just proved who it is (spec §7, §9.1).
            let denied = CoreError.forbidden("The request doesn't satisfy the collection requirements to authenticate.")
            let me = Requester(collectionID: c.schema.id, recordID: id, isSuperuser: false)
            guard let access = try? records.access(c.rules.auth, c, requester: me) else { throw denied }
            guard try pool.read({ db in try records.row(id, of: c, satisfies: access, db: db) }) else { throw denied }
        }
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("record")
        RecordSerializer(collection: c, requester: viewer).write(values: record, to: &w)
        w.key("token"); w.string(token)
        w.endObject()
        return w.bytes
    }
}
