// Aerie — per-connection state, confined to the loop that accepted it
// SPDX-License-Identifier: MIT

/// One client connection. Confined to its event loop for life (never `Sendable`), so the parser,
/// buffers and state need no locks.
final class Connection {
    enum State {
        /// Reading (idle between requests, or a request in progress).
        case reading
        /// A request is with a worker; the socket is not read, so pipelined requests wait in
        /// `buffer` and responses stay in order.
        case handling
        /// A response is partly written; waiting for EPOLLOUT.
        case writing
        /// Write side shut down after a closing response; reading and discarding until the peer
        /// closes, so unread input does not turn our close into an RST that eats the response.
        case draining
        /// Sending an open-ended (chunked) response fed through `HTTPStream`; input is discarded.
        case streaming
        case closed
    }

    let fd: Int32
    let id: UInt64
    let remoteAddress: String
    var state = State.reading
    var parser: RequestParser

    /// Unparsed input that arrived after a complete request or mid-line; compacted, never shrunk.
    var buffer: [UInt8] = []
    var bufferStart = 0
    var bufferedCount: Int { buffer.count - bufferStart }

    /// Edge-triggered readiness: set by EPOLLIN, cleared by EAGAIN or a short read.
    var isReadable = true
    /// The peer shut down its sending side (EPOLLRDHUP/EPOLLHUP was reported): reads go on until EOF.
    var hasPeerClosedInput = false

    // The request in progress.
    var head: RequestHead?
    var body: [UInt8] = []
    /// Where the body goes instead of `body` when the request is spooled.
    var spool: BodySpoolWriter?
    /// Not reading: the spool writer has too many of this body's bytes queued (see SpoolWriter.swift).
    var isSpoolPaused = false
    var spoolPausedAt: UInt64 = 0
    /// The body is complete and the request waits (`state == .handling`) for its file to be closed.
    var isAwaitingSpool = false
    var isInHeaderPhase = false
    var headReceivedAt = ContinuousClock.now

    // The response in progress.
    var isHeadRequest = false
    var isKeepAlive = true
    var isHTTP10KeepAlive = false
    /// The request said HTTP/1.0: no chunked framing may go back (RFC 9112 §6.1).
    var isHTTP10 = false
    var closeAfterWrite = false
    var pendingHead: [UInt8] = []
    var pendingHeadOffset = 0
    var pendingBody: [UInt8] = []
    var pendingBodyOffset = 0
    /// A file body still being sent after the head (see HTTPFileBody.swift).
    var pendingFile: FileSendState?
    var hasPendingOutput: Bool {
        pendingHeadOffset < pendingHead.count || pendingBodyOffset < pendingBody.count || pendingFile?.isDone == false
    }
    var drainedBytes = 0
    /// The open-ended response, while `state == .streaming`.
    var stream: StreamState?

    /// The real deadline (monotonic ns, 0 = none) and the earliest heap entry for this connection.
    var deadline: UInt64 = 0
    var scheduledAt: UInt64 = 0

    init(fd: Int32, id: UInt64, remoteAddress: String, limits: RequestParser.Limits) {
        self.fd = fd
        self.id = id
        self.remoteAddress = remoteAddress
        self.parser = RequestParser(limits: limits)
    }

    /// No request bytes are buffered or partly parsed.
    var isIdle: Bool { state == .reading && head == nil && bufferedCount == 0 && parser.isAtRequestBoundary }
}
