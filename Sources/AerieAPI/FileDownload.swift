// Aerie — file download responses: type, disposition, validators, ranges (spec §10.2)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieHTTP
import Glibc

/// Builds the response for a stored file the way PocketBase serves one (Go's `ServeContent`
/// plus its own headers), with the body sent by `sendfile(2)` from the event loop.
///
/// Differences on purpose: an `ETag` (size and modification time) is added and honoured in
/// `If-None-Match`/`If-Range`; a request for several ranges gets the whole file (RFC 9110
/// §14.2 lets a server ignore Range) instead of a multipart/byteranges body.
enum FileDownload {
    /// PocketBase's sandbox policy for served files.
    static let contentSecurityPolicy = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
    static let cacheControl = "max-age=2592000, stale-while-revalidate=86400"

    /// Types shown inline; everything else (SVG and text included) is an attachment.
    static let inlineTypes: Set<String> = [
        "image/png", "image/jpg", "image/jpeg", "image/gif", "image/webp", "image/x-icon", "image/bmp",
        "video/webm", "video/mp4", "video/3gpp", "video/quicktime", "video/x-ms-wmv",
        "audio/basic", "audio/aiff", "audio/mpeg", "audio/midi", "audio/mp3", "audio/wave", "audio/wav", "audio/x-wav",
        "audio/x-mpeg", "audio/x-m4a", "audio/aac", "application/pdf", "application/x-pdf",
    ]

    /// Extensions whose type is taken from the name, not the content (as PocketBase does).
    static let typesByExtension: [String: String] = [
        "svg": "image/svg+xml", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ]

    /// Whether a response is a served file (which drops `X-Frame-Options`, as PocketBase does).
    static func isFileResponse(_ response: HTTPResponse) -> Bool {
        response.headers["Content-Security-Policy"] == contentSecurityPolicy
    }

    static func response(_ download: FileService.Download, request: HTTPRequest) -> HTTPResponse {
        let file = download.file
        // The descriptor is ours: an HTTPFileBody takes it over, or it is closed here.
        var isAttached = false
        defer { if !isAttached { close(file.descriptor) } }
        let type = contentType(name: download.name, descriptor: file.descriptor)
        let essence = ASCII.lowercased(type.split(separator: ";").first.map { String($0) } ?? type)
        let forceDownload = request.queryValue("download").map(parseBool) ?? false
        let disposition = (!forceDownload && inlineTypes.contains(essence)) ? "inline" : "attachment"
        let lastModified = HTTPDate.string(seconds: file.modifiedSeconds)
        let etag = "\"" + String(file.size, radix: 16) + "-" + String(file.modifiedSeconds, radix: 16) + "\""

        var headers = HTTPHeaders()
        headers.add("Content-Disposition", "\(disposition); filename=\"\(download.name)\"")
        headers.add("Content-Security-Policy", contentSecurityPolicy)

        // RFC 9110 §13.2.2: If-None-Match takes precedence over If-Modified-Since.
        if isNotModified(request, etag: etag, modified: file.modifiedSeconds) {
            headers.add("Cache-Control", cacheControl)
            headers.add("ETag", etag)
            headers.add("Last-Modified", lastModified)
            return HTTPResponse(status: .notModified, headers: headers)
        }

        var range: Range<Int>?
        if let header = request.header("range"), request.method == .get || request.method == .head,
           ifRangeHolds(request, etag: etag, lastModified: lastModified) {
            switch parseRange(header, size: file.size) {
            case .whole: break
            case .partial(let r): range = r
            case .invalid(let message):
                headers.add("Content-Range", "bytes */\(file.size)")
                headers.add("Content-Type", "text/plain; charset=utf-8")
                return HTTPResponse(status: .rangeNotSatisfiable, headers: headers, body: Array((message + "\n").utf8))
            }
        }
        headers.add("Accept-Ranges", "bytes")
        headers.add("Cache-Control", cacheControl)
        headers.add("Content-Type", type)
        headers.add("ETag", etag)
        headers.add("Last-Modified", lastModified)
        var response = HTTPResponse(status: .ok, headers: headers)
        if let range {
            response.status = .partialContent
            response.headers.add("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(file.size)")
        }
        let sent = range ?? 0..<file.size
        response.file = HTTPFileBody(descriptor: file.descriptor, offset: sent.lowerBound, length: sent.count)
        isAttached = true
        return response
    }

    // MARK: - Content type

    /// The type from the extension for the few PocketBase forces, else sniffed from the content.
    static func contentType(name: String, descriptor: Int32) -> String {
        if let dot = name.lastIndex(of: "."), let forced = typesByExtension[ASCII.lowercased(String(name[name.index(after: dot)...]))] {
            return forced
        }
        var head = [UInt8](repeating: 0, count: ContentSniffer.sniffLength + 1)
        let n = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return ContentSniffer.sniff(head.prefix(max(0, n)))
    }

    /// Go's `strconv.ParseBool` true spellings.
    static func parseBool(_ s: String) -> Bool { ["1", "t", "T", "TRUE", "true", "True"].contains(s) }

    // MARK: - Conditionals (RFC 9110 §13)

    static func isNotModified(_ request: HTTPRequest, etag: String, modified: Int64) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        if let inm = request.header("if-none-match") {
            // Weak comparison (§8.8.3.2): `W/` prefixes do not matter.
            return inm.split(separator: ",").contains { tag in
                let t = tag.trimmingASCII(" \t")
                return t == "*" || (t.hasPrefix("W/") ? String(t.dropFirst(2)) : t) == etag
            }
        }
        if let ims = request.header("if-modified-since"), let since = HTTPDate.parse(ims) {
            return modified <= since
        }
        return false
    }

    /// §13.1.5: a Range applies only when If-Range (if sent) still matches the file.
    static func ifRangeHolds(_ request: HTTPRequest, etag: String, lastModified: String) -> Bool {
        guard let value = request.header("if-range") else { return true }
        return value == etag || value == lastModified
    }

    enum RangeOutcome: Equatable {
        case whole
        case partial(Range<Int>)
        case invalid(String)
    }

    /// One `bytes=` range (§14.1.2): `a-b`, `a-` or `-n`; several ranges → the whole file.
    static func parseRange(_ header: String, size: Int) -> RangeOutcome {
        guard header.hasPrefix("bytes=") else { return .invalid("invalid range") }
        let spec = header.dropFirst(6)
        if spec.contains(",") { return .whole }
        let ends = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard ends.count == 2 else { return .invalid("invalid range") }
        let first = ends[0].trimmingASCII(" \t"), last = ends[1].trimmingASCII(" \t")
        if first.isEmpty {
            guard let n = Int(last), n >= 0, !last.hasPrefix("+") else { return .invalid("invalid range") }
            if n == 0 || size == 0 { return .invalid("invalid range: failed to overlap") }
            return .partial(max(0, size - n)..<size)
        }
        guard let start = Int(first), start >= 0, !first.hasPrefix("+") else { return .invalid("invalid range") }
        if start >= size { return .invalid("invalid range: failed to overlap") }
        if last.isEmpty { return .partial(start..<size) }
        guard let end = Int(last), end >= start, !last.hasPrefix("+") else { return .invalid("invalid range") }
        return .partial(start..<min(end + 1, size))
    }
}
