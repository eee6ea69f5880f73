// Aerie — why a request could not be parsed
// SPDX-License-Identifier: MIT

/// A framing or limit violation found while parsing a request. Every case closes the connection:
/// after a framing error the server can no longer tell where the next request starts.
package enum HTTPParseError: Error, Sendable, Equatable {
    /// Malformed syntax (400); the reason is for logs and tests, never sent to the client.
    case badRequest(String)
    /// The request-target is longer than the limit (414).
    case uriTooLong
    /// The header block or header count is over the limit (431).
    case headersTooLarge
    /// The declared or received body is over the limit (413).
    case payloadTooLarge
    /// A transfer coding other than `chunked` (501, RFC 9112 §6.1).
    case unsupportedTransferEncoding
    /// An HTTP major version other than 1 (505).
    case versionNotSupported

    /// The status the server answers with.
    package var status: HTTPStatus {
        switch self {
        case .badRequest: .badRequest
        case .uriTooLong: .uriTooLong
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .payloadTooLarge: .payloadTooLarge
        case .unsupportedTransferEncoding: .notImplemented
        case .versionNotSupported: .httpVersionNotSupported
        }
    }
}
