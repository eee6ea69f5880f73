// Aerie — GET /api/collections/{c}/auth-methods
// SPDX-License-Identifier: MIT
import AerieCore
import AerieHTTP

extension APIResponder {
    /// The sign-in methods of an auth collection (public).
    func authMethods(_ ctx: RouteContext) throws -> HTTPResponse {
        json(.ok, try app.auth.authMethods(collection: ctx.parameters["collection"]))
    }
}
