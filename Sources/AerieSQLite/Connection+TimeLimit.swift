// Aerie — a wall-clock limit on the statements a connection runs
// SPDX-License-Identifier: MIT
internal import CSQLite
#if canImport(Glibc)
import Glibc
#endif

extension Connection {
    /// How many virtual-machine steps SQLite runs between two looks at the clock.
    static let timeLimitCheckInterval: Int32 = 4_000

    /// Runs `body` with a time limit: a statement still running `limit` after the call began is
    /// stopped by SQLite, and the statement's step throws an `SQLiteError` whose `isInterrupted`
    /// is true. For untrusted queries (client filters and sorts) on readers, so one expensive
    /// query cannot hold a reader and a worker for long. Nested calls keep the outer deadline.
    public func withTimeLimit<T>(milliseconds limit: Int, _ body: () throws -> T) rethrows -> T {
        guard limit > 0, let handle = rawHandle, timeLimitDeadline.pointee == 0 else { return try body() }
        timeLimitDeadline.pointee = Self.monotonicNanoseconds() &+ UInt64(limit) &* 1_000_000
        sqlite3_progress_handler(handle, Self.timeLimitCheckInterval, { context in
            guard let deadline = context?.assumingMemoryBound(to: UInt64.self).pointee, deadline != 0 else { return 0 }
            return Connection.monotonicNanoseconds() >= deadline ? 1 : 0
        }, UnsafeMutableRawPointer(timeLimitDeadline))
        defer {
            sqlite3_progress_handler(handle, 0, nil, nil)
            timeLimitDeadline.pointee = 0
        }
        return try body()
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}

extension SQLiteError {
    /// Whether the statement was stopped by `Connection.withTimeLimit` (SQLITE_INTERRUPT).
    public var isInterrupted: Bool { code & 0xFF == SQLiteError.interrupt }
}
