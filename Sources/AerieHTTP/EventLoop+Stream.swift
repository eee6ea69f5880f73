// Aerie — how an event loop serves open-ended (streaming) responses
// SPDX-License-Identifier: MIT
import CLinux
import Glibc
import Synchronization

/// The loop-side state of one streaming response: the bytes waiting for the socket and the
/// timers. Confined to the connection's loop. Pending output is one contiguous buffer (events
/// are small; copying them once is cheaper than tracking many arrays), compacted as it drains.
final class StreamState {
    let stream: HTTPStream
    /// Output not yet written is `output[offset...]`.
    var output: [UInt8] = []
    var offset = 0
    /// When output started waiting for the socket (0 = nothing pending).
    var pendingSince: UInt64 = 0
    let startedAt: UInt64
    var lastSendAt: UInt64
    /// `close()` was asked: send what is queued plus the last chunk, then close.
    var isEnding = false
    /// Listed in the loop's `streamsToFlush` for the current inbox batch.
    var isFlushScheduled = false
    /// An HTTP/1.0 client: chunks go out without their chunked framing, and the close ends the body.
    let isUnframed: Bool

    init(stream: HTTPStream, now: UInt64, isUnframed: Bool = false) {
        self.stream = stream
        self.isUnframed = isUnframed
        self.startedAt = now
        self.lastSendAt = now
    }

    var hasPending: Bool { offset < output.count }

    /// What goes on the wire for a chunk framed by `HTTPStream.send`: the chunk itself, or for an
    /// unframed stream its payload, with the framing bytes taken off the stream's queued count.
    func payload(of chunk: [UInt8]) -> [UInt8] {
        guard isUnframed, let lineEnd = chunk.firstIndex(of: 10), chunk.count >= lineEnd + 3 else { return chunk }
        let payload = Array(chunk[(lineEnd + 1)..<(chunk.count - 2)])
        stream.queuedBytes.wrappingSubtract(chunk.count - payload.count, ordering: .relaxed)
        return payload
    }

    func enqueue(_ chunk: [UInt8], now: UInt64) {
        if !hasPending {
            pendingSince = now
            output.removeAll(keepingCapacity: output.capacity <= 64 << 10)
            offset = 0
        } else if offset > 0 && offset * 2 > output.count {
            output.removeFirst(offset)
            offset = 0
        }
        output.append(contentsOf: chunk)
    }
}

extension EventLoop {
    /// Input a streaming client may send (and we discard) before it is dropped.
    private static var maxStreamInputBytes: Int { 64 << 10 }

    /// Starts a streaming response in place of a complete one: chunked head, first chunk, then
    /// whatever was sent before the loop got here.
    func startStream(_ conn: Connection, _ response: HTTPResponse, _ stream: HTTPStream) {
        if conn.isHeadRequest || response.status.forbidsBody {
            // Nothing may follow the head: answer as a plain response and end the stream.
            stream.connectionEnded()
            var plain = response
            plain.stream = nil
            writeResponse(conn, plain)
            return
        }
        // HTTP/1.0 has no chunked coding: the body runs until the connection closes.
        let unframed = conn.isHTTP10
        encoder.encodeHead(response, contentLength: 0, closing: unframed, keepAliveHTTP10: false,
                           chunked: !unframed, untilClose: unframed)
        let state = StreamState(stream: stream, now: now, isUnframed: unframed)
        conn.state = .streaming
        conn.stream = state
        conn.drainedBytes = 0
        state.enqueue(encoder.head, now: now)
        stream.queuedBytes.wrappingAdd(encoder.head.count, ordering: .relaxed)
        if !response.body.isEmpty {
            let first = unframed ? response.body : HTTPStream.frame(response.body)
            stream.queuedBytes.wrappingAdd(first.count, ordering: .relaxed)
            state.enqueue(first, now: now)
        }
        let (early, closeRequested) = stream.attach(inbox: inbox, connectionID: conn.id)
        for chunk in early { state.enqueue(state.payload(of: chunk), now: now) }
        if closeRequested || isStopping { beginEnding(state) }
        flushStream(conn)
        // Anything the client sent after the request is read (and discarded) from here on.
        if conn.state == .streaming && conn.isReadable { discardInput(conn) }
    }

    /// A chunk from `HTTPStream.send`, posted through the inbox. It is only queued here: the
    /// connection is written once at the end of the inbox batch, so several events for one
    /// client that arrive together cost one `send`.
    func streamChunk(_ id: UInt64, _ chunk: [UInt8]) {
        guard let conn = lookup(id), conn.state == .streaming, let state = conn.stream, !state.isEnding else { return }
        if !state.isFlushScheduled {
            state.isFlushScheduled = true
            streamsToFlush.append(conn)
        }
        state.enqueue(state.payload(of: chunk), now: now)
        state.lastSendAt = now
    }

