// Aerie — POST /api/batch: record writes in one transaction (spec §12)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieHTTP
import AerieJSON

/// The limits of `POST /api/batch`. Unlike PocketBase, batching is on by default.
public struct BatchSettings: Sendable {
    /// Whether `/api/batch` answers at all (off → 403 "Batch requests are not allowed.").
    public var enabled: Bool
    /// Most sub-requests one batch may hold.
    public var maxRequests: Int
    /// Longest the whole transaction may run; checked between sub-requests.
    public var timeout: Duration
    /// Largest batch body in bytes.
    public var maxBodySize: Int

    public init(enabled: Bool = true, maxRequests: Int = 50, timeout: Duration = .seconds(3), maxBodySize: Int = 128 << 20) {
        self.enabled = enabled
        self.maxRequests = maxRequests
        self.timeout = timeout
        self.maxBodySize = maxBodySize
    }
}

/// One decoded item of `{"requests":[…]}`.
struct BatchItem {
    var method: String
    var url: String
    var body: JSONObject
    var headers: [(String, String)]
    /// Files sent as `requests.N.field` (or `requests[N].field`) parts, keyed by `field`.
    var uploads: [FileUpload] = []
}

/// The sub-request at `index` failed with `error`; the transaction is rolled back.
struct BatchItemFailure: Error {
    var index: Int
    var error: APIError
}

/// The batch ran past `BatchSettings.timeout`.
struct BatchTimeout: Error {}

