// Aerie — one writer and N readers over a WAL database
// SPDX-License-Identifier: MIT
import AerieBase
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One writer connection plus up to N read-only reader connections over one database file in
/// WAL mode, after GRDB's `DatabasePool`: readers never block the writer nor each other, and
/// each read sees a consistent snapshot of committed data.
///
/// ```swift
/// let db = try DatabasePool(path: dataDir + "/data.db", readerCount: 4)
/// try db.write { conn in try conn.run("INSERT INTO posts(id) VALUES (?)", [.text(id)]) }
/// let count = try db.read { conn in try conn.queryScalar("SELECT count(*) FROM posts") }
/// ```
///
/// `read` and `write` run `body` synchronously on the calling thread and only lend it the
/// connection, which is why results need not be `Sendable` and why the connection must not
/// escape `body`. Neither call is reentrant for the writer: calling `write` inside `write` on
/// the same thread traps instead of deadlocking. Calling `close()` inside `read`/`write`
/// deadlocks, since it waits for every connection to come back.
public final class DatabasePool: @unchecked Sendable {  // every `var` below is guarded by `monitor`
    /// The database file path.
    public let path: String
    /// Maximum number of reader connections.
    public let readerCount: Int
    private let busyTimeoutMilliseconds: Int32

    private let monitor = Monitor()
    /// The writer; `nil` once closed. Guarded by `monitor`.
    private var writer: Connection?
    /// Whether a thread currently holds the writer. Guarded by `monitor`.
    private var isWriterCheckedOut = false
    /// The thread holding the writer, to trap on reentrant writes. Guarded by `monitor`.
    private var writerThread: pthread_t?
    /// Opened readers not currently lent out. Guarded by `monitor`.
    private var idleReaders: [Connection] = []
    /// Readers opened or being opened (idle + lent out). Guarded by `monitor`.
    private var openedReaderCount = 0
    /// Readers currently lent out (or being opened). Guarded by `monitor`.
    private var checkedOutReaderCount = 0
    /// Set once by `close()`. Guarded by `monitor`.
    private var isClosed = false
    /// Writes waiting for (or inside) a group commit, oldest first.
    private var pendingWrites: [PendingWrite] = []
    /// Runs WAL checkpoints in the background; set in init, stopped by `close()`.
    private var checkpointer: Checkpointer?
    /// Counts changes to the database: bumped after every commit through this pool, and by the
    /// checkpointer when another process's commit changed the WAL file.
    private let generation = ChangeCounter()
    /// Scalar results (list totals) of the current `writeGeneration`.
    public let scalarCache = ScalarCache()

    /// Opens the writer now (creating the file and switching it to WAL before any reader
    /// exists) and readers lazily, up to `readerCount`, as concurrent reads need them.
    public init(path: String, readerCount: Int, busyTimeoutMilliseconds: Int32 = 5000) throws {
        precondition(readerCount >= 1, "a DatabasePool needs at least one reader")
        self.path = path
        self.readerCount = readerCount
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        let writer = try Connection(path: path, readOnly: false, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        // Checkpoints run on their own thread (Checkpointer), never inside a write transaction.
        try writer.execute("PRAGMA wal_autocheckpoint=0")
        self.writer = writer
        let generation = self.generation
        checkpointer = try Checkpointer(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, interval: .milliseconds(250)) {
            generation.bump()
        }
    }

    /// A number that changes whenever the database may have changed: after each commit through
    /// this pool at once, and within one checkpoint interval (250 ms) of a commit by another process.
    public var writeGeneration: UInt64 { generation.value }

    /// Marks the database as changed (after a commit), so results cached for the previous
    /// generation are no longer used.
    private func databaseChanged() { generation.bump() }

    /// `queryScalar` on a reader, answered from `scalarCache` when the same query with the same
    /// arguments already ran since the last change. The generation is read before the query's
    /// snapshot starts, so a stored result is never older than the generation it is filed under.
    /// Call it outside any open iteration on `db` (a running statement would pin an older snapshot).
    public func cachedScalar(_ sql: String, _ arguments: [SQLValue], on db: Connection) throws -> SQLValue? {
        guard !db.isInTransaction else { return try db.queryScalar(sql, arguments) }
        let current = writeGeneration
        if let value = scalarCache.value(sql, arguments, generation: current) { return value }
        let value = try db.queryScalar(sql, arguments) ?? .null
        scalarCache.store(value, sql, arguments, generation: current)
        return value
    }

    deinit {
        checkpointer?.stop()
        // Nothing can be checked out once the last reference is gone; closing the writer
        // last lets SQLite checkpoint and remove the -wal file.
        for reader in idleReaders { reader.close() }
        writer?.close()
    }

    private static func closedError() -> SQLiteError {
        SQLiteError(code: SQLiteError.misuse, message: "database pool is closed")
    }

    // MARK: - Reading

    /// Lends a read-only connection to `body`, waiting (on a condition variable, not spinning)
    /// while all `readerCount` readers are busy. A `read` nested in another `read` needs a second
    /// free reader, so with `readerCount` 1 it would wait forever: don't nest reads.
    @discardableResult
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        let reader = try checkOutReader()
        defer { checkIn(reader: reader) }
        return try body(reader)
    }

