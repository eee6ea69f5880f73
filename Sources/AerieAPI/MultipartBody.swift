// Aerie — multipart/form-data request bodies: text values, @jsonPayload and uploaded files
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieHTTP
import AerieJSON

/// A record write's decoded body: the submitted keys, plus the files that came with it in
/// temporary files. Call `discard()` when the request is done (stored files were moved away
/// already, so only leftovers go).
struct RecordWriteBody {
    var object: JSONObject
    var uploads: [FileUpload] = []
    private var form: MultipartForm?

    /// Decodes any supported body; multipart parts become uploads in `temporaryDirectory`.
    init(_ request: HTTPRequest, temporaryDirectory: String, maxBytes: Int) throws {
        guard MultipartBody.isMultipart(request) else {
            object = try RequestBody.object(request)
            return
        }
        let form = try MultipartBody.parse(request, temporaryDirectory: temporaryDirectory, maxBytes: maxBytes)
        self.form = form
        object = MultipartBody.object(form)
        uploads = form.files.map { file in
            FileUpload(key: file.fieldName, originalName: file.originalName,
                       storedName: FileName.normalize(file.originalName, sniffedType: file.sniffedType),
                       size: file.size, temporaryPath: file.temporaryPath, sniffedType: file.sniffedType)
        }
    }

    /// Deletes the temporary files that were not stored.
    func discard() { form?.removeTemporaryFiles() }
}

/// multipart/form-data decoding (spec §3.6).
enum MultipartBody {
    /// PocketBase's key for a JSON object spread over the other values.
    static let jsonPayloadKey = "@jsonPayload"

    static func isMultipart(_ request: HTTPRequest) -> Bool {
        guard !request.body.isEmpty || request.spooledBody != nil, let type = request.header("content-type") else { return false }
        return ASCII.lowercased(type).hasPrefix("multipart/form-data")
    }

    /// Parses the body; files go to temporary files, fsynced so storing them is durable.
    static func parse(_ request: HTTPRequest, temporaryDirectory: String, maxBytes: Int) throws -> MultipartForm {
        do throws(MultipartError) {
            let boundary = try MultipartParser.boundary(fromContentType: request.header("content-type") ?? "")
            var limits = MultipartParser.Limits()
            // Size checks belong to the file fields (a 400 naming the file), so the parser only
            // enforces the request's body limit.
            limits.maxFileBytes = maxBytes
            limits.maxTotalBytes = maxBytes
            let collector = try MultipartCollector(boundary: boundary, limits: limits, temporaryDirectory: temporaryDirectory,
                                                   syncsFiles: true)
            if let spooled = request.spooledBody {
                // Streamed from the spool file in small chunks: memory stays bounded for any size.
                do {
                    try spooled.forEachChunk { raw in try collector.consume(raw) }
                } catch let error as MultipartError {
                    throw error
                } catch {
                    collector.discard()
                    throw MultipartError(.storage, "cannot read the spooled body")
                }
                spooled.remove()  // its parts are in their own files now
            } else {
                try request.body.withUnsafeBytes { raw in Result { () throws(MultipartError) in try collector.consume(raw) } }.get()
            }
            return try collector.finish()
        } catch {
            throw apiError(error)
        }
    }

    /// Record writes with a multipart body larger than this are spooled to disk as they arrive.
    static let spoolThreshold = 256 << 10

    /// Where the server should stream a request body: the storage's temporary directory for
    /// multipart record creates and updates that are large (or chunked), so uploads of any
    /// size cost disk rather than memory; `nil` (memory) for everything else.
    static func spoolDirectory(method: HTTPMethod, path: String, headers: HTTPHeaders, storage: String) -> String? {
        guard method == .post || method == .patch,
              let type = headers["Content-Type"], ASCII.lowercased(type).hasPrefix("multipart/form-data") else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let isRecordWrite = (parts.count == 5 || parts.count == 6) && parts[1] == "api" && parts[2] == "collections" && parts[4] == "records"
        guard isRecordWrite || (method == .post && path == "/api/batch") else { return nil }
        if let length = headers["Content-Length"].flatMap({ Int($0.trimmingASCII(" \t")) }), length <= spoolThreshold { return nil }
        return storage
    }

    /// The envelope for a refused body.
    static func apiError(_ error: MultipartError) -> APIError {
        switch error.kind {
        case .malformed: return APIError(status: .badRequest, message: "Failed to load the submitted data due to invalid formatting.")
        case .tooLarge: return APIError(status: .payloadTooLarge)
        case .storage: return APIError(status: .internalServerError)
        }
    }

    /// The text parts as submitted keys: repeated names become arrays, single values are
    /// type-inferred like urlencoded forms, and each `@jsonPayload` object is spread over them.
    static func object(_ form: MultipartForm) -> JSONObject {
        var grouped: [(String, [String])] = []
        var payloads: [String] = []
        for (name, value) in form.fields {
            if name == jsonPayloadKey { payloads.append(value); continue }
            if let i = grouped.firstIndex(where: { $0.0 == name }) { grouped[i].1.append(value) } else { grouped.append((name, [value])) }
        }
        var o = JSONObject()
        for (key, values) in grouped {
            o[key] = values.count == 1 ? RequestBody.infer(values[0]) : .array(values.map(RequestBody.infer))
        }
        for payload in payloads {
            guard case .object(let extra)? = try? JSONParser.parse(payload) else { continue }
            for (key, value) in extra { o[key] = value }
        }
        return o
    }
}
