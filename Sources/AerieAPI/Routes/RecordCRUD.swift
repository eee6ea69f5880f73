// Aerie — the records CRUD endpoints (spec §3)
// SPDX-License-Identifier: MIT
import AerieCore
import AerieHTTP
import AerieJSON

extension APIResponder {
    func requester(_ ctx: RouteContext) -> Requester {
        app.auth.requester(authorization: ctx.request.header("authorization"))
    }

    /// The `@request.*` facts of an HTTP request; header names as rules spell them (`x_token` → `X-Token`).
    func requestInfo(_ ctx: RouteContext) -> RequestInfo {
        let request = ctx.request
        return RequestInfo(method: request.method == .head ? "GET" : request.method.rawValue,
                           query: { request.queryValue($0) },
                           header: { request.header(String($0.map { $0 == "_" ? "-" : $0 })) })
    }

    /// `GET /api/collections/{c}/records`.
    func listRecords(_ ctx: RouteContext) throws -> HTTPResponse {
        let r = ctx.request
        var query = try ListQuery.parse(page: r.queryValue("page"), perPage: r.queryValue("perPage"), sort: r.queryValue("sort"),
                                        skipTotal: r.queryValue("skipTotal"), filter: r.queryValue("filter"))
        query.expand = r.queryValue("expand") ?? ""
        return json(.ok, try app.records.list(collection: ctx.parameters["collection"], query: query, requester: requester(ctx), request: requestInfo(ctx)))
    }

    /// `GET /api/collections/{c}/records/{id}`.
    func viewRecord(_ ctx: RouteContext) throws -> HTTPResponse {
        json(.ok, try app.records.view(collection: ctx.parameters["collection"], id: ctx.parameters["id"], requester: requester(ctx), request: requestInfo(ctx),
                                       expand: ctx.request.queryValue("expand") ?? ""))
    }

    /// `POST /api/collections/{c}/records` → 200 with the record.
    func createRecord(_ ctx: RouteContext) throws -> HTTPResponse {
        let who = requester(ctx)
        guard app.schema.collection(ctx.parameters["collection"]) != nil else {
            throw APIError(status: .notFound, message: "Missing or invalid collection context.")
        }
        let input = try recordWriteBody(ctx)
        defer { input.discard() }
        return json(.ok, try app.records.create(collection: ctx.parameters["collection"], body: input.object, uploads: input.uploads,
                                                requester: who, request: requestInfo(ctx), expand: ctx.request.queryValue("expand") ?? ""))
    }

    /// `PATCH /api/collections/{c}/records/{id}`.
    func updateRecord(_ ctx: RouteContext) throws -> HTTPResponse {
        let who = requester(ctx)
        let input = try recordWriteBody(ctx)
        defer { input.discard() }
        return json(.ok, try app.records.update(collection: ctx.parameters["collection"], id: ctx.parameters["id"], body: input.object,
                                                uploads: input.uploads, requester: who, request: requestInfo(ctx),
                                                expand: ctx.request.queryValue("expand") ?? ""))
    }

    /// `DELETE /api/collections/{c}/records/{id}` → 204.
    func deleteRecord(_ ctx: RouteContext) throws -> HTTPResponse {
        let who = requester(ctx)
        try app.checkSuperuserDeletion(collection: ctx.parameters["collection"], id: ctx.parameters["id"], requester: who)
        try app.records.delete(collection: ctx.parameters["collection"], id: ctx.parameters["id"], requester: who, request: requestInfo(ctx))
        return HTTPResponse(status: .noContent)
    }
}