    private func checkOutReader() throws -> Connection {
        let idle: Connection? = try monitor.withLock {
            while true {
                if isClosed { throw Self.closedError() }
                if let reader = idleReaders.popLast() {
                    checkedOutReaderCount += 1
                    return reader
                }
                if openedReaderCount < readerCount {
                    // Reserve a slot and open outside the lock: opening does file I/O.
                    openedReaderCount += 1
                    checkedOutReaderCount += 1
                    return nil
                }
                monitor.wait(for: .readerAvailable)
            }
        }
        if let idle { return idle }
        do {
            return try Connection(path: path, readOnly: true, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        } catch {
            monitor.withLock {
                openedReaderCount -= 1
                checkedOutReaderCount -= 1
                wakeAfterCheckIn(.readerAvailable)
            }
            throw error
        }
    }

    private func checkIn(reader: Connection) {
        // A reader must come back with no open read transaction, or it would pin an old
        // snapshot and keep checkpoints from completing.
        if reader.isInTransaction { _ = try? reader.execute("ROLLBACK") }
        monitor.withLock {
            if isClosed {
                reader.close()
                openedReaderCount -= 1
            } else {
                idleReaders.append(reader)
            }
            checkedOutReaderCount -= 1
            wakeAfterCheckIn(.readerAvailable)
        }
    }

    /// After a return: one waiter can use the freed connection, but once closing, every waiter
    /// must wake to throw and `close()` must learn the count changed. Call with the lock held.
    private func wakeAfterCheckIn(_ event: Monitor.Event) {
        if isClosed { monitor.broadcast(event) } else { monitor.signal(event) }
    }

    // MARK: - Writing

    /// Most writes one group commit carries.
    static let maxGroupSize = 256

    /// Runs `body` with the writer inside a write transaction and returns once that transaction
    /// has committed. If `body` throws, its changes are rolled back and the error rethrown.
    ///
    /// Writes are *group-committed*: calls that arrive while another group is committing queue up,
    /// and the first of them (the leader) runs every queued body, each in its own SAVEPOINT, inside
    /// one `BEGIN IMMEDIATE … COMMIT`. A failing body only rolls back its savepoint; the others
    /// still commit. Nobody returns before the COMMIT that holds their changes succeeded, so a
    /// success still means the write is in the WAL; if the COMMIT fails, every body in the group
    /// gets that error. Bodies run on the leader's thread, one at a time, so they must not block
    /// on other writes (calling `write` inside `write` traps).
    @discardableResult
    public func write<T>(_ body: (Connection) throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            var outcome: Result<T, any Error>?
            let item = PendingWrite { conn in
                do {
                    outcome = .success(try conn.savepoint("aerie_write") { try body(conn) })
                } catch {
                    outcome = .failure(error)
                }
            }
            // `withoutActuallyEscaping` traps if the closure outlives this call: drop it on every path.
            defer { item.run = nil }
            try submit(item)
            guard let outcome else { preconditionFailure("group commit finished without running a write") }
            return try outcome.get()
        }
    }

    /// Queues one write and blocks until a group containing it has committed (possibly leading it).
    private func submit(_ item: PendingWrite) throws {
        let batch: [PendingWrite]? = try monitor.withLock {
            if isWriterCheckedOut, let holder = writerThread, pthread_equal(holder, pthread_self()) != 0 {
                preconditionFailure("DatabasePool.write called inside write on the same thread; this would deadlock")
            }
            guard !isClosed, writer != nil else { throw Self.closedError() }
            pendingWrites.append(item)
            while !item.isDone {
                if !isWriterCheckedOut, pendingWrites.first === item, !isClosed { break }
                if isClosed && !isWriterCheckedOut { break }
                monitor.wait(for: .writerAvailable)
            }
            if item.isDone { return nil }
            guard !isClosed, writer != nil else {
                pendingWrites.removeAll { $0 === item }
                throw Self.closedError()
            }
            isWriterCheckedOut = true
            writerThread = pthread_self()
            return Array(pendingWrites.prefix(Self.maxGroupSize))
        }
        guard let batch else {
            if let error = item.commitError { throw error }
            return
        }
        // This thread leads the group: it owns the writer until it checks it back in below.
        var commitError: (any Error)?
        if let writer = monitor.withLock({ self.writer }) {
            do {
                try writer.run("BEGIN IMMEDIATE")
                for pending in batch {
                    pending.run?(writer)
                    // The submitter's closure must not outlive its `write` call.
                    pending.run = nil
                }
                try writer.run("COMMIT")
            } catch {
                if writer.isInTransaction { _ = try? writer.run("ROLLBACK") }
                commitError = error
            }
            databaseChanged()
        } else {
            commitError = Self.closedError()
        }
        monitor.withLock {
            for pending in batch {
                pending.run = nil
                pending.isDone = true
                pending.commitError = commitError
            }
            pendingWrites.removeFirst(batch.count)
            isWriterCheckedOut = false
            writerThread = nil
            monitor.broadcast(.writerAvailable)
        }
        if let commitError { throw commitError }
    }

