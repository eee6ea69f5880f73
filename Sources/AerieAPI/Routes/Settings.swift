// Aerie — GET and PATCH /api/settings (superusers only)
// SPDX-License-Identifier: MIT
public import AerieCore
import AerieHTTP
import AerieJSON

extension APIResponder {
    /// `GET /api/settings`: the settings in effect, in PocketBase's shape where the two overlap
    /// (`meta`, `smtp`, `rateLimits`, `trustedProxy`, `batch`, `logs`) plus Aerie's own groups.
    /// The SMTP password is never sent. Guests get 401, other auth records 403.
    func getSettings(_ ctx: RouteContext) throws -> HTTPResponse {
        try AuthService.requireSuperuser(requester(ctx))
        return json(.ok, JSON.object(app.settings.current.publicJSON()).serialized())
    }

    /// `PATCH /api/settings`: merges the submitted keys into the stored settings, validates the whole
    /// and answers the new settings. Keys overridden by `AERIE_*` variables are stored but stay
    /// overridden until the variable is removed.
    func patchSettings(_ ctx: RouteContext) throws -> HTTPResponse {
        try AuthService.requireSuperuser(requester(ctx))
        let body: JSONObject
        do {
            body = try RequestBody.object(ctx.request)
        } catch {
            throw APIError(status: .badRequest, message: "An error occurred while loading the submitted data.")
        }
        do {
            try app.settings.update { settings throws(SettingsError) in try settings.merge(patch: body) }
        } catch let error as SettingsError {
            if error.isLoading { throw APIError(status: .badRequest, message: "An error occurred while loading the submitted data.") }
            throw APIError(status: .badRequest, message: "An error occurred while saving the new settings.",
                           rawData: APIResponder.nestedIssues(error.issues))
        }
        return json(.ok, JSON.object(app.settings.current.publicJSON()).serialized())
    }

    /// `{"smtp.port": issue}` → `{"smtp":{"port":{"code":…,"message":…}}}`, PocketBase's nested `data`.
    static func nestedIssues(_ issues: [String: FieldIssue]) -> [UInt8] {
        var root = JSONObject()
        for path in issues.keys.sorted() {
            guard let issue = issues[path] else { continue }
            var entry: JSONObject = ["code": .string(issue.code), "message": .string(issue.message)]
            if let params = issue.params { entry["params"] = .object(params) }
            insert(.object(entry), at: path.split(separator: ".").map(String.init), into: &root)
        }
        return JSON.object(root).serialized()
    }

    private static func insert(_ value: JSON, at path: [String], into o: inout JSONObject) {
        guard let first = path.first else { return }
        if path.count == 1 { o[first] = value; return }
        var child = o[first]?.objectValue ?? JSONObject()
        insert(value, at: Array(path.dropFirst()), into: &child)
        o[first] = .object(child)
    }
}

extension BatchSettings {
    /// The `batch.*` settings.
    public init(_ settings: Settings) {
        let body = settings.int("batch.maxBodySize")
        self.init(enabled: settings.bool("batch.enabled"), maxRequests: settings.int("batch.maxRequests"),
                  timeout: .seconds(settings.int("batch.timeout")), maxBodySize: body == 0 ? 128 << 20 : body)
    }
}
