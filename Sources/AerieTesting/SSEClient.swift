// Aerie — a raw-socket server-sent-events client for black-box tests
// SPDX-License-Identifier: MIT
import Glibc
import AerieBase

/// One server-sent event as framed on the wire (`id:`, `event:`, `data:` lines).
public struct SSEEvent: Sendable, Equatable {
    /// The `id:` line.
    public var id: String
    /// The `event:` line.
    public var event: String
    /// The `data:` lines joined with newlines.
    public var data: String
}

/// Opens `GET path` on a raw socket, checks nothing, and then reads the chunked body event by
/// event, so tests see the exact framing the server sends.
///
/// ```swift
/// let sse = try SSEClient(port: port, path: "/api/realtime")
/// let connect = try sse.nextEvent()          // PB_CONNECT
/// ```
public final class SSEClient {
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// Body bytes after de-chunking, not yet cut into events.
    private var body: [UInt8] = []
    private var bodyEnded = false
    private var sawEOF = false
    /// The response status.
    public private(set) var status = 0
    /// The response header fields.
    public private(set) var headers: [(String, String)] = []
    /// The raw bytes of the body so far, chunk framing included (for framing checks).
    public private(set) var rawBody: [UInt8] = []

    /// Connects, sends the request and reads the head.
    public init(port: Int, path: String = "/api/realtime", headers extra: [(String, String)] = [], receiveBuffer: Int32? = nil) throws {
        fd = -1   // deinit runs for a throwing init too; it must never close a descriptor it does not own
        fd = try loopbackConnect(port: port, receiveBuffer: receiveBuffer)
        var text = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        for (name, value) in extra { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        try readHead(deadline: .now + .seconds(10))
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Closes the socket (the client "vanishes").
    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// The first value of a header, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The next event, or nil when none arrives within `timeout` or the stream ended.
    public func nextEvent(timeout: Duration = .seconds(10)) throws -> SSEEvent? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let event = cutEvent() { return event }
            if bodyEnded { return nil }
            guard try receive(until: deadline) else { return nil }
            try decodeChunks()
        }
    }

    /// Every event that arrives within `window` (stops early only when the stream ends).
    public func events(within window: Duration) throws -> [SSEEvent] {
        let deadline = ContinuousClock.now + window
        var out: [SSEEvent] = []
        while true {
            let left = deadline - ContinuousClock.now
            if left <= .zero { return out }
            guard let e = try nextEvent(timeout: left) else { return out }
            out.append(e)
        }
    }

    /// Whether the server ended the stream (last chunk or EOF) within `within`; events read
    /// meanwhile are kept.
    public func isEnded(within: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + within
        while !bodyEnded {
            guard try receive(until: deadline) else { return bodyEnded }
            try decodeChunks()
        }
        return true
    }

    /// Whether the server closed the socket within `within` (not just sent the last chunk).
    public func isClosedByPeer(within: Duration) throws -> Bool {
        let deadline = ContinuousClock.now + within
        while !sawEOF {
            guard try receive(until: deadline) else { return false }
            try decodeChunks()
        }
        return true
    }

    // MARK: - Wire

    /// Reads more bytes; false on timeout. EOF sets `bodyEnded`.
    private func receive(until deadline: ContinuousClock.Instant) throws -> Bool {
        while true {
            let left = deadline - ContinuousClock.now
            if left <= .zero { return false }
            let (s, a) = left.components
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let rc = poll(&pfd, 1, Int32(min(Int64(s) * 1000 + a / 1_000_000_000_000_000 + 1, 60_000)))
            if rc < 0 { if errno == EINTR { continue }; throw RawHTTPClientError("poll: errno \(errno)") }
            if rc == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                if status != 0 { rawBody.append(contentsOf: chunk[0..<n]) }
                return true
            }
            if n == 0 || errno == ECONNRESET { bodyEnded = true; sawEOF = true; return true }
            if errno == EINTR || errno == EAGAIN { continue }
            throw RawHTTPClientError("recv: errno \(errno)")
        }
    }

    private func readHead(deadline: ContinuousClock.Instant) throws {
        while true {
            if let end = find([13, 10, 13, 10], in: buffer) {
                let text = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                var lines = text.split(separator: "\r\n").map(String.init)
                let statusLine = lines.removeFirst()
                let parts = statusLine.split(separator: " ")
                status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
                for line in lines {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingASCII(" \t")))
                }
                rawBody = buffer
                try decodeChunks()
                return
            }
            guard try receive(until: deadline), !bodyEnded else { throw RawHTTPClientError("no response head") }
        }
    }

    /// Moves complete chunks from `buffer` to `body`.
    private func decodeChunks() throws {
        guard header("Transfer-Encoding")?.lowercased() == "chunked" else {
            body.append(contentsOf: buffer)
            buffer = []
            return
        }
        while let lineEnd = find([13, 10], in: buffer) {
            let sizeText = String(decoding: buffer[0..<lineEnd], as: UTF8.self)
            guard let size = Int(sizeText, radix: 16) else { throw RawHTTPClientError("bad chunk size \(sizeText)") }
            if size == 0 {
                bodyEnded = true
                buffer = []
                return
            }
            guard buffer.count >= lineEnd + 2 + size + 2 else { return }
            body.append(contentsOf: buffer[(lineEnd + 2)..<(lineEnd + 2 + size)])
            buffer.removeFirst(lineEnd + 2 + size + 2)
        }
    }

    /// One event from `body`, when a blank line has arrived.
    private func cutEvent() -> SSEEvent? {
        guard let end = find([10, 10], in: body) else { return nil }
        let text = String(decoding: body[0..<end], as: UTF8.self)
        body.removeFirst(end + 2)
        var event = SSEEvent(id: "", event: "", data: "")
        var data: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("id:") { event.id = String(line.dropFirst(3)) }
            else if line.hasPrefix("event:") { event.event = String(line.dropFirst(6)) }
            else if line.hasPrefix("data:") { data.append(String(line.dropFirst(5))) }
        }
        event.data = data.joined(separator: "\n")
        return event
    }

    private func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        var i = 0
        while i + pattern.count <= bytes.count {
            if bytes[i] == pattern[0] && bytes[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
            i += 1
        }
        return nil
    }
}
