// Aerie — one epoll event loop thread
// SPDX-License-Identifier: MIT
import AerieBase
import CLinux
import Glibc
import Synchronization

// epoll flags as plain masks (the C enum imports awkwardly).
private let epollIn: UInt32 = 0x001
private let epollOut: UInt32 = 0x004
private let epollErr: UInt32 = 0x008
private let epollHup: UInt32 = 0x010
private let epollRDHup: UInt32 = 0x2000
private let epollET: UInt32 = 1 << 31

/// `accept4(2)`. Glibc declares it only under `_GNU_SOURCE`, which the CLinux shim does not define,
/// so the symbol is bound directly; the signature is plain integers and pointers, passed the same
/// way by the Swift and C calling conventions. (A shim `aerie_accept4` would be the clean fix.)
@_silgen_name("accept4")
private func acceptConnection(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?,
                              _ length: UnsafeMutablePointer<socklen_t>?, _ flags: Int32) -> Int32

/// State every loop shares with the server: configuration, workers and the connection count.
final class ServerShared: Sendable {
    let configuration: HTTPServerConfiguration
    let limits: RequestParser.Limits
    let pool: WorkerPool
    let connectionCount = Atomic<Int>(0)
    /// The threads that write spooled bodies (SpoolWriter.swift); uploads take them in turn.
    let spoolWriters: [SpoolWriter]
    let nextSpoolWriter = Atomic<Int>(0)

    init(configuration: HTTPServerConfiguration, pool: WorkerPool, spoolWriters: [SpoolWriter]) {
        self.configuration = configuration
        self.limits = configuration.parserLimits
        self.pool = pool
        self.spoolWriters = spoolWriters
    }
}

/// An event loop: one thread, one epoll instance, one `SO_REUSEPORT` listener, an eventfd inbox and a
/// deadline heap. Confined to its thread: constructed and run there, reached from elsewhere only
/// through its `LoopInbox`.
///
/// Connections are registered edge-triggered for IN|OUT|RDHUP once and never modified: a request
/// costs no `epoll_ctl`. The price is that the loop must read until EAGAIN (or a short read) before
/// it may wait again, and must retry reading after it resumes a paused connection; `isReadable`
/// tracks that. The listener and the eventfd are level-triggered, so accepting can stop after a
/// batch without losing the wakeup.
final class EventLoop {
    private static let listenerTag = UInt64.max
    private static let wakeTag = UInt64.max - 1
    private static let maxEvents: Int32 = 256
    private static let lingerNanoseconds: UInt64 = 2_000_000_000
    private static let maxDrainBytes = 8 << 20

    private let epollFD: Int32
    private var listenFD: Int32
    let inbox: LoopInbox
    let shared: ServerShared
    private let thread = pthread_self()

    private var connections: [Connection?] = []
    private var liveCount = 0
    private var generation: UInt64 = 0
    private var heap = DeadlineHeap()
    var encoder = ResponseEncoder()
    let scratch: UnsafeMutableRawBufferPointer
    var now: UInt64 = monotonicNanoseconds()
    var isStopping = false
    private var stopDeadline: UInt64 = 0
    private var spareFD: Int32
    private var acceptPausedUntil: UInt64 = 0
    private var messages: [LoopMessage] = []
    /// Streaming connections that got chunks during the current inbox batch (flushed once at its end).
    var streamsToFlush: [Connection] = []

    private let headerTimeout: UInt64
    private let bodyTimeout: UInt64
    private let idleTimeout: UInt64
    let writeTimeout: UInt64

    /// Takes ownership of `epollFD` and `listenFD`; call on the loop's own thread.
    init(epollFD: Int32, listenFD: Int32, inbox: LoopInbox, shared: ServerShared) throws(SystemError) {
        self.epollFD = epollFD
        self.listenFD = listenFD
        self.inbox = inbox
        self.shared = shared
        let c = shared.configuration
        headerTimeout = c.headerReadTimeout.nanoseconds
        bodyTimeout = c.bodyReadTimeout.nanoseconds
        idleTimeout = c.idleTimeout.nanoseconds
        writeTimeout = c.writeTimeout.nanoseconds
        scratch = .allocate(byteCount: 64 << 10, alignment: 16)
        spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try register(listenFD, events: epollIn, tag: Self.listenerTag, op: EPOLL_CTL_ADD)
        try register(inbox.eventFD, events: epollIn, tag: Self.wakeTag, op: EPOLL_CTL_ADD)
    }

