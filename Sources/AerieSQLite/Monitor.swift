// Aerie — a pthread mutex with condition variables
// SPDX-License-Identifier: MIT
#if canImport(Glibc)
import Glibc
#endif

/// A mutex with two condition variables, for state that threads must *wait* on.
///
/// `Synchronization.Mutex` cannot be paired with a condition variable, so this wraps
/// `pthread_mutex_t` and `pthread_cond_t` directly. They live in heap allocations because
/// pthread objects must never move in memory. All mutable state a `Monitor` guards must be
/// accessed only between `lock()` and `unlock()` (or inside `withLock`).
final class Monitor: @unchecked Sendable {  // pthread mutexes and condition variables are thread-safe by definition
    /// The two things pool callers wait for.
    enum Event {
        case readerAvailable
        case writerAvailable
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let readerCondition: UnsafeMutablePointer<pthread_cond_t>
    private let writerCondition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        readerCondition = .allocate(capacity: 1)
        writerCondition = .allocate(capacity: 1)
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        precondition(pthread_cond_init(readerCondition, nil) == 0, "pthread_cond_init failed")
        precondition(pthread_cond_init(writerCondition, nil) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(writerCondition)
        pthread_cond_destroy(readerCondition)
        pthread_mutex_destroy(mutex)
        writerCondition.deallocate()
        readerCondition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Atomically releases the mutex and sleeps until `event` is signalled; the mutex is held
    /// again on return. Wake-ups can be spurious, so always call this in a loop re-checking state.
    /// Must be called with the mutex held (inside `withLock`).
    func wait(for event: Event) {
        pthread_cond_wait(condition(event), mutex)
    }

    /// Wakes one waiter for `event`.
    func signal(_ event: Event) { pthread_cond_signal(condition(event)) }

    /// Wakes every waiter for `event`.
    func broadcast(_ event: Event) { pthread_cond_broadcast(condition(event)) }

    private func condition(_ event: Event) -> UnsafeMutablePointer<pthread_cond_t> {
        switch event {
        case .readerAvailable: readerCondition
        case .writerAvailable: writerCondition
        }
    }
}
