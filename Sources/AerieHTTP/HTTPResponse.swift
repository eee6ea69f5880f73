// Aerie — responses and the responder protocol
// SPDX-License-Identifier: MIT

/// A complete response. The server adds `Content-Length`, `Date` and, when closing, `Connection: close`.
public struct HTTPResponse: Sendable {
    /// The status.
    public var status: HTTPStatus
    /// Header fields to send, in order.
    public var headers: HTTPHeaders
    /// The whole body; for `HEAD` requests give the `GET` body and the server sends only its length.
    public var body: [UInt8]
    /// Keeps the connection open after `body` as a chunked response fed from any thread (SSE).
    public var stream: HTTPStream? = nil
    /// A body sent from a file instead of `body` (downloads); `Content-Length` is its length.
    public var file: HTTPFileBody?

    /// A response.
    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Turns requests into responses. Called on worker threads, where it may block (SQLite, hashing),
/// so it must be thread-safe.
public protocol HTTPResponder: Sendable {
    /// Produces the response to `request`.
    func respond(to request: HTTPRequest) -> HTTPResponse
}

/// One line of the access log, produced after a response is handed to the event loop.
public struct AccessLogEntry: Sendable {
    /// The method, or `""` when the request could not be parsed.
    public var method: String
    /// The decoded path, or `""` when the request could not be parsed.
    public var path: String
    /// The status sent.
    public var status: Int
    /// The body bytes sent (the would-be body length for `HEAD`).
    public var bytes: Int
    /// From the end of the request head to the response being ready.
    public var duration: Duration
    /// The peer's IP address.
    public var remoteAddress: String

    /// An entry.
    public init(method: String, path: String, status: Int, bytes: Int, duration: Duration, remoteAddress: String) {
        self.method = method; self.path = path; self.status = status; self.bytes = bytes
        self.duration = duration; self.remoteAddress = remoteAddress
    }
}
