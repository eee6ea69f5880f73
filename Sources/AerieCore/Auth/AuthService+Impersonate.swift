// Aerie — POST /api/collections/{c}/impersonate/{id}
// SPDX-License-Identifier: MIT
public import AerieJSON
import AerieSQLite

extension AuthService {
    /// The longest impersonation token a superuser may ask for: the largest `authToken.duration`
    /// a collection accepts (~3 years, spec §9.5). PocketBase sets no bound; Aerie needs one so
    /// `exp` cannot overflow.
    static let maxImpersonationSeconds: Int64 = 94_670_856

    /// PocketBase's `RequireSuperuserAuth`: 401 "The request requires valid record authorization
    /// token." for guests, 403 "The authorized record is not allowed to perform this action." for
    /// records of other collections (spec §2.3).
    public static func requireSuperuser(_ requester: Requester) throws {
        guard requester.recordID != nil else { throw AuthService.authRequired }
        guard requester.isSuperuser else { throw CoreError.forbidden("The authorized record is not allowed to perform this action.") }
    }

    /// `POST /api/collections/{c}/impersonate/{id}` (spec §9.4): a non-refreshable auth token for
    /// any record of an auth collection, for superusers only. `duration` (seconds, optional) of 0
    /// means the collection's `authToken.duration`. `authRule` does not apply (the caller is a superuser).
    ///
    /// - Throws: 401 for guests, 403 for non-superusers, 404 for an unknown collection or record,
    ///   400 for a `duration` that is not a whole number in 0…94670856.
    public func impersonate(collection key: String, id: String, body: JSONObject, requester: Requester) throws -> [UInt8] {
        try AuthService.requireSuperuser(requester)
        let c = try authCollection(key)
        guard let record = try pool.read({ db in try records.load(c, id: id, db: db) }) else { throw CoreError.missingResource }

        var seconds: Int64 = 0
        switch body["duration"] {
        case nil, .null?: break
        case .int(let n)?: seconds = n
        default:
            // Go's JSON binding rejects a non-integer before validation runs.
            throw CoreError.badRequest("An error occurred while loading the submitted data.")
        }
        if seconds < 0 {
            throw CoreError.badRequest("An error occurred while validating the submitted data.", fields: [
                "duration": FieldIssue("validation_min_greater_equal_than_required", "Must be no less than 0.", params: ["threshold": 0]),
            ])
        }
        if seconds > AuthService.maxImpersonationSeconds {
            throw CoreError.badRequest("An error occurred while validating the submitted data.", fields: [
                "duration": FieldIssue("validation_max_less_equal_than_required", "Must be no greater than \(AuthService.maxImpersonationSeconds).",
                                       params: ["threshold": .int(AuthService.maxImpersonationSeconds)]),
            ])
        }
        let token = makeToken(collection: c.schema, recordID: id, tokenKey: record["tokenKey"]?.stringValue ?? "",
                              refreshable: false, duration: seconds > 0 ? Int(seconds) : nil)
        return try authResponse(c, record: record, token: token, caller: requester, viewer: requester)
    }
}