extension APIResponder {
    /// `POST /api/batch` → 200 with `[{"body":…,"status":…}]` in request order, or 400 naming the
    /// first failing sub-request with its own error envelope; nothing is written then.
    func batch(_ ctx: RouteContext) throws -> HTTPResponse {
        guard batchSettings.enabled, batchSettings.maxRequests > 0 else {
            throw APIError(status: .forbidden, message: "Batch requests are not allowed.")
        }
        let who = requester(ctx)
        // Multipart batches carry the requests in @jsonPayload and files as `requests.N.field` parts.
        let form = MultipartBody.isMultipart(ctx.request)
            ? try MultipartBody.parse(ctx.request, temporaryDirectory: app.files.storage.temporaryDirectory, maxBytes: batchSettings.maxBodySize)
            : nil
        defer { form?.removeTemporaryFiles() }
        let items = try batchItems(ctx.request, form: form)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: batchSettings.timeout)
        let results: [[UInt8]]
        do {
            results = try app.records.transaction { tx in
                var out: [[UInt8]] = []
                out.reserveCapacity(items.count)
                for (index, item) in items.enumerated() {
                    if clock.now > deadline { throw BatchTimeout() }
                    do {
                        out.append(try runBatchItem(item, in: tx, requester: who, outer: ctx.request))
                    } catch {
                        throw BatchItemFailure(index: index, error: APIError(mapping: error))
                    }
                }
                // The last sub-request may have run past the deadline too.
                if clock.now > deadline { throw BatchTimeout() }
                return out
            }
        } catch let failure as BatchItemFailure {
            var w = JSONWriter(capacity: 256)
            w.beginObject()
            w.key("requests")
            w.beginObject()
            w.key(String(failure.index))
            w.beginObject()
            w.key("code"); w.string("batch_request_failed")
            w.key("message"); w.string("Batch request failed.")
            w.key("response"); w.rawJSON(failure.error.body)
            w.endObject()
            w.endObject()
            w.endObject()
            throw APIError(status: .badRequest, message: "Batch transaction failed.", rawData: w.bytes)
        } catch is BatchTimeout {
            // PocketBase avoids 408 here: some browsers retry it silently.
            throw APIError(status: .badRequest, message: "Batch transaction failed.")
        }
        var w = JSONWriter(capacity: 256 * results.count + 2)
        w.beginArray()
        for body in results { w.rawJSON(body) }
        w.endArray()
        return json(.ok, w.bytes)
    }

    /// Decodes and validates the batch body (PocketBase's `batchRequestsForm`).
    func batchItems(_ request: HTTPRequest, form: MultipartForm? = nil) throws -> [BatchItem] {
        let unreadable = APIError(status: .badRequest, message: "Failed to read the submitted batch data.")
        let object: JSONObject
        if let form {
            object = MultipartBody.object(form)
        } else {
            do {
                object = try RequestBody.object(request)
            } catch let error as APIError where error.message == APIError.defaultMessage(400) {
                throw unreadable
            }
        }
        var raw: [JSON] = []
        switch object["requests"] {
        case nil, .null?: break
        case .array(let a)?: raw = a
        default: throw unreadable
        }
        func invalid(_ data: JSONObject) -> APIError {
            APIError(status: .badRequest, message: "Invalid batch request data.", rawData: JSON.object(["requests": .object(data)]).serialized())
        }
        func issue(_ code: String, _ message: String, params: JSONObject? = nil) -> JSON {
            var o: JSONObject = ["code": .string(code), "message": .string(message)]
            if let params { o["params"] = .object(params) }
            return .object(o)
        }
        if raw.isEmpty {
            throw APIError(status: .badRequest, message: "Invalid batch request data.",
                           rawData: JSON.object(["requests": issue("validation_required", "Cannot be blank.")]).serialized())
        }
        if raw.count > batchSettings.maxRequests {
            let max = batchSettings.maxRequests
            throw APIError(status: .badRequest, message: "Invalid batch request data.",
                           rawData: JSON.object(["requests": issue("validation_length_too_long", "The length must be no more than \(max).",
                                                                   params: ["max": .int(Int64(max))])]).serialized())
        }
        var items: [BatchItem] = []
        var problems = JSONObject()
        for (index, value) in raw.enumerated() {
            guard case .object(let o) = value else { throw unreadable }
            var item = BatchItem(method: "", url: "", body: JSONObject(), headers: [])
            switch o["method"] {
            case nil, .null?: break
            case .string(let s)?: item.method = s
            default: throw unreadable
            }
            switch o["url"] {
            case nil, .null?: break
            case .string(let s)?: item.url = s
            default: throw unreadable
            }
            switch o["body"] {
            case nil, .null?: break
            case .object(let b)?: item.body = b
            default: throw unreadable
            }
            switch o["headers"] {
            case nil, .null?: break
            case .object(let h)?:
                for key in h.keys {
                    guard case .string(let v)? = h[key] else { throw unreadable }
                    item.headers.append((key, v))
                }
            default: throw unreadable
            }
            var itemProblems = JSONObject()
            if item.method.isEmpty {
                itemProblems["method"] = issue("validation_required", "Cannot be blank.")
            } else if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(item.method) {
                itemProblems["method"] = issue("validation_in_invalid", "Must be a valid value.")
            }
            if item.url.isEmpty {
                itemProblems["url"] = issue("validation_required", "Cannot be blank.")
            } else if item.url.count > 2000 {
                itemProblems["url"] = issue("validation_length_too_long", "The length must be no more than 2000.", params: ["max": .int(2000)])
            }
            if !itemProblems.isEmpty { problems[String(index)] = .object(itemProblems) }
            items.append(item)
        }
        if !problems.isEmpty { throw invalid(problems) }
        for file in form?.files ?? [] {
            guard let (index, key) = Self.batchFileKey(file.fieldName), index < items.count else { continue }
            items[index].uploads.append(FileUpload(key: key, originalName: file.originalName,
                                                   storedName: FileName.normalize(file.originalName, sniffedType: file.sniffedType),
                                                   size: file.size, temporaryPath: file.temporaryPath, sniffedType: file.sniffedType))
        }
        return items
    }

    /// `requests.3.docs+` or `requests[3].docs+` → (3, "docs+"), PocketBase's batch file keys.
    static func batchFileKey(_ name: String) -> (Int, String)? {
        var rest: Substring
        if name.hasPrefix("requests.") {
            rest = name.dropFirst("requests.".count)
            guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]), index >= 0 else { return nil }
            rest = rest[rest.index(after: dot)...]
            return rest.isEmpty ? nil : (index, String(rest))
        }
        if name.hasPrefix("requests[") {
            rest = name.dropFirst("requests[".count)
            guard let close = rest.firstIndex(of: "]"), let index = Int(rest[..<close]), index >= 0 else { return nil }
            rest = rest[rest.index(after: close)...]
            guard rest.hasPrefix("."), rest.count > 1 else { return nil }
            return (index, String(rest.dropFirst()))
        }
        return nil
    }

    /// Runs one sub-request with the outer request's auth; returns its `{"body":…,"status":…}` bytes.
    func runBatchItem(_ item: BatchItem, in tx: RecordTransaction, requester who: Requester, outer: HTTPRequest) throws -> [UInt8] {
        // The sub-request starts from the outer headers; its own override them, except
        // Authorization: the auth state is the outer request's (spec §12).
        var headers = outer.headers
        for (name, value) in item.headers where ASCII.lowercased(name) != "authorization" {
            headers.set(name, value)
        }
        let sub = HTTPRequest(method: .post, target: item.url, headers: headers, remoteAddress: outer.remoteAddress)
        let segments = Array(sub.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst())
        guard segments.count == 4 || segments.count == 5, segments[0] == "api", segments[1] == "collections", segments[3] == "records",
              !segments[2].isEmpty, segments.count == 4 || !segments[4].isEmpty else {
            // PocketBase answers an unknown action with its generic 400.
            throw APIError(status: .badRequest)
        }
        let collection = String(segments[2])
        let expand = sub.queryValue("expand") ?? ""
        func info(_ method: String) -> RequestInfo {
            RequestInfo(method: method, context: "batch", query: { sub.queryValue($0) },
                        header: { sub.header(String($0.map { $0 == "_" ? "-" : $0 })) })
        }
        let body: [UInt8]?
        switch (item.method, segments.count) {
        case ("POST", 4):
            guard app.schema.collection(collection) != nil else {
                throw APIError(status: .notFound, message: "Missing or invalid collection context.")
            }
            body = try tx.create(collection: collection, body: item.body, uploads: item.uploads, requester: who, request: info("POST"),
                                 expand: expand)
        case ("PUT", 4):
            guard app.schema.collection(collection) != nil else {
                throw APIError(status: .notFound, message: "Missing or invalid collection context.")
            }
            body = try tx.upsert(collection: collection, body: item.body, uploads: item.uploads, requester: who, request: info("PUT"),
                                 expand: expand)
        case ("PATCH", 5):
            body = try tx.update(collection: collection, id: String(segments[4]), body: item.body, uploads: item.uploads, requester: who,
                                 request: info("PATCH"), expand: expand)
        case ("DELETE", 5):
            try tx.delete(collection: collection, id: String(segments[4]), requester: who, request: info("DELETE"))
            body = nil
        default:
            throw APIError(status: .badRequest)
        }
        var w = JSONWriter(capacity: (body?.count ?? 0) + 32)
        w.beginObject()
        w.key("body")
        if var record = body {
            if let fields = sub.queryValue("fields"), !fields.isEmpty {
                guard let selection = try? FieldSelection(parsing: fields) else { throw APIError(status: .badRequest) }
                if let value = try? JSONParser.parse(record) { record = selection.apply(to: value).serialized() }
            }
            w.rawJSON(record)
        } else {
            w.null()
        }
        w.key("status"); w.int(body == nil ? 204 : 200)
        w.endObject()
        return w.bytes
    }
}
