// Aerie — the error thrown by the multipart/form-data parser and collector
// SPDX-License-Identifier: MIT

/// Why a multipart/form-data body was refused; `reason` is safe to show to the client.
package struct MultipartError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The class of failure, which decides the HTTP status.
    package enum Kind: Sendable, Equatable {
        /// The body or a header is not valid multipart/form-data (→ 400).
        case malformed
        /// A limit was exceeded (→ 413).
        case tooLarge
        /// A temporary file could not be created or written (→ 500; never the client's fault).
        case storage
    }

    /// The class of failure.
    package var kind: Kind
    /// A short description such as `"missing boundary"`.
    package var reason: String

    /// An error of `kind` described by `reason`.
    package init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// `multipart: <reason>`.
    package var description: String { "multipart: \(reason)" }

    /// A malformed-body error.
    package static func malformed(_ reason: String) -> MultipartError { MultipartError(.malformed, reason) }
    /// A limit error.
    package static func tooLarge(_ reason: String) -> MultipartError { MultipartError(.tooLarge, reason) }

    /// The Content-Type is not multipart/form-data.
    package static let notFormData = malformed("not multipart/form-data")
    /// The Content-Type has no boundary parameter.
    package static let missingBoundary = malformed("missing boundary")
    /// The boundary is empty, longer than 70 characters or uses characters outside RFC 2046 bchars.
    package static let invalidBoundary = malformed("invalid boundary")
    /// A part header line is not `name: value`.
    package static let invalidPartHeader = malformed("invalid part header")
    /// A part has no usable `Content-Disposition: form-data` header.
    package static let invalidContentDisposition = malformed("invalid Content-Disposition")
    /// A part's Content-Disposition has no (or an empty) `name` parameter.
    package static let missingName = malformed("missing name")
    /// A delimiter line carries bytes other than transport padding.
    package static let malformedBoundaryLine = malformed("malformed boundary line")
    /// The body ended before the close delimiter.
    package static let truncatedBody = malformed("truncated body")
    /// A part's header block exceeds `maxHeaderBytesPerPart`.
    package static let headersTooLarge = tooLarge("part headers too large")
    /// More than `maxParts` parts.
    package static let tooManyParts = tooLarge("too many parts")
    /// A text part exceeds `maxFieldBytes`.
    package static let fieldTooLarge = tooLarge("field too large")
    /// A file part exceeds `maxFileBytes`.
    package static let fileTooLarge = tooLarge("file too large")
    /// The body exceeds `maxTotalBytes`.
    package static let bodyTooLarge = tooLarge("body too large")
}
