// Aerie — POST /api/collections/{c}/auth-refresh
// SPDX-License-Identifier: MIT
import AerieCore
import AerieHTTP

extension APIResponder {
    /// A new token (or the same non-refreshable one) and the fresh record for the caller's own token.
    func authRefresh(_ ctx: RouteContext) throws -> HTTPResponse {
        json(.ok, try app.auth.authRefresh(collection: ctx.parameters["collection"], authorization: ctx.request.header("authorization")))
    }
}
