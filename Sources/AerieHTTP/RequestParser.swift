// Aerie — incremental HTTP/1.1 request parser
// SPDX-License-Identifier: MIT
import AerieBase
import Glibc

/// The head of a request, produced by `RequestParser` once the header block is complete.
package struct RequestHead: Sendable {
    /// The method token.
    package var method: HTTPMethod
    /// The request-target as sent.
    package var target: String
    /// The target split and decoded.
    package var parts: RequestTarget.Parts
    /// The header fields in order.
    package var headers: HTTPHeaders
    /// 0 for HTTP/1.0, 1 for HTTP/1.1 (and later 1.x, RFC 9110 §2.5).
    package var versionMinor: Int
    /// Whether the connection persists after this exchange (RFC 9112 §9.3).
    package var isKeepAlive: Bool
    /// `Expect: 100-continue` was sent (RFC 9110 §10.1.1).
    package var expectsContinue: Bool
    /// The body uses the chunked transfer coding.
    package var isChunked: Bool
    /// The declared Content-Length (0 when absent or chunked).
    package var contentLength: Int
    /// The body limit that applies to this request.
    package var bodyLimit: Int

    /// Whether a body follows the head.
    package var hasBody: Bool { isChunked || contentLength > 0 }
}

/// A push parser for HTTP/1.1 requests (RFC 9112) over bytes in any chunking.
///
/// The caller keeps the unconsumed bytes and passes them again, followed by new input, on the next
/// call: `next(_:)` consumes whole lines only, remembering how far it already searched a partial
/// line so a trickling client costs O(n) in total. Body bytes are reported as ranges of the input,
/// which the caller copies before passing later input.
///
/// Line endings: CR LF everywhere; a bare LF is accepted as a line terminator in the request line
/// and headers (RFC 9112 §2.2 allows it, and Go and nginx do the same), but chunk-size lines and
/// the CR LF after chunk data must be exact, because lenient chunk framing is a known smuggling
/// vector. A bare CR anywhere is rejected (RFC 9112 §2.2).
package struct RequestParser {
    /// The limits enforced while parsing.
    package struct Limits: Sendable {
        /// Longest request-target (→ 414).
        package var maxRequestTargetBytes = 8192
        /// Largest header block, request line included (→ 431).
        package var maxHeaderBytes = 32 << 10
        /// Most header fields (→ 431).
        package var maxHeaderCount = 100
        /// Default body limit (→ 413).
        package var maxBodyBytes = 32 << 20
        /// Per-request body limit from method and decoded path; overrides `maxBodyBytes`.
        package var bodyLimit: (@Sendable (HTTPMethod, String) -> Int)?

        /// Default limits.
        package init() {}
    }

    /// What the parser found.
    package enum Event {
        /// All complete input was consumed; pass more.
        case needMoreData
        /// A request head.
        case head(RequestHead)
        /// Body bytes at this range of the input.
        case body(Range<Int>)
        /// The current request is complete.
        case end
        /// The input is invalid; the connection must close. Sticky.
        case error(HTTPParseError)
    }

    private enum State {
        case requestLine, headers, body(remaining: Int), chunkSize, chunkData(remaining: Int), chunkDataEnd, trailers
        case endOfMessage, failed(HTTPParseError)
    }

    private enum Line {
        case complete(content: Range<Int>, hadCR: Bool, next: Int)
        case incomplete
        case tooLong
    }

    /// The limits in force.
    package var limits: Limits
    private var state = State.requestLine
    /// Bytes of the current partial line already searched for LF.
    private var scanned = 0

    // The request being parsed.
    private var method = HTTPMethod.get
    private var target = ""
    private var versionMinor = 1
    private var headers = HTTPHeaders()
    private var headerBytes = 0
    private var blankLines = 0
    private var contentLength = -1
    private var transferEncoding: [UInt8]? = nil
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var hostCount = 0
    private var expectsContinue = false
    private var bodyReceived = 0
    private var bodyLimit = 0

    /// A parser at the start of a connection.
    package init(limits: Limits = Limits()) { self.limits = limits }

    /// Whether the parser is between requests with nothing buffered (safe point to close).
    package var isAtRequestBoundary: Bool {
        if case .requestLine = state { return scanned == 0 && blankLines == 0 }
        return false
    }

    /// Parses as much of `input` as yields one event; returns it with the number of input bytes
    /// consumed. The caller drops consumed bytes and passes the rest again with any new input.
    package mutating func next(_ input: UnsafeRawBufferPointer) -> (event: Event, consumed: Int) {
        var offset = 0
        while true {
            switch state {
            case .failed(let error):
                return (.error(error), offset)

            case .requestLine:
                switch takeLine(input, from: offset, maxLength: limits.maxRequestTargetBytes + 64) {
                case .incomplete: return (.needMoreData, offset)
                case .tooLong: return fail(.uriTooLong, offset)  // RFC 9112 §3: 414 for a long target
                case .complete(let content, _, let next):
                    offset = next
                    if content.isEmpty {
                        // RFC 9112 §2.2: ignore empty lines before a request-line, within reason.
                        blankLines += 1
                        if blankLines > 16 { return fail(.badRequest("too many blank lines"), offset) }
                        continue
                    }
                    headerBytes = next
                    if let error = parseRequestLine(UnsafeRawBufferPointer(rebasing: input[content])) {
                        return fail(error, offset)
                    }
                    state = .headers
                }

            case .headers:
                let allowance = max(0, limits.maxHeaderBytes - headerBytes)
                switch takeLine(input, from: offset, maxLength: allowance) {
                case .incomplete: return (.needMoreData, offset)
                case .tooLong: return fail(.headersTooLarge, offset)
                case .complete(let content, _, let next):
                    headerBytes += next - offset
                    offset = next
                    if content.isEmpty {
                        switch finishHead() {
                        case .success(let head): return (.head(head), offset)
                        case .failure(let error): return fail(error, offset)
                        }
                    }
                    if let error = parseField(UnsafeRawBufferPointer(rebasing: input[content])) { return fail(error, offset) }
                }

            case .body(let remaining):
                let available = input.count - offset
                if available == 0 { return (.needMoreData, offset) }
                let n = min(remaining, available)
                state = remaining == n ? .endOfMessage : .body(remaining: remaining - n)
                return (.body(offset..<(offset + n)), offset + n)

            case .chunkSize:
                switch takeLine(input, from: offset, maxLength: 4096) {
                case .incomplete: return (.needMoreData, offset)
                case .tooLong: return fail(.badRequest("chunk-size line too long"), offset)
                case .complete(let content, let hadCR, let next):
                    offset = next
                    // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF; exact CRLF required here.
                    guard hadCR else { return fail(.badRequest("chunk-size line without CR"), offset) }
                    guard let size = parseChunkSize(UnsafeRawBufferPointer(rebasing: input[content])) else {
                        return fail(.badRequest("invalid chunk-size"), offset)
                    }
                    if size == 0 {
                        headerBytes = 0
                        state = .trailers
                    } else {
                        // RFC 9112 §7.1: the size is checked before reading, so a huge chunk is refused up front.
                        guard size <= bodyLimit - bodyReceived else { return fail(.payloadTooLarge, offset) }
                        bodyReceived += size
                        state = .chunkData(remaining: size)
                    }
                }

            case .chunkData(let remaining):
                let available = input.count - offset
                if available == 0 { return (.needMoreData, offset) }
                let n = min(remaining, available)
                state = remaining == n ? .chunkDataEnd : .chunkData(remaining: remaining - n)
                return (.body(offset..<(offset + n)), offset + n)

            case .chunkDataEnd:
                let available = input.count - offset
                if available >= 1 && input[offset] != 13 { return fail(.badRequest("chunk data not followed by CRLF"), offset) }
                if available < 2 { return (.needMoreData, offset) }
                guard input[offset + 1] == 10 else { return fail(.badRequest("chunk data not followed by CRLF"), offset) }
                offset += 2
                state = .chunkSize

            case .trailers:
                // RFC 9112 §7.1.2: trailer fields are parsed for framing only and discarded.
                let allowance = max(0, limits.maxHeaderBytes - headerBytes)
                switch takeLine(input, from: offset, maxLength: allowance) {
                case .incomplete: return (.needMoreData, offset)
                case .tooLong: return fail(.headersTooLarge, offset)
                case .complete(let content, let hadCR, let next):
                    headerBytes += next - offset
                    offset = next
                    guard hadCR else { return fail(.badRequest("trailer line without CR"), offset) }
                    if content.isEmpty {
                        state = .endOfMessage
                        continue
                    }
                    let line = UnsafeRawBufferPointer(rebasing: input[content])
                    if line[0] == 32 || line[0] == 9 { return fail(.badRequest("obs-fold in trailer"), offset) }
                    for c in line where !isFieldValueByte(c) { return fail(.badRequest("control byte in trailer"), offset) }
                }

            case .endOfMessage:
                resetRequest()
                state = .requestLine
                return (.end, offset)
            }
        }
    }

    // MARK: - Lines

    private mutating func takeLine(_ input: UnsafeRawBufferPointer, from offset: Int, maxLength: Int) -> Line {
        let available = input.count - offset
        let searchFrom = min(scanned, available)
        var lf = -1
        if available > searchFrom, let base = input.baseAddress {
            if let p = memchr(base + offset + searchFrom, 10, available - searchFrom) {
                lf = base.distance(to: UnsafeRawPointer(p))
            }
        }
        if lf < 0 {
            scanned = available
            return available > maxLength ? .tooLong : .incomplete
        }
        scanned = 0
        let next = lf + 1
        if next - offset > maxLength { return .tooLong }
        let hadCR = lf > offset && input[lf - 1] == 13
        return .complete(content: offset..<(hadCR ? lf - 1 : lf), hadCR: hadCR, next: next)
    }

    private mutating func fail(_ error: HTTPParseError, _ offset: Int) -> (event: Event, consumed: Int) {
        state = .failed(error)
        return (.error(error), offset)
    }

    // MARK: - Request line

    private mutating func parseRequestLine(_ line: UnsafeRawBufferPointer) -> HTTPParseError? {
        // RFC 9112 §3: request-line = method SP request-target SP HTTP-version, single spaces.
        guard let sp1 = line.firstIndex(of: 32), sp1 > 0,
              let sp2 = line.lastIndex(of: 32), sp2 > sp1 + 1 else { return .badRequest("malformed request line") }
        let methodBytes = UnsafeRawBufferPointer(rebasing: line[0..<sp1])
        for c in methodBytes where !isTokenByte(c) { return .badRequest("invalid method") }
        let targetBytes = UnsafeRawBufferPointer(rebasing: line[(sp1 + 1)..<sp2])
        if targetBytes.count > limits.maxRequestTargetBytes { return .uriTooLong }
        var hasNonASCII = false
        for c in targetBytes {
            // RFC 9112 §3.2 / RFC 3986: no whitespace or control bytes in a target (this also
            // catches NUL, bare CR and a second space).
            if c <= 32 || c == 127 { return .badRequest("invalid byte in request-target") }
            if c >= 128 { hasNonASCII = true }
        }
        let version = UnsafeRawBufferPointer(rebasing: line[(sp2 + 1)...])
        // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive).
        guard version.count == 8, version[0] == 72, version[1] == 84, version[2] == 84, version[3] == 80,
              version[4] == 47, version[6] == 46, isDigit(version[5]), isDigit(version[7])
        else { return .badRequest("malformed HTTP version") }
        guard version[5] == UInt8(ascii: "1") else { return .versionNotSupported }  // includes the HTTP/2 preface
        versionMinor = version[7] == UInt8(ascii: "0") ? 0 : 1
        method = HTTPMethod.make(methodBytes)
        if hasNonASCII {
            guard let text = String(validating: targetBytes, as: UTF8.self) else { return .badRequest("invalid UTF-8 in request-target") }
            target = text
        } else {
            target = String(decoding: targetBytes, as: UTF8.self)
        }
        headers.fields.reserveCapacity(12)
        return nil
    }

    // MARK: - Header fields

    private mutating func parseField(_ line: UnsafeRawBufferPointer) -> HTTPParseError? {
        // RFC 9112 §5.2: obs-fold (a line starting with whitespace) is rejected with 400.
        if line[0] == 32 || line[0] == 9 { return .badRequest("obs-fold") }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return .badRequest("header without colon") }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        // RFC 9112 §5.1: no whitespace between field name and colon; names are tokens (RFC 9110 §5.1).
        for c in name where !isTokenByte(c) { return .badRequest("invalid header name") }
        var start = colon + 1
        var end = line.count
        while start < end, line[start] == 32 || line[start] == 9 { start += 1 }
        while end > start, line[end - 1] == 32 || line[end - 1] == 9 { end -= 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[start..<end])
        // RFC 9110 §5.5: field values exclude CTLs other than HTAB (NUL, bare CR, LF → 400).
        for c in value where !isFieldValueByte(c) { return .badRequest("control byte in header value") }

        if headers.count >= limits.maxHeaderCount { return .headersTooLarge }
        switch name.count {
        case 4 where ASCII.equalsIgnoringCase(name, Names.host):
            hostCount += 1
        case 6 where ASCII.equalsIgnoringCase(name, Names.expect):
            if ASCII.equalsIgnoringCase(value, Names.continue100) { expectsContinue = true }
        case 10 where ASCII.equalsIgnoringCase(name, Names.connection):
            forEachListItem(value) { item in
                if ASCII.equalsIgnoringCase(item, Names.close) { connectionClose = true }
                if ASCII.equalsIgnoringCase(item, Names.keepAlive) { connectionKeepAlive = true }
            }
        case 14 where ASCII.equalsIgnoringCase(name, Names.contentLength):
            // RFC 9112 §6.3: duplicate or list-valued Content-Length is unrecoverable framing → 400.
            guard contentLength < 0 else { return .badRequest("duplicate Content-Length") }
            guard !value.isEmpty, value.count <= 18 else { return .badRequest("invalid Content-Length") }
            var n = 0
            for c in value {
                guard isDigit(c) else { return .badRequest("invalid Content-Length") }
                n = n * 10 + Int(c - 48)
            }
            contentLength = n
        case 17 where ASCII.equalsIgnoringCase(name, Names.transferEncoding):
            var te = transferEncoding ?? []
            if !te.isEmpty { te.append(UInt8(ascii: ",")) }
            te.append(contentsOf: value)
            transferEncoding = te
        default:
            break
        }
        headers.fields.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        return nil
    }

    private mutating func finishHead() -> Result<RequestHead, HTTPParseError> {
        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, or with more than one.
        if hostCount > 1 || (versionMinor == 1 && hostCount == 0) { return .failure(.badRequest("missing or repeated Host")) }
        var isChunked = false
        if let te = transferEncoding {
            // RFC 9112 §6.1: Content-Length with Transfer-Encoding is a smuggling attempt; reject
            // rather than pick one.
            if contentLength >= 0 { return .failure(.badRequest("Content-Length with Transfer-Encoding")) }
            // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
            if versionMinor == 0 { return .failure(.badRequest("Transfer-Encoding in HTTP/1.0")) }
            var codings = 0
            var lastIsChunked = false
            var bad = false
            te.withUnsafeBytes { bytes in
                forEachListItem(bytes) { item in
                    if item.isEmpty { bad = true; return }
                    codings += 1
                    lastIsChunked = ASCII.equalsIgnoringCase(item, Names.chunked)
                }
            }
            // RFC 9112 §6.3: chunked must be the final coding, else the length is unknowable → 400.
            if bad || codings == 0 || !lastIsChunked { return .failure(.badRequest("chunked is not the final transfer coding")) }
            // RFC 9112 §6.1: other codings are not implemented (501).
            if codings > 1 { return .failure(.unsupportedTransferEncoding) }
            isChunked = true
        }
        let parts: RequestTarget.Parts? = target.utf8.withContiguousStorageIfAvailable {
            RequestTarget.parse(UnsafeRawBufferPointer($0))
        } ?? {
            var copy = Array(target.utf8)
            return copy.withUnsafeMutableBytes { RequestTarget.parse(UnsafeRawBufferPointer($0)) }
        }()
        guard let parts else { return .failure(.badRequest("invalid request-target")) }
        let isKeepAlive = connectionClose ? false : (versionMinor == 1 || connectionKeepAlive)
        bodyLimit = limits.bodyLimit?(method, parts.path) ?? limits.maxBodyBytes
        let length = max(contentLength, 0)
        if isChunked {
            bodyReceived = 0
            state = .chunkSize
        } else if length > 0 {
            // Refuse a declared body over the limit before reading any of it.
            if length > bodyLimit { return .failure(.payloadTooLarge) }
            state = .body(remaining: length)
        } else {
            state = .endOfMessage
        }
        let head = RequestHead(method: method, target: target, parts: parts, headers: headers, versionMinor: versionMinor,
                               isKeepAlive: isKeepAlive, expectsContinue: expectsContinue && versionMinor == 1,
                               isChunked: isChunked, contentLength: isChunked ? 0 : length, bodyLimit: bodyLimit)
        return .success(head)
    }

    private mutating func resetRequest() {
        headers = HTTPHeaders()
        headerBytes = 0
        blankLines = 0
        contentLength = -1
        transferEncoding = nil
        connectionClose = false
        connectionKeepAlive = false
        hostCount = 0
        expectsContinue = false
        bodyReceived = 0
        target = ""
    }

    private func parseChunkSize(_ line: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        var size = 0
        while i < line.count, let digit = ASCII.hexValue(line[i]) {
            // Fifteen hex digits already exceed any body limit; refusing more prevents overflow.
            guard i < 15 else { return nil }
            size = size << 4 | Int(digit)
            i += 1
        }
        guard i > 0 else { return nil }
        var j = i
        while j < line.count, line[j] == 32 || line[j] == 9 { j += 1 }
        // RFC 9112 §7.1.1: chunk extensions are ignored, but only after a ';'.
        if j < line.count {
            guard line[j] == UInt8(ascii: ";") else { return nil }
            for c in line[j...] where !isFieldValueByte(c) { return nil }
        }
        return size
    }
}

