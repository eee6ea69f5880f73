// Aerie — bounded LRU of parsed filters keyed by their text (spec §3.5 "bounded caches")
// SPDX-License-Identifier: MIT
import AerieBase

/// A thread-safe, fixed-capacity LRU of parsed filters, so repeated client filters skip the parser.
///
/// PocketBase caps its parsed-filter cache at 500 entries; so does the default here. Errors are
/// not cached: hostile input is cheap to reject again and must not evict useful entries.
/// Caches of 64 entries or more are split into 8 shards by key hash, each an LRU of its share of
/// the capacity, so concurrent workers rarely wait on the same lock (recency is then per shard).
/// ```swift
/// let cache = FilterCache()
/// let expr = try cache.expression(for: "published = true")
/// ```
public final class FilterCache: Sendable {
    /// The most entries kept.
    public let capacity: Int
    /// The limits every cached parse used.
    public let limits: FilterLimits
    private let shards: [Locked<LRUState>]
    private let shardCapacity: Int

    /// Creates an empty cache.
    public init(capacity: Int = 500, limits: FilterLimits = .init()) {
        self.capacity = max(1, capacity)
        self.limits = limits
        let count = self.capacity >= 64 ? 8 : 1
        shards = (0..<count).map { _ in Locked(LRUState()) }
        shardCapacity = self.capacity / count
    }

    private func shard(for text: String) -> Locked<LRUState> {
        shards.count == 1 ? shards[0] : shards[Int(UInt(bitPattern: text.hashValue) % UInt(shards.count))]
    }

    /// The parsed expression for `text` (`nil` for the empty string), from the cache when present.
    public func expression(for text: String) throws(FilterError) -> FilterExpression? {
        if text.isEmpty { return nil }
        let shard = shard(for: text)
        if let hit = shard.withLock({ $0.get(text) }) { return hit }
        guard let parsed = try FilterParser.parse(text, limits: limits) else { return nil }
        let capacity = shardCapacity
        shard.withLock { $0.put(text, parsed, capacity: capacity) }
        return parsed
    }

    /// How many entries are cached.
    public var count: Int { shards.reduce(0) { total, shard in total + shard.withLock { $0.index.count } } }

    /// Whether `text` is cached (does not touch its recency).
    public func contains(_ text: String) -> Bool { shard(for: text).withLock { $0.index[text] != nil } }
}

/// An LRU over parallel arrays linked by indices (no per-entry class, no unbounded growth).
struct LRUState: Sendable {
    struct Entry: Sendable {
        var key: String
        var value: FilterExpression
        var previous: Int
        var next: Int
    }

    var entries: [Entry] = []
    var index: [String: Int] = [:]
    /// Most recently used entry, or -1.
    var head = -1
    /// Least recently used entry, or -1.
    var tail = -1

    mutating func unlink(_ i: Int) {
        let (p, n) = (entries[i].previous, entries[i].next)
        if p >= 0 { entries[p].next = n } else { head = n }
        if n >= 0 { entries[n].previous = p } else { tail = p }
    }

    mutating func pushFront(_ i: Int) {
        entries[i].previous = -1
        entries[i].next = head
        if head >= 0 { entries[head].previous = i }
        head = i
        if tail < 0 { tail = i }
    }

    mutating func get(_ key: String) -> FilterExpression? {
        guard let i = index[key] else { return nil }
        if head != i {
            unlink(i)
            pushFront(i)
        }
        return entries[i].value
    }

    mutating func put(_ key: String, _ value: FilterExpression, capacity: Int) {
        if let i = index[key] {
            entries[i].value = value
            _ = get(key)
            return
        }
        let slot: Int
        if entries.count < capacity {
            slot = entries.count
            entries.append(Entry(key: key, value: value, previous: -1, next: -1))
        } else {
            // Reuse the least recently used slot.
            slot = tail
            unlink(slot)
            index[entries[slot].key] = nil
            entries[slot] = Entry(key: key, value: value, previous: -1, next: -1)
        }
        index[key] = slot
        pushFront(slot)
    }
}
