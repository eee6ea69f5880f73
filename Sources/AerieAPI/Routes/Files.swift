// Aerie — the files endpoints: downloads and file tokens (spec §10)
// SPDX-License-Identifier: MIT
import AerieCore
import AerieHTTP
import AerieJSON

extension APIResponder {
    /// `GET /api/files/{collection}/{recordId}/{filename}`; `thumb` is accepted and answered with
    /// the original file (Aerie has no image library).
    func downloadFile(_ ctx: RouteContext) throws -> HTTPResponse {
        let download = try app.files.open(collection: ctx.parameters["collection"], recordID: ctx.parameters["recordId"],
                                          name: ctx.parameters["filename"], fileToken: ctx.request.queryValue("token"),
                                          request: requestInfo(ctx))
        return FileDownload.response(download, request: ctx.request)
    }

    /// `POST /api/files/token` → `{"token": "<file token>"}`; guests get 401.
    func fileToken(_ ctx: RouteContext) throws -> HTTPResponse {
        let token = try app.auth.fileToken(for: requester(ctx))
        var w = JSONWriter(capacity: 300)
        w.beginObject()
        w.key("token"); w.string(token)
        w.endObject()
        return json(.ok, w.bytes)
    }

    /// The body of a record create or update, uploads included.
    func recordWriteBody(_ ctx: RouteContext) throws -> RecordWriteBody {
        try RecordWriteBody(ctx.request, temporaryDirectory: app.files.storage.temporaryDirectory,
                            maxBytes: bodyLimit(method: ctx.request.method, path: ctx.request.path))
    }
}