    /// Writes every stream that got chunks in this inbox batch.
    func flushPendingStreams() {
        guard !streamsToFlush.isEmpty else { return }
        for conn in streamsToFlush {
            conn.stream?.isFlushScheduled = false
            flushStream(conn)
        }
        streamsToFlush.removeAll(keepingCapacity: streamsToFlush.capacity <= 4096)
    }

    /// `HTTPStream.close()` (graceful) or `abort()`.
    func streamEnd(_ id: UInt64, graceful: Bool) {
        guard let conn = lookup(id), conn.state == .streaming, let state = conn.stream else { return }
        if !graceful { closeConnection(conn); return }
        beginEnding(state)
        flushStream(conn)
    }

    /// A deadline passed: idle, lifetime, or a client that stopped reading.
    func streamExpired(_ conn: Connection) {
        guard let state = conn.stream else { closeConnection(conn); return }
        if state.hasPending { closeConnection(conn); return }   // stalled reader: just drop it
        beginEnding(state)
        flushStream(conn)
        if conn.state == .streaming { closeConnection(conn) }
    }

    /// Readiness on a streaming connection: write what is queued, and read to notice the peer leaving.
    func handleStream(_ conn: Connection, events: UInt32) {
        if events & 0x004 != 0 { flushStream(conn) }   // EPOLLOUT
        guard conn.state == .streaming else { return }
        if events & (0x001 | 0x2000 | 0x010 | 0x008) != 0 {   // EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR
            conn.isReadable = true
            discardInput(conn)
        }
    }

    private func beginEnding(_ state: StreamState) {
        guard !state.isEnding else { return }
        state.isEnding = true
        if !state.isUnframed {
            // Counted like every queued byte, so the stream's count is back at 0 once it is written.
            state.stream.queuedBytes.wrappingAdd(HTTPStream.lastChunk.count, ordering: .relaxed)
            state.enqueue(HTTPStream.lastChunk, now: now)
        }
    }

    /// Reads until EAGAIN, dropping the bytes; EOF or an error closes the connection.
    private func discardInput(_ conn: Connection) {
        while conn.isReadable && conn.state == .streaming {
            guard let n = readIntoScratch(conn) else { return }
            conn.drainedBytes += n
            if conn.drainedBytes > Self.maxStreamInputBytes { closeConnection(conn); return }
        }
    }

    /// Writes pending output until the socket is full or nothing is left; closes when an ending
    /// stream is fully out; then re-arms the connection's deadline.
    func flushStream(_ conn: Connection) {
        guard conn.state == .streaming, let state = conn.stream else { return }
        var written = 0
        while state.hasPending {
            let result: IOResult<Int>
            do {
                let fd = conn.fd, start = state.offset
                result = try state.output.withUnsafeBytes { all throws(SystemError) in
                    let rest = UnsafeRawBufferPointer(rebasing: all[start...])
                    return try syscall("send") { Glibc.send(fd, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL)) }
                }
            } catch {
                closeConnection(conn)
                return
            }
            guard case .done(let n) = result, n > 0 else { break }
            written += n
            state.offset += n
        }
        if written > 0 {
            state.stream.queuedBytes.wrappingSubtract(written, ordering: .relaxed)
            if state.hasPending { state.pendingSince = now }
        }
        if !state.hasPending {
            state.output.removeAll(keepingCapacity: state.output.capacity <= 64 << 10)
            state.offset = 0
            state.pendingSince = 0
            if state.isEnding { closeConnection(conn); return }
        }
        rearm(conn, state)
    }

    /// The earliest of: idle timeout since the last send, the lifetime, and the write timeout of
    /// output waiting for a reader that stopped reading.
    private func rearm(_ conn: Connection, _ state: StreamState) {
        var deadline = UInt64.max
        let limits = state.stream.limits
        if let idle = limits.idleTimeout { deadline = min(deadline, state.lastSendAt + idle.nanoseconds) }
        if let lifetime = limits.lifetime { deadline = min(deadline, state.startedAt + lifetime.nanoseconds) }
        if state.hasPending { deadline = min(deadline, state.pendingSince + writeTimeout) }
        if deadline == UInt64.max {
            conn.deadline = 0
        } else {
            setDeadline(conn, deadline)
        }
    }
}
