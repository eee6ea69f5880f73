// Aerie — the server side of the `_events` outbox: publishes other processes' record writes
// SPDX-License-Identifier: MIT
import AerieBase
import AerieSQLite
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Publishes the record events that other processes (`aerie records import`) queued in the
/// `_events` outbox to this server's realtime subscribers, through the same `RecordService.changes`
/// feed as the records API, so the broker checks rules per subscriber as for any write.
///
/// Holds `ServerPresence` for its whole life, so writers know to fill the outbox. At start it
/// discards rows left from earlier runs (nobody was subscribed to them). Then, on its own queue
/// and never on an event loop, it looks at the outbox whenever `DatabasePool.writeGeneration`
/// moved (another process's commit is noticed by the checkpointer within 250 ms): it reads rows
/// after the last id it has seen in batches of `batchSize`, loads their records (skipped when no
/// realtime client is connected), publishes them once the broker's backlog is small, and deletes
/// the consumed rows. A 1,000,000-row import therefore costs at most one batch of records in memory.
///
/// ```swift
/// let outbox = try OutboxTailer(app: app, broker: responder.realtime)
/// defer { outbox.stop() }   // before app.close()
/// ```
public final class OutboxTailer: @unchecked Sendable {  // `cursor`, `deletedThrough`, `seenGeneration`, `looks` are confined to `queue`
    /// Outbox rows read (and records loaded) at a time.
    static let batchSize = 1000
    /// How often the write generation is compared.
    static let interval: DispatchTimeInterval = .milliseconds(50)
    /// Broker deliveries above which publishing waits (well under the broker's own drop limit).
    static let maxBacklog = 100_000

    private let records: RecordService
    private let pool: DatabasePool
    private let broker: RealtimeBroker
    private let presence: ServerPresence
    private let queue = DispatchQueue(label: "aerie.realtime.outbox")
    private let timer: any DispatchSourceTimer
    private let stopped = Atomic<Bool>(false)
    private let published = Atomic<Int>(0)
    /// The last outbox id consumed.
    private var cursor: Int64
    /// The last id known deleted; consumed rows up to `cursor` still need deleting when smaller.
    private var deletedThrough: Int64
    private var seenGeneration: UInt64 = 0
    /// Looks still to take: two per generation change, since a change can be noticed while the
    /// other process's commit is not yet visible to readers.
    private var looks = 0

    /// Takes the presence lock, discards leftover rows and starts tailing.
    /// - Throws: `StartupError` when the lock cannot be taken, or the database error of the discard.
    public init(app: App, broker: RealtimeBroker) throws {
        records = app.records
        pool = app.pool
        self.broker = broker
        // Presence first: a writer that probes after this point fills the outbox, and the discard
        // below only removes rows committed before it (a server that starts mid-import misses them).
        presence = try ServerPresence(directory: app.directory)
        let top = try app.pool.write { db -> Int64 in
            guard case .integer(let top)? = try db.queryScalar(#"SELECT coalesce(max("id"), 0) FROM "_events""#) else { return 0 }
            try db.run(#"DELETE FROM "_events" WHERE "id" <= ?"#, [.integer(top)])
            return top
        }
        cursor = top
        deletedThrough = top
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + Self.interval, repeating: Self.interval, leeway: .milliseconds(10))
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
    }

    /// Record events published from the outbox so far (for tests and diagnostics).
    public var publishedCount: Int { published.load(ordering: .relaxed) }

    /// Stops tailing and waits for a running batch; releases the presence lock with the value.
    public func stop() {
        if stopped.exchange(true, ordering: .sequentiallyConsistent) { return }
        timer.cancel()
        queue.sync {}
    }

    private func tick() {
        guard !stopped.load(ordering: .relaxed) else { return }
        let generation = pool.writeGeneration
        if generation != seenGeneration {
            seenGeneration = generation
            looks = 2
        }
        guard looks > 0 else { return }
        looks -= 1
        do {
            try drain()
        } catch let error as SQLiteError where error.code == SQLiteError.misuse {
            // The pool was closed under us (the app is shutting down): nothing more to tail.
            stopped.store(true, ordering: .relaxed)
            timer.cancel()
        } catch {
            Log.warning("realtime outbox: \(error); retrying")
            looks = max(looks, 1)
        }
    }

    private struct Row {
        var id: Int64
        var collectionID: String
        var recordID: String
        var action: String
    }

    /// Publishes and deletes every row committed so far, one batch at a time.
    private func drain() throws {
        while !stopped.load(ordering: .relaxed) {
            let after = cursor
            let rows = try pool.read { db -> [Row] in
                var rows: [Row] = []
                rows.reserveCapacity(Self.batchSize)
                try db.query(#"SELECT "id", "collectionRef", "recordRef", "action" FROM "_events" WHERE "id" > ? ORDER BY "id" LIMIT ?"#,
                             [.integer(after), .integer(Int64(Self.batchSize))]) { row in
                    rows.append(Row(id: row.int64(0), collectionID: row.string(1), recordID: row.string(2), action: row.string(3)))
                }
                return rows
            }
            if let last = rows.last {
                if broker.clientCount > 0 { try publish(rows) }
                cursor = last.id
            }
            if cursor > deletedThrough {
                let through = cursor
                try pool.write { db in _ = try db.run(#"DELETE FROM "_events" WHERE "id" <= ?"#, [.integer(through)]) }
                deletedThrough = through
            }
            if rows.count < Self.batchSize { return }
        }
    }

    /// Loads the rows' records as they are now and hands them to the broker. A record deleted
    /// since is skipped (its delete is announced separately); delete rows carry no values, so
    /// they are skipped too (no writer queues them yet).
    private func publish(_ rows: [Row]) throws {
        let changes = try pool.read { db -> [RecordChange] in
            var changes: [RecordChange] = []
            changes.reserveCapacity(rows.count)
            for row in rows {
                guard let action = RecordChange.Action(rawValue: row.action), action != .delete,
                      let c = records.schema.collection(row.collectionID),
                      let values = try records.load(c, id: row.recordID, db: db) else { continue }
                changes.append(RecordChange(action: action, collectionID: c.schema.id, values: values))
            }
            return changes
        }
        // Bounded memory: wait (off the event loops) while slow subscribers drain the broker.
        while broker.pendingDeliveryCount > Self.maxBacklog && !stopped.load(ordering: .relaxed) { usleep(5_000) }
        records.changes.publish(changes)
        published.add(changes.count, ordering: .relaxed)
    }
}
