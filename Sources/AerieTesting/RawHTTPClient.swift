// Aerie — a blocking raw-socket HTTP/1.1 client for black-box tests
// SPDX-License-Identifier: MIT
import Glibc
import AerieBase

/// A response as read off the wire.
public struct RawHTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The reason phrase.
    public var reason: String
    /// Header fields in order, as sent.
    public var headers: [(String, String)]
    /// The body (de-chunked).
    public var body: [UInt8]

    /// The first value of `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }

    /// The body decoded as UTF-8.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// An error from the raw client.
public struct RawHTTPClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String
    /// An error with a message.
    public init(_ description: String) { self.description = description }
}

/// A blocking HTTP/1.1 client over one TCP connection that sends exactly the bytes it is given, so
/// tests exercise the server's framing (pipelining, chunking, hostile input) directly.
///
/// ```swift
/// let client = try RawHTTPClient(port: port)
/// let response = try client.request("GET", "/api/health")
/// #expect(response.status == 200)
/// ```
public final class RawHTTPClient {
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let timeout: Duration

    /// Connects to `host:port` (IPv4 literal or `localhost`); reads and writes time out after `timeout`.
    public init(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(10)) throws {
        self.timeout = timeout
        fd = -1   // deinit runs for a throwing init too; it must never close a descriptor it does not own
        fd = try loopbackConnect(host: host, port: port, timeout: timeout)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Sends raw bytes.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RawHTTPClientError("send: errno \(errno)")
            }
            offset += n
        }
    }

    /// Sends text as UTF-8.
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends a request with `Host` and (when there is a body) `Content-Length` added, and reads the response.
    public func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> RawHTTPResponse {
        var text = "\(method) \(path) HTTP/1.1\r\n"
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { text += "Host: 127.0.0.1\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body, !headers.contains(where: { $0.0.lowercased() == "content-length" }) { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        try send(Array(text.utf8) + (body ?? []))
        return try readResponse(isHead: method == "HEAD")
    }

    /// Reads the next response (an interim 1xx included). Bodies are framed by Content-Length,
    /// chunked encoding, or the connection closing; `isHead` says the response has no body.
    public func readResponse(isHead: Bool = false) throws -> RawHTTPResponse {
        let headEnd = try readUntil([13, 10, 13, 10])
        let headText = String(decoding: buffer[0..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty else { throw RawHTTPClientError("empty response head") }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw RawHTTPClientError("bad status line: \(statusLine)")
        }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw RawHTTPClientError("bad header line: \(line)") }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingASCII(" \t")))
        }
        var response = RawHTTPResponse(status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: [])
        if isHead || (100..<200).contains(status) || status == 204 || status == 304 { return response }
        if let te = response.header("Transfer-Encoding"), te.lowercased().contains("chunked") {
            response.body = try readChunked()
        } else if let lengthText = response.header("Content-Length") {
            guard let length = Int(lengthText), length >= 0 else { throw RawHTTPClientError("bad Content-Length") }
            try fill(length)
            response.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        } else {
            while try readMore() {}
            response.body = buffer
            buffer = []
        }
        return response
    }

    /// Whether the server closes the connection within `within` (EOF or reset). Any bytes that
    /// arrive meanwhile are kept for `readResponse`.
    public func isClosedByPeer(within: Duration) -> Bool {
        let deadline = ContinuousClock.now + within
        while true {
            let left = deadline - ContinuousClock.now
            if left <= .zero { return false }
            let (s, a) = left.components
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = min(Int64(s) * 1000 + a / 1_000_000_000_000_000 + 1, Int64(Int32.max))
            let rc = poll(&pfd, 1, Int32(milliseconds))
            if rc < 0 { if errno == EINTR { continue }; return true }
            if rc == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n == 0 { return true }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return true  // ECONNRESET and friends
            }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// Closes the connection.
    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    // MARK: - Reading

    private func readMore() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { buffer.append(contentsOf: chunk[0..<n]); return true }
            if n == 0 { return false }
            if errno == EINTR { continue }
            if errno == EAGAIN { throw RawHTTPClientError("read timed out after \(timeout)") }
            if errno == ECONNRESET { return false }
            throw RawHTTPClientError("recv: errno \(errno)")
        }
    }

    private func fill(_ count: Int) throws {
        while buffer.count < count {
            guard try readMore() else { throw RawHTTPClientError("connection closed before \(count) bytes") }
        }
    }

    private func readUntil(_ pattern: [UInt8]) throws -> Int {
        var searchFrom = 0
        while true {
            if buffer.count >= pattern.count {
                var i = searchFrom
                while i + pattern.count <= buffer.count {
                    if buffer[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
                    i += 1
                }
                searchFrom = max(0, buffer.count - pattern.count + 1)
            }
            guard try readMore() else { throw RawHTTPClientError("connection closed") }
        }
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let lineEnd = try readUntil([13, 10])
            let sizeText = String(decoding: buffer[0..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            buffer.removeFirst(lineEnd + 2)
            guard let size = Int(sizeText.trimmingASCII(" \t"), radix: 16) else { throw RawHTTPClientError("bad chunk size") }
            if size == 0 {
                while true {  // trailers up to the empty line
                    let end = try readUntil([13, 10])
                    buffer.removeFirst(end + 2)
                    if end == 0 { return body }
                }
            }
            try fill(size + 2)
            body.append(contentsOf: buffer[0..<size])
            buffer.removeFirst(size + 2)
        }
    }
}

/// A connected TCP socket to `host:port` (IPv4 literal or `localhost`) with optional send/receive
/// timeouts and receive buffer size; nothing is left open when it throws.
func loopbackConnect(host: String = "127.0.0.1", port: Int, timeout: Duration? = nil, receiveBuffer: Int32? = nil) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw RawHTTPClientError("socket: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else {
        Glibc.close(fd)
        throw RawHTTPClientError("not an IPv4 address: \(host)")
    }
    if let timeout {
        let (seconds, attoseconds) = timeout.components
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
    if var size = receiveBuffer {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }
    let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if rc != 0 {
        let code = errno
        Glibc.close(fd)
        throw RawHTTPClientError("connect: errno \(code)")
    }
    return fd
}
