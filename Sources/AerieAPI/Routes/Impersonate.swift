// Aerie — POST /api/collections/{c}/impersonate/{id}
// SPDX-License-Identifier: MIT
import AerieCore
import AerieHTTP

extension APIResponder {
    /// A non-refreshable token for any auth record, for superusers.
    func impersonate(_ ctx: RouteContext) throws -> HTTPResponse {
        let who = requester(ctx)
        // Authorization before the body is even decoded, as PocketBase's middleware runs first.
        try AuthService.requireSuperuser(who)
        let body = try RequestBody.object(ctx.request)
        return json(.ok, try app.auth.impersonate(collection: ctx.parameters["collection"], id: ctx.parameters["id"], body: body, requester: who))
    }
}
