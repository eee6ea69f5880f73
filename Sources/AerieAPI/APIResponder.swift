// Aerie — the HTTP responder: routing, default headers, CORS and error mapping
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON
public import AerieCore
public import AerieHTTP

/// Which browser origins may call the API (spec §15.1). The default allows every origin
/// and answers with the literal `*`; an explicit list echoes the matching origin.
public struct CORSPolicy: Sendable {
    public var allowedOrigins: [String]
    public init(allowedOrigins: [String] = ["*"]) { self.allowedOrigins = allowedOrigins }

    /// The `Access-Control-Allow-Origin` value for a request origin, or nil when not allowed.
    func allowOrigin(for origin: String) -> String? {
        if allowedOrigins.contains("*") { return "*" }
        return allowedOrigins.contains(origin) ? origin : nil
    }
}

/// Serves the Aerie API for one `App`: implements `HTTPResponder`, so `HTTPServer` calls it
/// on worker threads.
public final class APIResponder: HTTPResponder {
    public let app: App
    let cors: CORSPolicy
    let batchSettings: BatchSettings
    /// Per-client-IP counters of the `rateLimits` rules (RateLimits.swift).
    let ipLimiter = RateLimiter()
    let realtimeSettings: RealtimeSettings
    /// Realtime clients and their subscriptions, fed by committed record changes.
    public let realtime: RealtimeBroker
    private let router: Router

    public init(app: App, cors: CORSPolicy = CORSPolicy(), batch: BatchSettings = BatchSettings(),
                realtime: RealtimeSettings = RealtimeSettings()) {
        self.app = app
        self.cors = cors
        self.batchSettings = batch
        self.realtimeSettings = realtime
        self.realtime = Self.makeBroker(app)
        var r = Router()
        r.add(.get, "/api/health") { try $0.health($1) }
        r.add(.get, "/api/collections/:collection/records") { try $0.listRecords($1) }
        r.add(.get, "/api/collections/:collection/records/:id") { try $0.viewRecord($1) }
        r.add(.post, "/api/collections/:collection/records") { try $0.createRecord($1) }
        r.add(.patch, "/api/collections/:collection/records/:id") { try $0.updateRecord($1) }
        r.add(.delete, "/api/collections/:collection/records/:id") { try $0.deleteRecord($1) }
        r.add(.post, "/api/collections/:collection/auth-with-password") { try $0.authWithPassword($1) }
        r.add(.get, "/api/collections/:collection/auth-methods") { try $0.authMethods($1) }
        r.add(.post, "/api/collections/:collection/auth-refresh") { try $0.authRefresh($1) }
        r.add(.post, "/api/collections/:collection/impersonate/:id") { try $0.impersonate($1) }
        r.add(.post, "/api/collections/:collection/request-verification") { try $0.requestVerification($1) }
        r.add(.post, "/api/collections/:collection/confirm-verification") { try $0.confirmVerification($1) }
        r.add(.post, "/api/collections/:collection/request-password-reset") { try $0.requestPasswordReset($1) }
        r.add(.post, "/api/collections/:collection/confirm-password-reset") { try $0.confirmPasswordReset($1) }
        r.add(.post, "/api/collections/:collection/request-email-change") { try $0.requestEmailChange($1) }
        r.add(.post, "/api/collections/:collection/confirm-email-change") { try $0.confirmEmailChange($1) }
        r.add(.post, "/api/collections/:collection/request-otp") { try $0.requestOTP($1) }
        r.add(.post, "/api/collections/:collection/auth-with-otp") { try $0.authWithOTP($1) }
        r.add(.post, "/api/batch") { try $0.batch($1) }
        r.add(.get, "/api/realtime") { try $0.realtimeConnect($1) }
        r.add(.post, "/api/realtime") { try $0.realtimeSubscribe($1) }
        r.add(.get, "/api/files/:collection/:recordId/:filename") { try $0.downloadFile($1) }
        r.add(.post, "/api/files/token") { try $0.fileToken($1) }
        r.add(.get, "/api/settings") { try $0.getSettings($1) }
        r.add(.patch, "/api/settings") { try $0.patchSettings($1) }
        self.router = r
    }