    deinit {
        scratch.deallocate()
        if spareFD >= 0 { close(spareFD) }
        if listenFD >= 0 { close(listenFD) }
        close(epollFD)
    }

    /// Traps when called off the loop thread (debug builds).
    @inline(__always) func assertOnLoop() {
        assert(pthread_equal(pthread_self(), thread) != 0, "connection state touched off its event loop")
    }

    // MARK: - Run loop

    /// Runs until a stop message has been handled and every connection is closed (or the grace
    /// period ran out).
    func run() {
        var events = [epoll_event](repeating: epoll_event(), count: Int(Self.maxEvents))
        encoder.refreshDate()
        while true {
            let n = epoll_wait(epollFD, &events, Self.maxEvents, nextTimeoutMilliseconds())
            now = monotonicNanoseconds()
            encoder.refreshDate()
            if n > 0 {
                for i in 0..<Int(n) { handle(events: events[i].events, tag: events[i].data.u64) }
            } else if n < 0 && aerie_errno() != EINTR {
                Log.error("epoll_wait failed: \(SystemError(aerie_errno(), "epoll_wait"))")
            }
            fireTimers()
            if acceptPausedUntil != 0 && now >= acceptPausedUntil { resumeAccepting() }
            if isStopping && (liveCount == 0 || now >= stopDeadline) { break }
        }
        for case let conn? in connections { closeConnection(conn) }
    }

    private func nextTimeoutMilliseconds() -> Int32 {
        var next = heap.earliest ?? UInt64.max
        if acceptPausedUntil != 0 { next = min(next, acceptPausedUntil) }
        if isStopping { next = min(next, stopDeadline) }
        if next == UInt64.max { return -1 }
        if next <= now { return 0 }
        return Int32(min((next - now + 999_999) / 1_000_000, 60_000))
    }

    private func handle(events: UInt32, tag: UInt64) {
        if tag == Self.listenerTag { acceptConnections(); return }
        if tag == Self.wakeTag { processInbox(); return }
        guard let conn = lookup(tag) else { return }
        if conn.state == .streaming { handleStream(conn, events: events); return }
        // A reset peer of an upload paused for backpressure: drop its queued writes now, not after the drain.
        if conn.isSpoolPaused && events & (epollHup | epollErr) != 0 { closeConnection(conn); return }
        if events & (epollIn | epollRDHup | epollHup | epollErr) != 0 { conn.isReadable = true }
        if events & (epollRDHup | epollHup) != 0 { conn.hasPeerClosedInput = true }
        if events & epollOut != 0 && conn.state == .writing { flush(conn) }
        if conn.isReadable && (conn.state == .reading || conn.state == .draining) { readLoop(conn) }
    }

    func lookup(_ id: UInt64) -> Connection? {
        let fd = Int(id & 0xFFFF_FFFF)
        guard fd < connections.count, let conn = connections[fd], conn.id == id else { return nil }
        return conn
    }

    // MARK: - Inbox

    private func processInbox() {
        inbox.drain(into: &messages)
        for message in messages {
            switch message {
            case .response(let id, let response):
                guard let conn = lookup(id), conn.state == .handling else { response.stream?.connectionEnded(); continue }
                writeResponse(conn, response)
                resume(conn)
            case .stop(let deadline):
                beginStop(deadline: deadline)
            case .streamChunk(let id, let chunk):
                streamChunk(id, chunk)
            case .streamEnd(let id, let graceful):
                streamEnd(id, graceful: graceful)
            case .spoolFinished(let id, let body):
                spoolFinished(id, body)
            case .spoolDrained(let id):
                spoolDrained(id)
            }
        }
        messages.removeAll(keepingCapacity: true)
        flushPendingStreams()
    }

