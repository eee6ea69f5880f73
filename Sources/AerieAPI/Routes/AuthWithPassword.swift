// Aerie — POST /api/collections/{c}/auth-with-password
// SPDX-License-Identifier: MIT
import AerieCore
import AerieHTTP

extension APIResponder {
    /// Password login for any auth collection (superusers through `_superusers`), answering `{token, record}`.
    func authWithPassword(_ ctx: RouteContext) throws -> HTTPResponse {
        let who = requester(ctx)
        let body = try RequestBody.object(ctx.request)
        return json(.ok, try app.auth.authWithPassword(collection: ctx.parameters["collection"], body: body, requester: who))
    }
}
