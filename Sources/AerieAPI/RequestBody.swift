// Aerie — decoding request bodies into field values
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
public import AerieHTTP
public import AerieJSON

/// Turns a request body into a JSON object of submitted keys (spec §1.1, §3.6).
public enum RequestBody {
    /// Decodes `application/json`, `application/x-www-form-urlencoded` and the text values of
    /// `multipart/form-data` (MultipartBody.swift); an empty body is `{}`.
    /// Other content types with a body → 400 "Unsupported Content-Type."; malformed JSON → 400.
    public static func object(_ request: HTTPRequest) throws -> JSONObject {
        if request.body.isEmpty { return JSONObject() }
        let contentType = ASCII.lowercased(request.header("content-type") ?? "")
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingASCII(" \t") } ?? ""
        switch mediaType {
        case "application/json":
            switch try? JSONParser.parse(request.body) {
            case .object(let o)?: return o
            case .null?: return JSONObject()   // `null` decodes to no fields, as in Go
            default: throw APIError(status: .badRequest)
            }
        case "application/x-www-form-urlencoded":
            return formObject(String(decoding: request.body, as: UTF8.self))
        case "multipart/form-data":
            // Endpoints without file fields read only the text values; files are dropped.
            let form = try MultipartBody.parse(request, temporaryDirectory: "/tmp", maxBytes: max(request.body.count, 1))
            form.removeTemporaryFiles()
            return MultipartBody.object(form)
        default:
            throw APIError(status: .badRequest, message: "Unsupported Content-Type.")
        }
    }

    /// Form fields: repeated keys become arrays; single values are type-inferred as PocketBase does
    /// (`true`/`false` → bool, numbers that round-trip → number, anything else stays a string).
    static func formObject(_ text: String) -> JSONObject {
        var grouped: [(String, [String])] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(kv[0])
            let value = kv.count > 1 ? percentDecode(kv[1]) : ""
            if let i = grouped.firstIndex(where: { $0.0 == key }) { grouped[i].1.append(value) } else { grouped.append((key, [value])) }
        }
        var o = JSONObject()
        for (key, values) in grouped {
            o[key] = values.count == 1 ? infer(values[0]) : .array(values.map(infer))
        }
        return o
    }

    static func infer(_ s: String) -> JSON {
        if s == "true" { return .bool(true) }
        if s == "false" { return .bool(false) }
        if let d = Double(s), d.isFinite {
            var w = JSONWriter(capacity: 24)
            w.double(d)
            if String(decoding: w.bytes, as: UTF8.self) == s { return d == d.rounded() && abs(d) < 9e15 ? .int(Int64(d)) : .double(d) }
        }
        return .string(s)
    }

    static func percentDecode(_ s: Substring) -> String {
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "+") { out.append(32); i += 1; continue }
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let h = ASCII.hexValue(b[i + 1]), let l = ASCII.hexValue(b[i + 2]) {
                out.append(h << 4 | l); i += 3; continue
            }
            out.append(b[i]); i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
