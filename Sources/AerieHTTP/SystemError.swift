// Aerie — syscall errors and the one syscall wrapper
// SPDX-License-Identifier: MIT
import CLinux
import Glibc

/// A failed system call: its errno and name.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The errno value.
    public let errno: Int32
    /// The call that failed, e.g. `"accept4"`.
    public let call: String

    /// An error for `call` failing with `errno`.
    public init(_ errno: Int32, _ call: String) {
        self.errno = errno
        self.call = call
    }

    /// `accept4: Too many open files (errno 24)`.
    public var description: String {
        let text = strerror(errno).map { String(cString: $0) } ?? "unknown"
        return "\(call): \(text) (errno \(errno))"
    }
}

/// The outcome of a nonblocking call.
enum IOResult<T> {
    /// The call completed with this result.
    case done(T)
    /// The call would block (EAGAIN / EWOULDBLOCK).
    case wouldBlock
}

/// Runs a syscall that returns -1 and sets errno on failure: EINTR is retried, EAGAIN becomes
/// `.wouldBlock`, anything else throws `SystemError` (NIO's `System.swift` discipline).
@inline(__always)
func syscall<T: FixedWidthInteger>(_ name: StaticString, _ body: () -> T) throws(SystemError) -> IOResult<T> {
    while true {
        let result = body()
        if result >= 0 { return .done(result) }
        let code = aerie_errno()
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
        throw SystemError(code, name.description)
    }
}

/// Like `syscall` for calls that cannot block; EAGAIN is an error there.
@inline(__always)
@discardableResult
func syscallBlocking<T: FixedWidthInteger>(_ name: StaticString, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = aerie_errno()
        if code == EINTR { continue }
        throw SystemError(code, name.description)
    }
}

/// Monotonic clock in nanoseconds, for deadlines.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: UInt64 {
        let (s, a) = components
        if s < 0 { return 0 }
        if s > 1_000_000_000 { return UInt64(1_000_000_000) * 1_000_000_000 }
        return UInt64(s) * 1_000_000_000 + UInt64(a / 1_000_000_000)
    }
}
