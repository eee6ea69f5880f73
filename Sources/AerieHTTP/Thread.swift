// Aerie — a joinable OS thread
// SPDX-License-Identifier: MIT
import Glibc

/// A pthread running one closure. Loops and workers are long-lived OS threads so the thread count is
/// fixed and visible (STYLE §3.4), not hidden inside Dispatch or the cooperative pool.
final class OSThread: Sendable {
    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) { self.name = name; self.body = body }
    }

    /// The handle, written once before `init` returns and read only by `join` (immutable afterwards).
    nonisolated(unsafe) private var handle = pthread_t()

    /// Starts `body` on a new thread; `name` is kept for debugging.
    init(name: String, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        let rc = pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            throw SystemError(rc, "pthread_create")
        }
    }

    /// Waits for the thread to finish.
    func join() { _ = pthread_join(handle, nil) }
}

/// A mutex with a condition variable (the Synchronization module has no condition variables).
/// Pointers are heap-allocated so the pthread objects never move.
final class ConditionLock: @unchecked Sendable {  // the pthread objects are themselves the synchronisation
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    /// Waits (lock held) until signalled; spurious wakeups possible, so callers loop.
    func wait() { pthread_cond_wait(condition, mutex) }
    func signal() { pthread_cond_signal(condition) }
    func broadcast() { pthread_cond_broadcast(condition) }
}
