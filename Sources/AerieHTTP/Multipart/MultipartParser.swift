// Aerie — streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1)
// SPDX-License-Identifier: MIT
import AerieBase
import Glibc

/// The header block of one part, produced by `MultipartParser` before the part's body.
package struct MultipartPartHead: Equatable, Sendable {
    /// The form field name (`Content-Disposition: form-data; name="…"`).
    package var name: String
    /// The client's file name with any directory part removed, `nil` when the parameter is absent.
    package var filename: String?
    /// The part's `Content-Type`, if sent.
    package var contentType: String?
    /// Every header line of the part, in order.
    package var headers: [(name: String, value: String)]

    /// A head with these values.
    package init(name: String, filename: String? = nil, contentType: String? = nil, headers: [(name: String, value: String)] = []) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.headers = headers
    }

    /// Whether the part is a file upload: it has a non-empty filename (RFC 7578 §4.2). Go's
    /// `ReadForm` draws the same line, so `filename=""` (an empty browser file input) is a text value.
    package var isFile: Bool { !(filename ?? "").isEmpty }

    /// The first value of header `name`, compared case-insensitively.
    package func header(_ name: String) -> String? {
        headers.first { ASCII.equalsIgnoringCase($0.name, name) }?.value
    }

    /// Heads are equal when every field and header matches in order.
    package static func == (a: MultipartPartHead, b: MultipartPartHead) -> Bool {
        a.name == b.name && a.filename == b.filename && a.contentType == b.contentType
            && a.headers.count == b.headers.count
            && zip(a.headers, b.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// A push parser for multipart/form-data bodies over bytes in any chunking.
///
/// Same contract as `RequestParser`: the caller keeps the unconsumed bytes and passes them again,
/// followed by new input, on the next call. `next(_:)` returns one event and the number of bytes
/// consumed, or `nil` when it needs more input. Body bytes are ranges of the input, which the caller
/// copies (or writes out) before passing later input. The caller never has to keep more than one
/// part header line plus a delimiter's worth of bytes: body bytes that cannot begin a delimiter are
/// always handed out at once.
///
/// ```swift
/// var parser = try MultipartParser(boundary: MultipartParser.boundary(fromContentType: contentType),
///                                  limits: .init())
/// while true {
///     let (event, used) = try parser.next(pending)   // drop `used` bytes afterwards
///     guard let event else { break }                 // read more, append, call again
///     …
/// }
/// try parser.finish()                                // at the end of the body
/// ```
///
/// Framing (RFC 2046 §5.1.1): the preamble before the first delimiter line and the epilogue after
/// `--boundary--` are ignored; a delimiter is CRLF `--boundary` followed by optional transport
/// padding (spaces, tabs) and CRLF. Like Go's `mime/multipart` (which PocketBase uses), a first
/// delimiter line ending in a bare LF switches the whole body to LF line endings; part header lines
/// may end in LF either way. A `\r\n--boundary` followed by anything other than padding, CR, LF or
/// `--` is body data, as in Go.
package struct MultipartParser {
    /// The limits enforced while parsing; exceeding one throws a `.tooLarge` error.
    package struct Limits: Sendable {
        /// Most parts in one body (Go's `ReadForm` default).
        package var maxParts = 1000
        /// Largest header block of one part, blank line included.
        package var maxHeaderBytesPerPart = 16 << 10
        /// Largest text (non-file) part: PocketBase's in-memory limit of 16 MiB.
        package var maxFieldBytes = 16 << 20
        /// Largest file part; the caller sets it from the collection's file fields.
        package var maxFileBytes = 32 << 20
        /// Largest whole body, preamble included (the epilogue after the close delimiter is not counted).
        package var maxTotalBytes = 32 << 20

        /// Default limits.
        package init() {}
    }

    /// What the parser found.
    package enum Event: Equatable {
        /// A part begins; body chunks follow.
        case partBegin(MultipartPartHead)
        /// Body bytes of the current part at this range of the input given to `next`.
        case bodyChunk(Range<Int>)
        /// The current part is complete.
        case partEnd
        /// The close delimiter was seen; later input is epilogue and is ignored.
        case end
    }

    private enum State {
        case preamble, preambleSkipLine, partStart, headers, body, closing, epilogue
        case failed(MultipartError)
    }

    private enum Delimiter {
        case needMore, notDelimiter, malformed
        case delimiter(next: Int, bareLF: Bool)
        case close(next: Int)
    }

    /// Longest run of transport padding accepted after a boundary.
    private static let maxPadding = 256

    /// The limits in force.
    package let limits: Limits
    /// `--` + boundary.
    private let dashBoundary: [UInt8]
    private var state = State.preamble
    private var bareLF = false
    private var partCount = 0
    private var totalConsumed = 0

    // The part being parsed.
    private var headers: [(name: String, value: String)] = []
    private var headerBytes = 0
    private var scanned = 0
    private var partBytes = 0
    private var partLimit = 0
    private var partIsFile = false

    /// A parser for a body delimited by `boundary` (as returned by `boundary(fromContentType:)`).
    /// - Throws: `invalidBoundary` unless the boundary is 1–70 RFC 2046 bchars not ending in a space.
    package init(boundary: [UInt8], limits: Limits = Limits()) throws(MultipartError) {
        guard Self.isValidBoundary(boundary) else { throw .invalidBoundary }
        self.limits = limits
        dashBoundary = [45, 45] + boundary
    }

    /// Whether the close delimiter has been seen.
    package var isComplete: Bool {
        if case .epilogue = state { return true }
        return false
    }

    /// Call when the body has ended: throws `truncatedBody` unless the close delimiter was seen, or the
    /// error that already stopped the parser.
    package func finish() throws(MultipartError) {
        switch state {
        case .epilogue: return
        case .failed(let error): throw error
        default: throw .truncatedBody
        }
    }

    // MARK: - Content-Type

    /// Parses a `Content-Type` header value and returns its boundary.
    /// - Throws: `notFormData` for another media type, `missingBoundary`, or `invalidBoundary`
    ///   unless the boundary (quoted or not) is 1–70 RFC 2046 bchars not ending in a space.
    package static func boundary(fromContentType value: String) throws(MultipartError) -> [UInt8] {
        guard let parsed = HeaderParameters(value.utf8) else { throw .notFormData }
        guard parsed.type == Array("multipart/form-data".utf8) else { throw .notFormData }
        guard let boundary = parsed.value("boundary") else { throw .missingBoundary }
        guard isValidBoundary(boundary) else { throw .invalidBoundary }
        return boundary
    }

    /// RFC 2046 §5.1.1: `boundary := 0*69<bchars> bcharsnospace`.
    private static func isValidBoundary(_ b: [UInt8]) -> Bool {
        guard (1...70).contains(b.count), b.last != 32 else { return false }
        for c in b {
            switch c {
            case 48...57, 65...90, 97...122: continue
            case 39, 40, 41, 43, 95, 44, 45, 46, 47, 58, 61, 63, 32: continue  // ' ( ) + _ , - . / : = ? SP
            default: return false
            }
        }
        return true
    }

    // MARK: - Parsing

    /// Parses as much of `input` as yields one event; returns it (or `nil` when more input is needed)
    /// with the number of input bytes consumed. Errors are sticky.
    package mutating func next(_ input: UnsafeRawBufferPointer) throws(MultipartError) -> (event: Event?, consumed: Int) {
        switch state {
        case .failed(let error): throw error
        case .epilogue: return (nil, input.count)  // RFC 2046 §5.1.1: the epilogue is ignored.
        default: break
        }
        // The parser sees at most `maxTotalBytes` in all, so every chunking reaches the limit at the
        // same point and yields the same events before the error.
        let allowance = limits.maxTotalBytes - totalConsumed
        let isClipped = input.count > allowance
        let view = isClipped ? UnsafeRawBufferPointer(rebasing: input[0..<max(0, allowance)]) : input
        do throws(MultipartError) {
            let (event, consumed) = try step(view)
            totalConsumed += consumed
            if event == nil, isClipped, !isComplete { throw .bodyTooLarge }
            return (event, consumed)
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step(_ input: UnsafeRawBufferPointer) throws(MultipartError) -> (Event?, Int) {
        var offset = 0
        while true {
            switch state {
            case .failed(let error):
                throw error

            case .preamble:
                // RFC 2046 §5.1.1: the first delimiter may open the body or follow preamble lines.
                switch matchDelimiter(input, at: offset) {
                case .needMore:
                    return (nil, offset)
                case .close(let next):
                    state = .epilogue
                    return (.end, next)
                case .delimiter(let next, let isBareLF):
                    bareLF = isBareLF
                    offset = next
                    state = .partStart
                case .notDelimiter, .malformed:
                    state = .preambleSkipLine
                }

            case .preambleSkipLine:
                guard let lf = find(10, in: input, from: offset) else { return (nil, input.count) }
                offset = lf + 1
                state = .preamble

            case .partStart:
                partCount += 1
                guard partCount <= limits.maxParts else { throw .tooManyParts }
                headers = []
                headerBytes = 0
                scanned = 0
                state = .headers

            case .headers:
                let allowance = limits.maxHeaderBytesPerPart - headerBytes
                let available = input.count - offset
                guard let lf = find(10, in: input, from: offset + min(scanned, available)) else {
                    if available > allowance { throw .headersTooLarge }
                    scanned = available
                    return (nil, offset)
                }
                scanned = 0
                let next = lf + 1
                if next - offset > allowance { throw .headersTooLarge }
                headerBytes += next - offset
                let end = lf > offset && input[lf - 1] == 13 ? lf - 1 : lf
                let line = UnsafeRawBufferPointer(rebasing: input[offset..<end])
                offset = next
                if line.isEmpty {
                    let head = try makeHead()
                    partIsFile = head.isFile
                    partLimit = partIsFile ? limits.maxFileBytes : limits.maxFieldBytes
                    partBytes = 0
                    state = .body
                    return (.partBegin(head), offset)
                }
                try parseHeaderLine(line)

            case .body:
                return try scanBody(input, from: offset)

            case .closing:
                state = .epilogue
                return (.end, offset)

            case .epilogue:
                return (nil, input.count)
            }
        }
    }

    /// Finds the next delimiter in the body: hands out the bytes before it, then `partEnd`.
    private mutating func scanBody(_ input: UnsafeRawBufferPointer, from offset: Int) throws(MultipartError) -> (Event?, Int) {
        let lineStart: UInt8 = bareLF ? 10 : 13
        var search = offset
        while true {
            guard let candidate = find(lineStart, in: input, from: search) else {
                return try emitBody(offset..<input.count)
            }
            var p = candidate + 1
            if !bareLF {
                if p == input.count { return try emitBody(offset..<candidate) }
                guard input[p] == 10 else {
                    search = p
                    continue
                }
                p += 1
            }
            switch matchDelimiter(input, at: p) {
            case .needMore:
                return try emitBody(offset..<candidate)
            case .notDelimiter:
                search = candidate + 1
            case .malformed:
                // RFC 2046 §5.1.1: only transport padding may follow the boundary on its line.
                if candidate > offset { return try emitBody(offset..<candidate) }
                throw .malformedBoundaryLine
            case .delimiter(let next, let isBareLF):
                if candidate > offset { return try emitBody(offset..<candidate) }
                // The body's line-ending mode was fixed by the first delimiter (Go does the same).
                guard isBareLF == bareLF else { throw .malformedBoundaryLine }
                state = .partStart
                return (.partEnd, next)
            case .close(let next):
                if candidate > offset { return try emitBody(offset..<candidate) }
                state = .closing
                return (.partEnd, next)
            }
        }
    }

    /// Reports `range` as body bytes, clipped to the part's limit so every chunking hands out the
    /// same bytes before a limit error.
    private mutating func emitBody(_ range: Range<Int>) throws(MultipartError) -> (Event?, Int) {
        if range.isEmpty { return (nil, range.lowerBound) }
        let allowance = partLimit - partBytes
        guard allowance > 0 else { throw partIsFile ? .fileTooLarge : .fieldTooLarge }
        let n = min(range.count, allowance)
        partBytes += n
        return (.bodyChunk(range.lowerBound..<(range.lowerBound + n)), range.lowerBound + n)
    }

    /// Matches a delimiter line starting at `p` (just after the preceding line break).
    private func matchDelimiter(_ input: UnsafeRawBufferPointer, at p: Int) -> Delimiter {
        let end = input.count
        let available = end - p
        let n = min(available, dashBoundary.count)
        if n > 0, let base = input.baseAddress {
            let same = dashBoundary.withUnsafeBytes { own in own.baseAddress.map { memcmp($0, base + p, n) == 0 } ?? false }
            guard same else { return .notDelimiter }
        }
        if n < dashBoundary.count { return .needMore }
        var i = p + dashBoundary.count
        if i == end { return .needMore }
        let c = input[i]
        if c == 45 {
            if i + 1 == end { return .needMore }
            return input[i + 1] == 45 ? .close(next: i + 2) : .notDelimiter
        }
        guard c == 32 || c == 9 || c == 13 || c == 10 else { return .notDelimiter }
        // RFC 2046 §5.1.1: transport-padding := *LWSP-char before the CRLF.
        let paddingStart = i
        while i < end, input[i] == 32 || input[i] == 9 {
            i += 1
            if i - paddingStart > Self.maxPadding { return .malformed }
        }
        if i == end { return .needMore }
        if input[i] == 10 { return .delimiter(next: i + 1, bareLF: true) }
        if input[i] == 13 {
            if i + 1 == end { return .needMore }
            return input[i + 1] == 10 ? .delimiter(next: i + 2, bareLF: false) : .malformed
        }
        return .malformed
    }

    // MARK: - Part headers

    private mutating func parseHeaderLine(_ line: UnsafeRawBufferPointer) throws(MultipartError) {
        if line[0] == 32 || line[0] == 9 {
            // RFC 5322 §2.2.3 folding, which Go's textproto unfolds too.
            guard !headers.isEmpty else { throw .invalidPartHeader }
            let value = trimmed(line)
            for c in value where !isFieldValueByte(c) { throw .invalidPartHeader }
            headers[headers.count - 1].value += " " + String(decoding: value, as: UTF8.self)
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { throw .invalidPartHeader }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        for c in name where !isTokenByte(c) { throw .invalidPartHeader }
        let value = trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
        // RFC 9110 §5.5: no CTLs other than HTAB (this catches NUL and a bare CR).
        for c in value where !isFieldValueByte(c) { throw .invalidPartHeader }
        headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
    }

    private func makeHead() throws(MultipartError) -> MultipartPartHead {
        // RFC 7578 §4.2: each part has `Content-Disposition: form-data` with a `name` parameter.
        guard let disposition = headers.first(where: { ASCII.equalsIgnoringCase($0.name, "content-disposition") }),
              let parsed = HeaderParameters(disposition.value.utf8),
              parsed.type == Array("form-data".utf8)
        else { throw .invalidContentDisposition }
        guard let name = parsed.value("name"), !name.isEmpty else { throw .missingName }
        let filename = parsed.value("filename").map { Self.baseName(String(decoding: $0, as: UTF8.self)) }
        let contentType = headers.first { ASCII.equalsIgnoringCase($0.name, "content-type") }?.value
        return MultipartPartHead(name: String(decoding: name, as: UTF8.self), filename: filename,
                                 contentType: contentType, headers: headers)
    }

    /// RFC 7578 §4.2: directory parts of a filename are stripped, as Go's `filepath.Base` does on Unix.
    static func baseName(_ name: String) -> String {
        guard !name.isEmpty else { return "" }
        var bytes = Array(name.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        if bytes == [UInt8(ascii: "/")] { return "/" }
        if let slash = bytes.lastIndex(of: UInt8(ascii: "/")) { bytes.removeSubrange(...slash) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

// MARK: - Bytes

private func find(_ byte: UInt8, in input: UnsafeRawBufferPointer, from offset: Int) -> Int? {
    guard offset < input.count, let base = input.baseAddress,
          let p = memchr(base + offset, Int32(byte), input.count - offset)
    else { return nil }
    return base.distance(to: UnsafeRawPointer(p))
}

private func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    var start = 0
    var end = bytes.count
    while start < end, bytes[start] == 32 || bytes[start] == 9 { start += 1 }
    while end > start, bytes[end - 1] == 32 || bytes[end - 1] == 9 { end -= 1 }
    return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
}