// MARK: - Byte classes

private enum Names {
    static let host = Array("host".utf8)
    static let expect = Array("expect".utf8)
    static let continue100 = Array("100-continue".utf8)
    static let connection = Array("connection".utf8)
    static let close = Array("close".utf8)
    static let keepAlive = Array("keep-alive".utf8)
    static let contentLength = Array("content-length".utf8)
    static let transferEncoding = Array("transfer-encoding".utf8)
    static let chunked = Array("chunked".utf8)
}

@inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

/// RFC 9110 §5.6.2 tchar.
@inline(__always) func isTokenByte(_ c: UInt8) -> Bool {
    switch c {
    case 48...57, 65...90, 97...122: true
    case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: true
    default: false
    }
}

/// RFC 9110 §5.5 field-vchar, SP, HTAB and obs-text.
@inline(__always) func isFieldValueByte(_ c: UInt8) -> Bool { c == 9 || (c >= 32 && c != 127) }

/// Calls `body` with each trimmed element of a comma-separated list (RFC 9110 §5.6.1).
private func forEachListItem(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
    var start = 0
    var i = 0
    while i <= bytes.count {
        if i == bytes.count || bytes[i] == UInt8(ascii: ",") {
            var s = start, e = i
            while s < e, bytes[s] == 32 || bytes[s] == 9 { s += 1 }
            while e > s, bytes[e - 1] == 32 || bytes[e - 1] == 9 { e -= 1 }
            body(UnsafeRawBufferPointer(rebasing: bytes[s..<e]))
            start = i + 1
        }
        i += 1
    }
}