    /// The largest body a request may send (spec §8, §15.3): per collection for record writes.
    public func bodyLimit(method: HTTPMethod, path: String) -> Int {
        let parts = path.split(separator: "/")
        if parts.count >= 4, parts[0] == "api", parts[1] == "collections", parts[3] == "records",
           let c = app.schema.collection(String(parts[2])) {
            return c.bodyLimit - (32 << 20) + app.settings.maxBodySize
        }
        if path == "/api/batch" { return batchSettings.maxBodySize }
        return app.settings.maxBodySize
    }

    /// The directory to stream a request's body into instead of memory (large multipart record
    /// writes), or `nil`; wire it to `HTTPServerConfiguration.bodySpool`.
    public func bodySpool(method: HTTPMethod, path: String, headers: HTTPHeaders) -> String? {
        MultipartBody.spoolDirectory(method: method, path: path, headers: headers, storage: app.files.storage.temporaryDirectory)
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        var response: HTTPResponse
        if request.method == .options {
            response = HTTPResponse(status: .noContent)
            if let origin = request.header("origin"), let allowed = cors.allowOrigin(for: origin) {
                response.headers.add("Access-Control-Allow-Origin", allowed)
                response.headers.add("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
                if let requested = request.header("access-control-request-headers") {
                    response.headers.add("Access-Control-Allow-Headers", requested)
                }
            }
            response.headers.add("Vary", "Access-Control-Request-Method")
            response.headers.add("Vary", "Access-Control-Request-Headers")
        } else {
            switch router.match(request.method, request.path) {
            case .found(let handler, let parameters):
                if let limited = rateLimitResponse(request) {
                    response = limited
                } else {
                    do {
                        response = try handler(self, RouteContext(request: request, parameters: parameters))
                    } catch {
                        response = APIError(mapping: error).response
                    }
                }
                // `fields` shapes every 2xx JSON response (spec §4.1); absent, the bytes are untouched.
                if let fields = request.queryValue("fields"), !fields.isEmpty {
                    response = selectFields(fields, in: response)
                }
            case .wrongMethod:
                response = APIError(status: .notFound).response
            case .notFound:
                // PocketBase's catch-all static file route answers unknown paths this way.
                response = APIError(status: .notFound, message: "File not found.").response
            }
        }
        addDefaultHeaders(&response, request: request)
        return response
    }

    private func addDefaultHeaders(_ response: inout HTTPResponse, request: HTTPRequest) {
        response.headers.add("X-Content-Type-Options", "nosniff")
        if !FileDownload.isFileResponse(response) { response.headers.add("X-Frame-Options", "SAMEORIGIN") }
        response.headers.add("X-Xss-Protection", "1; mode=block")
        response.headers.add("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.add("Vary", "Origin")
        if request.method != .options, let origin = request.header("origin"), let allowed = cors.allowOrigin(for: origin) {
            response.headers.add("Access-Control-Allow-Origin", allowed)
        }
    }

    /// The response pruned to the `fields` selection when it is a 2xx JSON response; an invalid
    /// modifier is a 400, as in PocketBase 0.40.
    func selectFields(_ raw: String, in response: HTTPResponse) -> HTTPResponse {
        guard (200..<300).contains(response.status.code), !response.body.isEmpty,
              response.headers["Content-Type"]?.hasPrefix("application/json") == true else { return response }
        let selection: FieldSelection
        do {
            selection = try FieldSelection(parsing: raw)
        } catch {
            return APIError(status: .badRequest).response
        }
        guard let value = try? JSONParser.parse(response.body) else { return response }
        var pruned = response
        pruned.body = selection.apply(to: value).serialized()
        return pruned
    }

    /// A JSON response.
    func json(_ status: HTTPStatus, _ body: [UInt8]) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}
