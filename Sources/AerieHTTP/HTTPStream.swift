// Aerie — a response body that stays open and that any thread can append to
// SPDX-License-Identifier: MIT
import Synchronization

/// An open-ended response body (server-sent events). A responder returns an `HTTPResponse` whose
/// `stream` is set; the event loop then sends the head and `body` (the first chunk) and keeps the
/// connection open as a chunked response. No worker thread stays with the client: later chunks
/// are appended from any thread with `send`, which posts them to the loop's inbox.
///
/// Memory is bounded per client: bytes accepted by `send` and not yet taken by the socket count
/// against `limits.maxQueuedBytes`; a client that falls that far behind is disconnected. When
/// the connection ends for any reason (peer gone, timeout, `close()`, server stopping) the close
/// handler runs once, so the owner can forget the client.
///
/// ```swift
/// let stream = HTTPStream(limits: .init(idleTimeout: .seconds(300)))
/// stream.onClose { registry.remove(id) }
/// var response = HTTPResponse(status: .ok, headers: sseHeaders, body: firstEvent)
/// response.stream = stream
/// // later, from any thread:
/// stream.send(nextEvent)
/// ```
public final class HTTPStream: Sendable {
    /// Per-stream bounds and timers.
    public struct Limits: Sendable {
        /// Bytes accepted by `send` but not yet written to the socket; beyond this the client is
        /// disconnected (it is not reading fast enough).
        public var maxQueuedBytes: Int
        /// Close after this long without a `send` (the head and first chunk count as one).
        public var idleTimeout: Duration?
        /// Close after this long in any case.
        public var lifetime: Duration?

        /// Limits; the defaults keep at most 1 MiB queued and set no timers.
        public init(maxQueuedBytes: Int = 1 << 20, idleTimeout: Duration? = nil, lifetime: Duration? = nil) {
            self.maxQueuedBytes = maxQueuedBytes
            self.idleTimeout = idleTimeout
            self.lifetime = lifetime
        }
    }

    /// Where the stream's connection lives once the loop has started sending it.
    private struct Binding: ~Copyable {
        var inbox: LoopInbox?
        var connectionID: UInt64 = 0
        /// Chunks sent before the loop attached the stream (already framed).
        var early: [[UInt8]] = []
        var closeRequested = false
        var onClose: (@Sendable () -> Void)?
        var didRunClose = false
    }

    /// The bounds and timers of this stream.
    public let limits: Limits
    private let binding = Mutex(Binding())
    private let closed = Atomic<Bool>(false)
    /// Framed bytes accepted by `send` and not yet written out.
    let queuedBytes = Atomic<Int>(0)

    /// A stream that is not yet attached to a connection.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Whether the connection has ended or `close()` was called; sends are dropped then.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Sets the handler run once when the stream ends (at once if it already has). It runs on
    /// whichever thread ends the stream (often an event loop), so keep it short and non-blocking.
    public func onClose(_ handler: @escaping @Sendable () -> Void) {
        let runNow = binding.withLock { b -> Bool in
            if b.didRunClose { return true }
            b.onClose = handler
            return false
        }
        if runNow { handler() }
    }

    /// Appends one chunk. Returns `false` when the stream is closed, or when this chunk would
    /// exceed `limits.maxQueuedBytes` (the client is then disconnected). Never blocks on the client.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        if bytes.isEmpty { return !isClosed }
        guard !isClosed else { return false }
        let chunk = Self.frame(bytes)
        let total = queuedBytes.wrappingAdd(chunk.count, ordering: .relaxed).newValue
        if total > limits.maxQueuedBytes {
            queuedBytes.wrappingSubtract(chunk.count, ordering: .relaxed)
            abort()
            return false
        }
        let target = binding.withLock { b -> (LoopInbox, UInt64)? in
            guard let inbox = b.inbox else {
                b.early.append(chunk)
                return nil
            }
            return (inbox, b.connectionID)
        }
        if let (inbox, id) = target { inbox.post(.streamChunk(connectionID: id, chunk)) }
        return true
    }

    /// Ends the response: what was already sent is flushed, then the terminating chunk, then the
    /// connection closes.
    public func close() { end(graceful: true) }

    /// Drops the client at once, discarding anything not yet written (used for slow clients).
    public func abort() { end(graceful: false) }

    private func end(graceful: Bool) {
        let (exchanged, _) = closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        guard exchanged else { return }
        let target = binding.withLock { b -> (LoopInbox, UInt64)? in
            guard let inbox = b.inbox else {
                b.closeRequested = true
                return nil
            }
            return (inbox, b.connectionID)
        }
        if let (inbox, id) = target { inbox.post(.streamEnd(connectionID: id, graceful: graceful)) }
    }

    // MARK: - Loop side

    /// Called by the loop when it starts the response: binds the stream to the connection and
    /// returns the chunks sent so far, and whether `close()` was already requested.
    func attach(inbox: LoopInbox, connectionID: UInt64) -> (early: [[UInt8]], closeRequested: Bool) {
        binding.withLock { b in
            b.inbox = inbox
            b.connectionID = connectionID
            let early = b.early
            b.early = []
            return (early, b.closeRequested)
        }
    }

    /// Called once the connection is gone (or was never started): marks the stream closed and
    /// runs the close handler.
    func connectionEnded() {
        closed.store(true, ordering: .releasing)
        let handler = binding.withLock { b -> (@Sendable () -> Void)? in
            if b.didRunClose { return nil }
            b.didRunClose = true
            b.early = []
            let h = b.onClose
            b.onClose = nil
            return h
        }
        handler?()
    }

    /// The chunked-coding frame of `bytes` (RFC 9112 §7.1): hex size, CRLF, data, CRLF.
    static func frame(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 12)
        var digits: [UInt8] = []
        var n = bytes.count
        repeat {
            let d = UInt8(n & 0xF)
            digits.append(d < 10 ? 48 + d : 87 + d)
            n >>= 4
        } while n > 0
        out.append(contentsOf: digits.reversed())
        out.append(13); out.append(10)
        out.append(contentsOf: bytes)
        out.append(13); out.append(10)
        return out
    }

    /// The last chunk of a chunked body, with no trailers.
    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
}