    private func beginStop(deadline: UInt64) {
        guard !isStopping else { return }
        isStopping = true
        stopDeadline = deadline
        if listenFD >= 0 {
            _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil)
            close(listenFD)
            listenFD = -1
        }
        acceptPausedUntil = 0
        // Idle keep-alive connections close now; connections with a request under way finish it.
        for case let conn? in connections where conn.isIdle || conn.state == .draining || conn.state == .streaming { closeConnection(conn) }
    }

    // MARK: - Accepting

    private func acceptConnections() {
        let flags = Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        for _ in 0..<64 {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let result: IOResult<Int32>
            do throws(SystemError) {
                result = try syscall("accept4") {
                    withUnsafeMutablePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { acceptConnection(listenFD, $0, &length, flags) }
                    }
                }
            } catch {
                switch error.errno {
                case ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH:
                    continue  // accept(2): errors of the already-gone connection; try the next one
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    shedLoad()
                    return
                default:
                    Log.error("accept failed: \(error)")
                    return
                }
            }
            guard case .done(let fd) = result else { return }
            if shared.connectionCount.wrappingAdd(1, ordering: .relaxed).newValue > shared.configuration.maxConnections {
                shared.connectionCount.wrappingSubtract(1, ordering: .relaxed)
                close(fd)
                continue
            }
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            generation &+= 1
            let id = (generation << 32) | UInt64(UInt32(bitPattern: fd))
            let conn = Connection(fd: fd, id: id, remoteAddress: Self.describe(&address), limits: shared.limits)
            let slot = Int(fd)
            if slot >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: slot - connections.count + 1))
            }
            do {
                try register(fd, events: epollIn | epollOut | epollRDHup | epollET, tag: id, op: EPOLL_CTL_ADD)
            } catch {
                shared.connectionCount.wrappingSubtract(1, ordering: .relaxed)
                close(fd)
                continue
            }
            connections[slot] = conn
            liveCount += 1
            setDeadline(conn, now + idleTimeout)
        }
    }

    /// Out of descriptors: a level-triggered listener would report the pending connection forever.
    /// Free the spare descriptor, accept and close one connection so the client sees a prompt
    /// close, take the spare back, and pause accepting briefly so the loop cannot spin.
    private func shedLoad() {
        if spareFD >= 0 {
            close(spareFD)
            let fd = acceptConnection(listenFD, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
            if fd >= 0 { close(fd) }
            spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil)
        acceptPausedUntil = now + 50_000_000
    }

    private func resumeAccepting() {
        acceptPausedUntil = 0
        if listenFD >= 0 { try? register(listenFD, events: epollIn, tag: Self.listenerTag, op: EPOLL_CTL_ADD) }
    }

    private static func describe(_ address: inout sockaddr_storage) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = Int32(address.ss_family)
        let ok: Bool = withUnsafePointer(to: &address) { raw in
            if family == AF_INET {
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var a = sin.pointee.sin_addr
                    return inet_ntop(AF_INET, &a, &text, socklen_t(text.count)) != nil
                }
            } else if family == AF_INET6 {
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var a = sin6.pointee.sin6_addr
                    return inet_ntop(AF_INET6, &a, &text, socklen_t(text.count)) != nil
                }
            }
            return false
        }
        guard ok else { return "" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func register(_ fd: Int32, events: UInt32, tag: UInt64, op: Int32) throws(SystemError) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = tag
        try syscallBlocking("epoll_ctl") { epoll_ctl(epollFD, op, fd, &event) }
    }

    // MARK: - Reading

    func readLoop(_ conn: Connection) {
        assertOnLoop()
        while conn.isReadable && (conn.state == .reading || conn.state == .draining) && !conn.isSpoolPaused {
            guard let n = readIntoScratch(conn) else { return }
            if n == 0 { continue }
            if conn.state == .draining {
                conn.drainedBytes += n
                if conn.drainedBytes > Self.maxDrainBytes { closeConnection(conn); return }
                continue
            }
            ingest(conn, UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        }
    }

    /// One `read` into the loop's scratch buffer: the byte count (0 when the socket has nothing
    /// now, which clears `isReadable`), or nil once EOF or an error has closed the connection.
    func readIntoScratch(_ conn: Connection) -> Int? {
        let result: IOResult<Int>
        do {
            result = try syscall("read") { read(conn.fd, scratch.baseAddress, scratch.count) }
        } catch {
            closeConnection(conn)
            return nil
        }
        switch result {
        case .wouldBlock:
            conn.isReadable = false
            return 0
        case .done(0):
            // EOF: no further request can complete (buffered input was already parsed).
            closeConnection(conn)
            return nil
        case .done(let n):
            // A short read on a stream socket means the receive queue is empty (epoll(7)), except
            // for an end of input already reported: that edge will not come again, so read on to
            // the EOF (data and FIN pile up together while a spooled upload is paused).
            if n < scratch.count && !conn.hasPeerClosedInput { conn.isReadable = false }
            return n
        }
    }

    /// Parses fresh input. The common case (nothing buffered) parses straight from the loop's
    /// scratch buffer; only leftovers are copied into the connection's own buffer.
    private func ingest(_ conn: Connection, _ bytes: UnsafeRawBufferPointer) {
        if conn.bufferedCount == 0 {
            let used = parse(conn, bytes)
            if used < bytes.count && conn.state != .closed && conn.state != .draining {
                conn.buffer.removeAll(keepingCapacity: true)
                conn.bufferStart = 0
                conn.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[used...]))
            }
        } else {
            conn.buffer.append(contentsOf: bytes)
            parseBuffered(conn)
        }
        flushSpool(conn)
    }

    private func parseBuffered(_ conn: Connection) {
        var buffer = conn.buffer
        conn.buffer = []  // moved out so `parse` can never alias it
        let start = conn.bufferStart
        let used = buffer.withUnsafeBytes { parse(conn, UnsafeRawBufferPointer(rebasing: $0[start...])) }
        guard conn.state != .closed else { return }
        var newStart = start + used
        if newStart == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            newStart = 0
        } else if newStart >= 4096 && newStart * 2 >= buffer.count {
            buffer.removeSubrange(0..<newStart)  // compact in place; capacity is kept
            newStart = 0
        }
        conn.buffer = buffer
        conn.bufferStart = newStart
    }

    /// Feeds `bytes` to the parser until it needs more input or the connection stops reading;
    /// returns the bytes consumed.
    private func parse(_ conn: Connection, _ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while conn.state == .reading {
            let (event, used) = conn.parser.next(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            switch event {
            case .needMoreData:
                offset += used
                if conn.head == nil && !conn.isInHeaderPhase && (offset < bytes.count || !conn.parser.isAtRequestBoundary) {
                    // First bytes of a request: the slow-loris clock starts.
                    conn.isInHeaderPhase = true
                    setDeadline(conn, now + headerTimeout)
                }
                return offset
            case .head(let head):
                offset += used
                conn.isInHeaderPhase = false
                conn.headReceivedAt = .now
                if head.hasBody {
                    if let directory = shared.configuration.bodySpool?(head.method, head.parts.path, head.headers) {
                        conn.spool = makeSpool(conn, directory: directory)
                    } else {
                        conn.body.reserveCapacity(min(head.contentLength, 1 << 20))
                    }
                    setDeadline(conn, now + bodyTimeout)
                    // RFC 9110 §10.1.1: send 100 only when we are about to read a body we will accept
                    // (over-limit bodies were already refused by the parser) and none has arrived yet.
                    if head.expectsContinue && offset == bytes.count { sendContinue(conn) }
                }
                conn.head = head
            case .body(let range):
                let chunk = UnsafeRawBufferPointer(rebasing: bytes[(offset + range.lowerBound)..<(offset + range.upperBound)])
                if let spool = conn.spool { spool.append(chunk) } else { conn.body.append(contentsOf: chunk) }
                offset += used
            case .end:
                offset += used
                dispatch(conn)
            case .error(let error):
                offset += used
                respondWithError(conn, error.status)
                return offset
            }
        }
        return offset
    }

    private func sendContinue(_ conn: Connection) {
        conn.pendingHead.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
        if !flushPending(conn) { closeConnection(conn) }
    }

    // MARK: - Dispatch

    func dispatch(_ conn: Connection, spooled: SpooledBody? = nil) {
        guard let head = conn.head else { return }
        if conn.spool != nil {
            awaitSpool(conn)  // dispatched again from the `.spoolFinished` message
            return
        }
        conn.head = nil
        conn.state = .handling
        conn.deadline = 0
        conn.isHeadRequest = head.method == .head
        conn.isKeepAlive = head.isKeepAlive
        conn.isHTTP10KeepAlive = head.versionMinor == 0 && head.isKeepAlive
        conn.isHTTP10 = head.versionMinor == 0
        let body = conn.body
        conn.body = []
        var request = HTTPRequest(method: head.method, target: head.target, path: head.parts.path, rawPath: head.parts.rawPath,
                                  query: head.parts.query, headers: head.headers, body: body, remoteAddress: conn.remoteAddress,
                                  isKeepAlive: head.isKeepAlive && !isStopping)
        request.spooledBody = spooled
        let job = Job(request: request, connectionID: conn.id, inbox: inbox, receivedAt: conn.headReceivedAt)
        if !shared.pool.submit(job) {
            let response = ServerError.response(.serviceUnavailable, closing: false)
            log(method: head.method.rawValue, path: head.parts.path, response, conn)
            writeResponse(conn, response)
        }
    }

    func respondWithError(_ conn: Connection, _ status: HTTPStatus) {
        conn.spool?.cancel()
        conn.spool = nil
        let response = ServerError.response(status, closing: true)
        log(method: conn.head?.method.rawValue ?? "", path: conn.head?.parts.path ?? "", response, conn)
        conn.head = nil
        conn.isHeadRequest = false
        conn.isHTTP10KeepAlive = false
        conn.isHTTP10 = false
        writeResponse(conn, response, forceClose: true)
    }

    private func log(method: String, path: String, _ response: HTTPResponse, _ conn: Connection) {
        shared.configuration.accessLog?(AccessLogEntry(method: method, path: path, status: response.status.code,
                                                       bytes: response.body.count, duration: .zero,
                                                       remoteAddress: conn.remoteAddress))
    }

    // MARK: - Writing

    func writeResponse(_ conn: Connection, _ response: HTTPResponse, forceClose: Bool = false) {
        assertOnLoop()
        if let stream = response.stream { startStream(conn, response, stream); return }
        let closing = forceClose || !conn.isKeepAlive || isStopping || Self.asksToClose(response.headers)
        var contentLength = response.file?.length ?? response.body.count
        var body = response.body
        if conn.isHeadRequest {
            // RFC 9110 §9.3.2: HEAD gets the GET headers, Content-Length included, without content.
            if body.isEmpty, let declared = response.headers["Content-Length"], let n = Int(declared), n >= 0 { contentLength = n }
            body = []
        }
        if response.status.forbidsBody { body = [] }
        encoder.encodeHead(response, contentLength: contentLength, closing: closing,
                           keepAliveHTTP10: conn.isHTTP10KeepAlive && !closing)
        conn.closeAfterWrite = closing
        conn.state = .writing
        if let file = response.file, !conn.isHeadRequest, !response.status.forbidsBody {
            // File bodies go head first, then sendfile(2) through the pending-output path.
            conn.pendingHead.append(contentsOf: encoder.head)
            conn.pendingFile = FileSendState(file)
            flush(conn)
            return
        }
        if conn.hasPendingOutput {
            conn.pendingHead.append(contentsOf: encoder.head)
            conn.pendingBody = body
            conn.pendingBodyOffset = 0
            flush(conn)
            return
        }
        let head = encoder.head
        let sent: Int
        do {
            sent = try head.withUnsafeBytes { h in try body.withUnsafeBytes { b in try Self.send(conn.fd, h, b) } }
        } catch {
            closeConnection(conn)
            return
        }
        if sent == head.count + body.count {
            writeCompleted(conn)
            return
        }
        if sent < head.count {
            conn.pendingHead.removeAll(keepingCapacity: true)
            conn.pendingHead.append(contentsOf: head[sent...])
            conn.pendingHeadOffset = 0
            conn.pendingBody = body
            conn.pendingBodyOffset = 0
        } else {
            conn.pendingBody = body
            conn.pendingBodyOffset = sent - head.count
        }
        setDeadline(conn, now + writeTimeout)
    }

    private static func asksToClose(_ headers: HTTPHeaders) -> Bool {
        guard let value = headers["Connection"] else { return false }
        return ASCII.equalsIgnoringCase(value, "close")
    }

    /// Writes pending output on EPOLLOUT; completes the response when it is all out.
    private func flush(_ conn: Connection) {
        guard flushPending(conn) else { closeConnection(conn); return }
        if !conn.hasPendingOutput && conn.state == .writing {
            writeCompleted(conn)
            resume(conn)
        } else if conn.hasPendingOutput {
            setDeadline(conn, now + writeTimeout)
        }
    }

    /// Writes as much pending output as the socket takes; `false` on a socket error.
    private func flushPending(_ conn: Connection) -> Bool {
        while conn.hasPendingOutput {
            if conn.pendingHeadOffset == conn.pendingHead.count && conn.pendingBodyOffset == conn.pendingBody.count {
                switch Self.sendFile(conn) {
                case .done: continue
                case .wouldBlock: return true
                case .failed: return false
                }
            }
            let sent: Int
            do {
                let headStart = conn.pendingHeadOffset, bodyStart = conn.pendingBodyOffset
                sent = try conn.pendingHead.withUnsafeBytes { h in
                    try conn.pendingBody.withUnsafeBytes { b in
                        try Self.send(conn.fd, UnsafeRawBufferPointer(rebasing: h[headStart...]),
                                      UnsafeRawBufferPointer(rebasing: b[bodyStart...]))
                    }
                }
            } catch {
                return false
            }
            if sent == 0 { return true }
            let headLeft = conn.pendingHead.count - conn.pendingHeadOffset
            if sent < headLeft {
                conn.pendingHeadOffset += sent
            } else {
                conn.pendingHeadOffset = conn.pendingHead.count
                conn.pendingBodyOffset += sent - headLeft
            }
        }
        conn.pendingHead.removeAll(keepingCapacity: true)
        conn.pendingHeadOffset = 0
        conn.pendingBody = []
        conn.pendingBodyOffset = 0
        conn.pendingFile = nil
        return true
    }

    /// `sendmsg` with two iovecs (head + body, no copy) and MSG_NOSIGNAL so a vanished peer is an
    /// EPIPE rather than a process-killing SIGPIPE. Returns the bytes written (0 when it would block).
    private static func send(_ fd: Int32, _ head: UnsafeRawBufferPointer, _ body: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        var vectors = (iovec(iov_base: UnsafeMutableRawPointer(mutating: head.baseAddress), iov_len: head.count),
                       iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress), iov_len: body.count))
        if head.isEmpty && body.isEmpty { return 0 }
        let result: IOResult<Int> = try withUnsafeMutableBytes(of: &vectors) { raw throws(SystemError) in
            let base = raw.baseAddress!.assumingMemoryBound(to: iovec.self)
            var message = msghdr()
            message.msg_iov = head.isEmpty ? base + 1 : base
            message.msg_iovlen = (head.isEmpty || body.isEmpty) ? 1 : 2
            if head.isEmpty == false && body.isEmpty { message.msg_iov = base }
            return try syscall("sendmsg") { sendmsg(fd, &message, Int32(MSG_NOSIGNAL)) }
        }
        switch result {
        case .done(let n): return n
        case .wouldBlock: return 0
        }
    }

    private func writeCompleted(_ conn: Connection) {
        if conn.closeAfterWrite {
            // Half-close and linger (Go's closeWriteAndWait): the client reads the response and our FIN
            // before any unread input of theirs could make the kernel send an RST.
            _ = shutdown(conn.fd, Int32(SHUT_WR))
            conn.state = .draining
            conn.buffer = []
            conn.bufferStart = 0
            conn.isReadable = true
            setDeadline(conn, now + Self.lingerNanoseconds)
            if isStopping { closeConnection(conn) }
            return
        }
        conn.state = .reading
        setDeadline(conn, now + idleTimeout)
    }

    /// Continues a connection that just finished a response: pipelined input first, then the socket.
    func resume(_ conn: Connection) {
        if conn.state == .reading && conn.bufferedCount > 0 {
            parseBuffered(conn)
            flushSpool(conn)
        }
        if conn.isReadable && (conn.state == .reading || conn.state == .draining) { readLoop(conn) }
    }

    // MARK: - Deadlines

    func setDeadline(_ conn: Connection, _ deadline: UInt64) {
        conn.deadline = deadline
        if conn.scheduledAt == 0 || deadline < conn.scheduledAt {
            heap.push(deadline, conn.id)
            conn.scheduledAt = deadline
        }
    }

    private func fireTimers() {
        while let entry = heap.popDue(now) {
            guard let conn = lookup(entry.connectionID), conn.scheduledAt == entry.deadline else { continue }
            conn.scheduledAt = 0
            if conn.deadline == 0 || conn.state == .handling || conn.isSpoolPaused { continue }  // resuming re-arms it
            if conn.deadline <= now {
                // Idle, slow-loris header or body, stalled writer, or linger over: close.
                if conn.state == .streaming { streamExpired(conn) } else { closeConnection(conn) }
            } else {
                heap.push(conn.deadline, conn.id)
                conn.scheduledAt = conn.deadline
            }
        }
    }

    // MARK: - Closing

    func closeConnection(_ conn: Connection) {
        guard conn.state != .closed else { return }
        conn.state = .closed
        conn.stream?.stream.connectionEnded()
        conn.stream = nil
        close(conn.fd)  // also removes it from the epoll set
        connections[Int(conn.fd)] = nil
        liveCount -= 1
        shared.connectionCount.wrappingSubtract(1, ordering: .relaxed)
        conn.buffer = []
        conn.body = []
        conn.pendingBody = []
        conn.pendingHead = []
        conn.pendingFile = nil
        conn.spool?.cancel()
        conn.spool = nil
    }
}
