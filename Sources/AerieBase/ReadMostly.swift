// Aerie — a value behind a reader-writer lock, for state read far more often than written
// SPDX-License-Identifier: MIT
#if canImport(Glibc)
import Glibc
#endif

/// A `Sendable` box around a `pthread_rwlock_t`: any number of readers at once, writers alone.
/// For read-mostly shared state (caches hit on every request), where a mutex makes every
/// reader queue behind the others. Writers are preferred, so a steady stream of readers
/// cannot starve them. Never hold either side across I/O.
public final class ReadMostly<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched while `lock` is held (shared for reads,
    // exclusive for writes).
    private var value: Value
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    /// Wraps an initial value.
    public init(_ value: Value) {
        self.value = value
        lock = .allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` with shared, read-only access to the value.
    public func read<T>(_ body: (borrowing Value) throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(value)
    }

    /// Runs `body` with exclusive access to the value.
    public func write<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&value)
    }
}
