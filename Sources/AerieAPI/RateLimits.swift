// Aerie — per-client-IP rate limits from the `rateLimits` settings (PocketBase's rules)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieHTTP

extension APIResponder {
    /// The rule tags of a collection route, most specific first (spec §15.2): `list`, `view`,
    /// `create`, `update`, `delete` for records; the action name (and `auth` for sign-ins) for auth routes.
    static func rateLimitTags(_ method: HTTPMethod, _ parts: [Substring]) -> [String] {
        guard parts.count >= 4, parts[0] == "api", parts[1] == "collections" else { return [] }
        let action = parts[3]
        if action == "records" {
            switch (method, parts.count) {
            case (.get, 4), (.head, 4): return ["list"]
            case (.post, 4): return ["create"]
            case (.get, 5), (.head, 5): return ["view"]
            case (.patch, 5): return ["update"]
            case (.delete, 5): return ["delete"]
            default: return []
            }
        }
        switch action {
        case "auth-with-password": return ["authWithPassword", "auth"]
        case "auth-with-otp": return ["authWithOTP", "auth"]
        case "auth-with-oauth2": return ["authWithOAuth2", "auth"]
        case "auth-refresh": return ["authRefresh"]
        case "auth-methods": return ["listAuthMethods"]
        case "request-otp": return ["requestOTP"]
        case "request-password-reset": return ["requestPasswordReset"]
        case "confirm-password-reset": return ["confirmPasswordReset"]
        case "request-verification": return ["requestVerification"]
        case "confirm-verification": return ["confirmVerification"]
        case "request-email-change": return ["requestEmailChange"]
        case "confirm-email-change": return ["confirmEmailChange"]
        default: return []
        }
    }

    /// The client's IP: the first `trustedProxy.headers` header present (its rightmost entry, or
    /// leftmost with `useLeftmostIP`), else the socket's peer address.
    func clientIP(_ request: HTTPRequest, _ settings: Settings) -> String {
        for name in settings.list("trustedProxy.headers") {
            guard let value = request.header(name) else { continue }
            let entries = value.split(separator: ",").map { $0.trimmingASCII() }.filter { !$0.isEmpty }
            if let ip = settings.bool("trustedProxy.useLeftmostIP") ? entries.first : entries.last { return ip }
        }
        return request.remoteAddress
    }

    /// A 429 response when the request exceeds its rule, else nil. Off unless `rateLimits.enabled`;
    /// superusers and `rateLimits.excludedIPs` are never limited, as in PocketBase.
    func rateLimitResponse(_ request: HTTPRequest) -> HTTPResponse? {
        guard app.settings.rateLimitsEnabled else { return nil }
        // Rules changed (or limits were switched off and on) since the windows were counted: start over.
        ipLimiter.adopt(revision: app.settings.rateLimitsRevision)
        let settings = app.settings.current
        let ip = clientIP(request, settings)
        if settings.list("rateLimits.excludedIPs").contains(ip) { return nil }
        let requester = app.auth.requester(authorization: request.header("authorization"))
        if requester.isSuperuser { return nil }
        let audiences = requester.recordID == nil ? ["", "@guest"] : ["", "@auth"]
        let parts = request.path.split(separator: "/")
        let tags = APIResponder.rateLimitTags(request.method, parts)
        var labels: [String] = []
        var scope = ""
        if !tags.isEmpty, let c = app.schema.collection(String(parts[2])) {
            labels += tags.map { "\(c.name):\($0)" } + tags.map { "*:\($0)" }
            scope = c.id + "/" + tags.joined(separator: ",")
        }
        labels += ["\(request.method.rawValue) \(request.path)", request.path]
        let rules = settings.rateLimitRules.filter { audiences.contains($0.audience) }
        // Exact labels in order of specificity, then the longest matching path prefix ("/api/").
        var rule = labels.lazy.compactMap { label in rules.first { $0.label == label } }.first
        if rule == nil {
            rule = rules.filter { $0.label.hasSuffix("/") && (request.path.hasPrefix($0.label) || "\(request.method.rawValue) \(request.path)".hasPrefix($0.label)) }
                .max { $0.label.count < $1.label.count }
        }
        guard let rule else { return nil }
        let key = "\(rule.label)|\(rule.audience)|\(scope)|\(ip)"
        guard let retry = ipLimiter.consume(key, maxRequests: Int(rule.maxRequests), duration: Int(rule.duration)) else { return nil }
        var error = APIError(status: .tooManyRequests)
        error.retryAfter = retry
        return error.response
    }
}
