// Aerie — fixed-window request counters (per client IP, per identity)
// SPDX-License-Identifier: MIT
public import AerieBase
import Synchronization

/// Counts events per key in fixed windows, like PocketBase's limiter: a key may spend
/// `maxRequests` in a window of `duration` seconds that starts with its first event. Bounded:
/// beyond `capacity` keys, expired windows are dropped, then the oldest.
public final class RateLimiter: Sendable {
    private struct Window: Sendable {
        var start: Int64
        var count: Int
    }
    private let windows = Locked([String: Window]())
    private let capacity: Int
    /// The settings revision the windows were counted under (see `adopt`).
    private let revision = Atomic<Int>(0)

    public init(capacity: Int = 100_000) { self.capacity = capacity }

    /// Spends one request for `key`: nil when allowed, else the seconds until the window resets.
    public func consume(_ key: String, maxRequests: Int, duration: Int, now: Timestamp = .now()) -> Int? {
        let t = now.seconds
        return windows.withLock { map -> Int? in
            var w = map[key] ?? Window(start: t, count: 0)
            if t - w.start >= Int64(duration) { w = Window(start: t, count: 0) }
            if w.count >= maxRequests {
                return Int(max(1, w.start + Int64(duration) - t))
            }
            w.count += 1
            if map[key] == nil && map.count >= capacity { RateLimiter.evict(&map, now: t, duration: duration, capacity: capacity) }
            map[key] = w
            return nil
        }
    }

    /// The seconds until `key` may act again when its window is spent; nil when it may act now.
    public func blocked(_ key: String, maxRequests: Int, duration: Int, now: Timestamp = .now()) -> Int? {
        let t = now.seconds
        return windows.withLock { map -> Int? in
            guard let w = map[key], t - w.start < Int64(duration), w.count >= maxRequests else { return nil }
            return Int(max(1, w.start + Int64(duration) - t))
        }
    }

    /// Forgets `key` (after a successful sign-in).
    public func reset(_ key: String) {
        windows.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// Drops every window (when the rules change).
    public func removeAll() { windows.withLock { $0.removeAll() } }

    /// Drops every window when `revision` differs from the last one adopted: windows counted
    /// under old rules must not count against new limits or durations (PocketBase also starts
    /// over when its rate-limit settings change). One atomic load when nothing changed.
    public func adopt(revision r: Int) {
        guard revision.load(ordering: .acquiring) != r else { return }
        windows.withLock { map in
            guard revision.load(ordering: .acquiring) != r else { return }
            map.removeAll()
            revision.store(r, ordering: .releasing)
        }
    }

    private static func evict(_ map: inout [String: Window], now: Int64, duration: Int, capacity: Int) {
        map = map.filter { now - $0.value.start < Int64(duration) }
        // Still full of live windows: drop the oldest, so a flood of new keys cannot grow memory.
        if map.count >= capacity, let oldest = map.min(by: { $0.value.start < $1.value.start })?.key {
            map.removeValue(forKey: oldest)
        }
    }
}
