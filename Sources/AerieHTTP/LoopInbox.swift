// Aerie — the cross-thread mailbox of one event loop
// SPDX-License-Identifier: MIT
import CLinux
import Glibc
import Synchronization

/// A message for a loop from another thread.
enum LoopMessage: Sendable {
    /// A worker finished a request.
    case response(connectionID: UInt64, HTTPResponse)
    /// Stop accepting and drain until the deadline (monotonic ns).
    case stop(deadline: UInt64)
    /// A framed chunk for a streaming response (`HTTPStream.send`).
    case streamChunk(connectionID: UInt64, [UInt8])
    /// End a streaming response: flush then close, or drop at once.
    case streamEnd(connectionID: UInt64, graceful: Bool)
    /// A spooled body is on disk (`nil`: it could not be written); dispatch the request.
    case spoolFinished(connectionID: UInt64, SpooledBody?)
    /// A connection paused for spool backpressure may read again.
    case spoolDrained(connectionID: UInt64)
}

/// The only part of a loop other threads touch: a `Mutex`-protected array plus an eventfd that
/// wakes the loop's `epoll_wait`. The eventfd is written only when the inbox goes from empty to
/// non-empty, so a burst of responses costs one wakeup.
final class LoopInbox: Sendable {
    private struct State: ~Copyable {
        var messages: [LoopMessage] = []
        var isWakePending = false
    }

    private let state = Mutex(State())
    /// The eventfd registered in the loop's epoll set; closed only when the last reference goes,
    /// so a late worker can never write into a reused descriptor.
    let eventFD: Int32

    init() throws(SystemError) {
        eventFD = try syscallBlocking("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    }

    deinit { close(eventFD) }

    func post(_ message: LoopMessage) {
        let wake = state.withLock { state -> Bool in
            state.messages.append(message)
            if state.isWakePending { return false }
            state.isWakePending = true
            return true
        }
        if wake {
            var one: UInt64 = 1
            _ = withUnsafeBytes(of: &one) { write(eventFD, $0.baseAddress, 8) }
        }
    }

    /// Swaps the pending messages into `spare` (keeping both arrays' storage alive for reuse).
    func drain(into spare: inout [LoopMessage]) {
        var counter: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &counter) { read(eventFD, $0.baseAddress, 8) }
        state.withLock { state in
            swap(&state.messages, &spare)
            state.isWakePending = false
        }
    }
}
