// Aerie — the one error shape clients receive
// SPDX-License-Identifier: MIT
import AerieBase
public import AerieCore
public import AerieHTTP
import AerieJSON
import AerieSQLite

/// The only error shape a client ever receives, rendered as PocketBase's envelope:
/// `{"data":{"title":{"code":"validation_required","message":"Cannot be blank."}},"message":"Failed to create record.","status":400}`.
public struct APIError: Error, Sendable {
    public var status: HTTPStatus
    /// Safe to show; never interpolates internals.
    public var message: String
    /// Field issues (`data`), keyed by field name.
    public var fields: [String: FieldIssue]
    /// A complete `data` object written instead of `fields`, for nested shapes such as the
    /// batch failure's `{"requests":{"1":{…,"response":{…}}}}`.
    public var rawData: [UInt8]?
    /// Seconds for a `Retry-After` header (429 answers).
    public var retryAfter: Int?

    public init(status: HTTPStatus, message: String? = nil, fields: [String: FieldIssue] = [:]) {
        self.status = status
        self.message = message ?? APIError.defaultMessage(status.code)
        self.fields = fields
        self.rawData = nil
    }

    /// An error whose `data` is the given JSON object bytes.
    public init(status: HTTPStatus, message: String, rawData: [UInt8]) {
        self.init(status: status, message: message)
        self.rawData = rawData
    }

    /// PocketBase's default message per status (spec §2.2).
    public static func defaultMessage(_ code: Int) -> String {
        switch code {
        case 401: return "Missing or invalid authentication."
        case 403: return "You are not allowed to perform this request."
        case 404: return "The requested resource wasn't found."
        case 413: return "Request entity too large."
        case 429: return "Too Many Requests."
        case 503: return "Service unavailable. Please retry later."
        default: return "Something went wrong while processing your request."
        }
    }

    /// Maps any error to the envelope; unknown errors become a 500 whose cause is logged, never sent.
    public init(mapping error: any Error, requestID: String = "") {
        switch error {
        case let e as APIError:
            self = e
        case let e as CoreError:
            switch e {
            case .badRequest(let m, let fields): self.init(status: .badRequest, message: m, fields: fields)
            case .unauthorized(let m): self.init(status: .unauthorized, message: m)
            case .forbidden(let m): self.init(status: .forbidden, message: m)
            case .notFound(let m): self.init(status: .notFound, message: m)
            case .tooLarge: self.init(status: .payloadTooLarge)
            case .tooManyRequests(let m, let seconds):
                self.init(status: .tooManyRequests, message: m)
                self.retryAfter = seconds
            case .unavailable: self.init(status: .serviceUnavailable)
            case .internal(let detail):
                Log.error("internal error \(requestID): \(detail)")
                self.init(status: .internalServerError)
            }
        case let e as SQLiteError where e.isBusy:
            Log.warning("database busy \(requestID): \(e)")
            self.init(status: .serviceUnavailable)
        default:
            Log.error("unhandled error \(requestID): \(error)")
            self.init(status: .internalServerError)
        }
    }

    /// Envelope bytes.
    public var body: [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.beginObject()
        w.key("data")
        if let rawData {
            w.rawJSON(rawData)
        } else {
            writeFields(to: &w)
        }
        w.key("message"); w.string(APIError.sentence(message))
        w.key("status"); w.int(Int64(status.code))
        w.endObject()
        return w.bytes
    }

    private func writeFields(to w: inout JSONWriter) {
        w.beginObject()
        for name in fields.keys.sorted() {
            guard let issue = fields[name] else { continue }
            w.key(name)
            w.beginObject()
            w.key("code"); w.string(issue.code)
            w.key("message"); w.string(issue.message)
            if let params = issue.params { w.key("params"); w.value(.object(params)) }
            w.endObject()
        }
        w.endObject()
    }

    /// First letter upper-cased and a final `.` added, as PocketBase does.
    static func sentence(_ s: String) -> String {
        guard var first = s.first else { return s }
        first = Character(first.uppercased())
        var out = String(first) + s.dropFirst()
        if !out.hasSuffix(".") { out += "." }
        return out
    }

    /// The response for this error.
    public var response: HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        if let retryAfter { headers.add("Retry-After", String(retryAfter)) }
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}
