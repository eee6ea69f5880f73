// Aerie — a value behind a lock
// SPDX-License-Identifier: MIT
import Synchronization

/// A `Sendable` box around a `Mutex`, for shared mutable state that is not confined
/// to one thread. Use `withLock` for every access; never hold the lock across I/O.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    /// Wraps an initial value.
    public init(_ value: Value) { mutex = Mutex(value) }

    /// Runs `body` with exclusive access to the value.
    public func withLock<T: Sendable>(_ body: (inout sending Value) throws -> sending T) rethrows -> T {
        try mutex.withLock { try body(&$0) }
    }

    /// A copy of the current value.
    public var value: Value { mutex.withLock { $0 } }
}
