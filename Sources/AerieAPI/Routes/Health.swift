// Aerie — GET /api/health
// SPDX-License-Identifier: MIT
import AerieCore
import AerieHTTP
import AerieJSON

extension APIResponder {
    /// `{"message":"API is healthy.","code":200,"data":{}}`; superusers also get `canBackup`,
    /// `realIP` and `possibleProxyHeader` (spec §13).
    func health(_ ctx: RouteContext) throws -> HTTPResponse {
        let requester = app.auth.requester(authorization: ctx.request.header("authorization"))
        var data = JSONObject()
        if requester.isSuperuser {
            data["canBackup"] = true
            data["realIP"] = .string(ctx.request.remoteAddress)
            data["possibleProxyHeader"] = ""
        }
        return json(.ok, JSON.object(["message": "API is healthy.", "code": 200, "data": .object(data)]).serialized())
    }
}