    /// Lends the writer to `body` exclusively without opening a transaction, for statements
    /// that cannot run inside one (VACUUM, some pragmas) or that manage their own.
    @discardableResult
    public func writeWithoutTransaction<T>(_ body: (Connection) throws -> T) throws -> T {
        let writer = try checkOutWriter()
        defer {
            databaseChanged()
            checkInWriter()
        }
        return try body(writer)
    }

    private func checkOutWriter() throws -> Connection {
        try monitor.withLock {
            if isWriterCheckedOut, let holder = writerThread, pthread_equal(holder, pthread_self()) != 0 {
                preconditionFailure("DatabasePool.write called inside write on the same thread; this would deadlock")
            }
            while isWriterCheckedOut && !isClosed { monitor.wait(for: .writerAvailable) }
            guard !isClosed, let writer else { throw Self.closedError() }
            isWriterCheckedOut = true
            writerThread = pthread_self()
            return writer
        }
    }

    private func checkInWriter() {
        monitor.withLock {
            isWriterCheckedOut = false
            writerThread = nil
            // Queued group-commit writers and exclusive users wait on the same condition;
            // wake them all so the head of the queue can lead.
            monitor.broadcast(.writerAvailable)
        }
    }

    // MARK: - Maintenance

    /// Checkpoints the WAL into the database file and truncates it (`wal_checkpoint(TRUNCATE)`);
    /// throws SQLITE_BUSY when long-running reads kept it from completing.
    public func checkpoint() throws {
        try writeWithoutTransaction { try $0.checkpointTruncate() }
    }

    /// Waits for every lent connection to come back, checkpoints, and closes all connections.
    ///
    /// Idempotent. Waiting and later `read`/`write` calls throw a SQLITE_MISUSE `SQLiteError`.
    public func close() {
        let (readers, writer, checkpointer): ([Connection], Connection?, Checkpointer?) = monitor.withLock {
            if isClosed { return ([], nil, nil) }
            isClosed = true
            // Waiters wake up, see isClosed and throw.
            monitor.broadcast(.readerAvailable)
            monitor.broadcast(.writerAvailable)
            while checkedOutReaderCount > 0 { monitor.wait(for: .readerAvailable) }
            while isWriterCheckedOut { monitor.wait(for: .writerAvailable) }
            let readers = idleReaders
            idleReaders = []
            openedReaderCount = 0
            let writer = self.writer
            self.writer = nil
            let checkpointer = self.checkpointer
            self.checkpointer = nil
            return (readers, writer, checkpointer)
        }
        checkpointer?.stop()
        for reader in readers { reader.close() }
        guard let writer else { return }
        // Best effort: closing the last connection checkpoints too, so a failure here only
        // means SQLite will do it on close.
        do { try writer.checkpointTruncate() } catch { Log.warning("checkpoint before closing \(path) failed: \(error)") }
        writer.close()
    }
}

/// One write queued for group commit.
private final class PendingWrite: @unchecked Sendable {
    // `isDone` and `commitError` are guarded by the pool's monitor. `run` is called only by the
    // group's leader while the submitting thread is blocked in `submit`, and the monitor orders
    // the leader's writes before the submitter reads its outcome.
    var run: ((Connection) -> Void)?
    var isDone = false
    var commitError: (any Error)?

    init(_ run: @escaping (Connection) -> Void) { self.run = run }
}

/// A shared, atomically incremented counter (the pool's write generation).
final class ChangeCounter: Sendable {
    private let counter = Atomic<UInt64>(1)
    var value: UInt64 { counter.load(ordering: .sequentiallyConsistent) }
    func bump() { counter.add(1, ordering: .sequentiallyConsistent) }
}
