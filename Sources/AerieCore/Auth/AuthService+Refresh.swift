// Aerie — POST /api/collections/{c}/auth-refresh
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieSQLite

extension AuthService {
    /// `POST /api/collections/{c}/auth-refresh` (spec §9.4): the caller's fresh record with a new
    /// token when the current one is `refreshable`, else with the same token string.
    ///
    /// - Throws: 401 without a valid auth token; 403 "The request requires auth record from
    ///   <name> collection." when the token belongs to another collection (PocketBase names the
    ///   token's collection, not the path's); 403 when `authRule` no longer admits the record.
    public func authRefresh(collection key: String, authorization: String?) throws -> [UInt8] {
        guard let current = verifiedToken(authorization: authorization), let id = current.requester.recordID else {
            throw AuthService.authRequired
        }
        guard let c = schema.collection(key), c.schema.id == current.collection.schema.id else {
            throw CoreError.forbidden("The request requires auth record from \(current.collection.schema.name) collection.")
        }
        // The token was checked against this row a moment ago; if it vanished since, the caller is a guest.
        guard let record = try pool.read({ db in try records.load(c, id: id, db: db) }) else { throw AuthService.authRequired }
        var token = current.token
        if current.claims["refreshable"]?.boolValue == true {
            token = makeToken(collection: c.schema, recordID: id, tokenKey: record["tokenKey"]?.stringValue ?? "")
        }
        return try authResponse(c, record: record, token: token, caller: current.requester, viewer: current.requester)
    }
}
