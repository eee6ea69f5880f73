// Aerie — a complete HTTP request as handed to responders
// SPDX-License-Identifier: MIT

/// A fully received request: head plus the whole body. Built by the event loop and handed to a
/// worker thread, so it is a plain `Sendable` value.
public struct HTTPRequest: Sendable {
    /// The method as sent.
    public var method: HTTPMethod
    /// The raw request-target as received (RFC 9112 §3.2).
    public var target: String
    /// The percent-decoded path without the query, e.g. `/api/x`.
    public var path: String
    /// The path exactly as sent, still percent-encoded.
    public var rawPath: String
    /// The decoded query parameters (`+` is a space), in order.
    public var query: [(name: String, value: String)]
    /// The header fields, in order.
    public var headers: HTTPHeaders
    /// The complete body (de-chunked); empty when the body was spooled to `spooledBody`.
    public var body: [UInt8]
    /// The body in a temporary file, for requests the server spools (see `RequestBodySpool.swift`).
    public var spooledBody: SpooledBody?
    /// The peer's IP address, e.g. `127.0.0.1`.
    public var remoteAddress: String
    /// Whether the connection stays open after the response (RFC 9112 §9.3).
    public var isKeepAlive: Bool

    /// A request for in-memory tests; the target is split into path and query as the server does,
    /// falling back to the raw path when it has invalid percent-escapes.
    public init(method: HTTPMethod, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                remoteAddress: String = "127.0.0.1") {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.isKeepAlive = true
        var bytes = Array(target.utf8)
        let parsed = bytes.withUnsafeMutableBytes { RequestTarget.parse(UnsafeRawBufferPointer($0)) }
        if let parsed {
            path = parsed.path; rawPath = parsed.rawPath; query = parsed.query
        } else {
            path = target; rawPath = target; query = []
        }
    }

    /// Memberwise initializer used by the server once the target is already split.
    init(method: HTTPMethod, target: String, path: String, rawPath: String, query: [(name: String, value: String)],
         headers: HTTPHeaders, body: [UInt8], remoteAddress: String, isKeepAlive: Bool) {
        self.method = method; self.target = target; self.path = path; self.rawPath = rawPath; self.query = query
        self.headers = headers; self.body = body; self.remoteAddress = remoteAddress; self.isKeepAlive = isKeepAlive
    }

    /// The first value of query parameter `name`.
    public func queryValue(_ name: String) -> String? {
        for item in query where item.name == name { return item.value }
        return nil
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? { headers[name] }
}
