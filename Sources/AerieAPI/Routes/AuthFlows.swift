// Aerie — the mail and OTP auth endpoints: verification, password reset, email change, OTP
// SPDX-License-Identifier: MIT
import AerieCore
import AerieHTTP
import AerieJSON

extension APIResponder {
    /// `POST …/request-verification` → 204 (also for unknown emails).
    func requestVerification(_ ctx: RouteContext) throws -> HTTPResponse {
        try app.auth.requestVerification(collection: ctx.parameters["collection"], body: try formBody(ctx))
        return HTTPResponse(status: .noContent)
    }

    /// `POST …/confirm-verification` → 204.
    func confirmVerification(_ ctx: RouteContext) throws -> HTTPResponse {
        try app.auth.confirmVerification(collection: ctx.parameters["collection"], body: try formBody(ctx))
        return HTTPResponse(status: .noContent)
    }

    /// `POST …/request-password-reset` → 204 (also for unknown emails).
    func requestPasswordReset(_ ctx: RouteContext) throws -> HTTPResponse {
        try app.auth.requestPasswordReset(collection: ctx.parameters["collection"], body: try formBody(ctx))
        return HTTPResponse(status: .noContent)
    }

    /// `POST …/confirm-password-reset` → 204.
    func confirmPasswordReset(_ ctx: RouteContext) throws -> HTTPResponse {
        try app.auth.confirmPasswordReset(collection: ctx.parameters["collection"], body: try formBody(ctx))
        return HTTPResponse(status: .noContent)
    }

    /// `POST …/request-email-change` (auth required) → 204.
    func requestEmailChange(_ ctx: RouteContext) throws -> HTTPResponse {
        try app.auth.requestEmailChange(collection: ctx.parameters["collection"], body: try formBody(ctx),
                                        authorization: ctx.request.header("authorization"))
        return HTTPResponse(status: .noContent)
    }

    /// `POST …/confirm-email-change` → 204.
    func confirmEmailChange(_ ctx: RouteContext) throws -> HTTPResponse {
        try app.auth.confirmEmailChange(collection: ctx.parameters["collection"], body: try formBody(ctx))
        return HTTPResponse(status: .noContent)
    }

    /// `POST …/request-otp` → 200 `{"otpId":"…"}`.
    func requestOTP(_ ctx: RouteContext) throws -> HTTPResponse {
        json(.ok, try app.auth.requestOTP(collection: ctx.parameters["collection"], body: try formBody(ctx)))
    }

    /// `POST …/auth-with-otp` → 200 auth response.
    func authWithOTP(_ ctx: RouteContext) throws -> HTTPResponse {
        let who = requester(ctx)
        return json(.ok, try app.auth.authWithOTP(collection: ctx.parameters["collection"], body: try formBody(ctx), requester: who))
    }

    /// The body as a JSON object; unreadable bodies are PocketBase's "loading" 400.
    private func formBody(_ ctx: RouteContext) throws -> JSONObject {
        do {
            return try RequestBody.object(ctx.request)
        } catch {
            throw APIError(status: .badRequest, message: "An error occurred while loading the submitted data.")
        }
    }
}
