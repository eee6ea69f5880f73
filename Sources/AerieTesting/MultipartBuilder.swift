// Aerie — builds multipart/form-data bodies for black-box tests
// SPDX-License-Identifier: MIT

/// A multipart/form-data body assembled part by part, as a browser or an SDK would send it.
///
/// ```swift
/// var form = MultipartBuilder()
/// form.field("title", "Hello")
/// form.file("docs", name: "a.txt", Array("hi".utf8))
/// let r = try server.request("POST", "/api/collections/posts/records", form: form)
/// ```
public struct MultipartBuilder: Sendable {
    /// The boundary (fixed per builder, never occurring in test data).
    public let boundary: String
    /// The body so far, without the close delimiter.
    private var parts: [UInt8] = []

    public init(boundary: String = "aerie-test-boundary-7MA4YWxkTrZu0gW") { self.boundary = boundary }

    /// The `Content-Type` header value.
    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// Adds a text part.
    public mutating func field(_ name: String, _ value: String) {
        parts += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    /// Adds a file part.
    public mutating func file(_ name: String, name filename: String, _ bytes: [UInt8], type: String = "application/octet-stream") {
        parts += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        parts += bytes
        parts += [13, 10]
    }

    /// The complete body.
    public var body: [UInt8] { parts + Array("--\(boundary)--\r\n".utf8) }
}

extension TestServer {
    /// One multipart request on a fresh connection.
    public func request(_ method: String, _ path: String, form: MultipartBuilder, token: String? = nil,
                        headers: [(String, String)] = []) throws -> TestResponse {
        let client = try RawHTTPClient(port: port, timeout: .seconds(60))
        defer { client.close() }
        var all = headers
        all.append(("Content-Type", form.contentType))
        if let token { all.append(("Authorization", token)) }
        let r = try client.request(method, path, headers: all, body: form.body)
        return TestResponse(status: r.status, headers: r.headers, body: r.body)
    }
}
