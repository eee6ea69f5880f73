// Aerie — scalar query results remembered until the database changes
// SPDX-License-Identifier: MIT
import AerieBase

/// Remembers the results of scalar queries (list totals: `SELECT COUNT(*) …`) for one *write
/// generation* of a `DatabasePool`: an entry is used only while no write has committed since it
/// was computed, so a cached answer is always one the database would give now.
///
/// The cache is split into shards by key hash, each behind its own reader-writer lock, so
/// concurrent hits never wait for each other (a hit on one popular key is the common case). A shard holds entries of one generation: storing under a newer one clears it
/// first. Memory is bounded by `maxBytes` (keys' SQL text and arguments, roughly counted); a
/// full shard is cleared rather than tracked in LRU order, which keeps a hit to one lookup.
public final class ScalarCache: Sendable {
    /// A query and its arguments, hashed once outside the shard lock: inside it, a lookup
    /// hashes one integer and compares one key.
    struct Key: Hashable, Sendable {
        var sql: String
        var arguments: [SQLValue]
        let hash: Int

        init(sql: String, arguments: [SQLValue]) {
            self.sql = sql
            self.arguments = arguments
            var hasher = Hasher()
            hasher.combine(sql)
            hasher.combine(arguments)
            hash = hasher.finalize()
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }

        static func == (a: Key, b: Key) -> Bool {
            a.hash == b.hash && a.sql == b.sql && a.arguments == b.arguments
        }
    }

    struct Shard: Sendable {
        var generation: UInt64 = 0
        var entries: [Key: SQLValue] = [:]
        var bytes = 0
    }

    private let shards: [ReadMostly<Shard>]
    private let maxBytesPerShard: Int

    /// - Parameter maxBytes: the budget for all shards together (default 4 MiB).
    public init(maxBytes: Int = 4 << 20, shardCount: Int = 8) {
        var shards: [ReadMostly<Shard>] = []
        for _ in 0..<max(1, shardCount) { shards.append(ReadMostly(Shard())) }
        self.shards = shards
        maxBytesPerShard = max(1, maxBytes / max(1, shardCount))
    }

    private func shard(for key: Key) -> Int {
        Int(UInt(bitPattern: key.hash) % UInt(shards.count))
    }

    /// The remembered value for `sql` and `arguments` computed in `generation`, if any.
    public func value(_ sql: String, _ arguments: [SQLValue], generation: UInt64) -> SQLValue? {
        let key = Key(sql: sql, arguments: arguments)
        return shards[shard(for: key)].read { shard -> SQLValue? in
            shard.generation == generation ? shard.entries[key] : nil
        }
    }

    /// Remembers `value` as the answer in `generation`; an older generation's entries go.
    public func store(_ value: SQLValue, _ sql: String, _ arguments: [SQLValue], generation: UInt64) {
        let key = Key(sql: sql, arguments: arguments)
        let size = Self.approximateSize(of: key)
        guard size <= maxBytesPerShard else { return }
        shards[shard(for: key)].write { shard in
            if shard.generation != generation {
                // A result from an older snapshot than the shard's is useless; keep the newer ones.
                guard generation > shard.generation else { return }
                shard.generation = generation
                shard.entries.removeAll(keepingCapacity: true)
                shard.bytes = 0
            }
            if shard.bytes + size > maxBytesPerShard {
                shard.entries.removeAll(keepingCapacity: true)
                shard.bytes = 0
            }
            if shard.entries.updateValue(value, forKey: key) == nil { shard.bytes += size }
        }
    }

    /// The number of remembered entries (for tests).
    public var count: Int { shards.reduce(0) { total, shard in total + shard.read { $0.entries.count } } }

    static func approximateSize(of key: Key) -> Int {
        var size = 64 + key.sql.utf8.count
        for argument in key.arguments {
            switch argument {
            case .text(let s): size += 24 + s.utf8.count
            case .blob(let b): size += 24 + b.count
            default: size += 24
            }
        }
        return size
    }
}
