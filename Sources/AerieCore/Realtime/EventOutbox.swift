// Aerie — the `_events` outbox: record events written by other processes for the server to publish
// SPDX-License-Identifier: MIT
import AerieBase
import AerieSQLite
#if canImport(Glibc)
import Glibc
#endif

/// The transactional outbox through which writers that are not the server (`aerie records
/// import`) announce record changes to a running `aerie serve` on the same data directory.
///
/// A writer inserts one `_events` row per changed record inside the transaction that changes it,
/// so the rows exist if and only if the change committed. The server tails the table
/// (`OutboxTailer`), publishes each row to its realtime subscribers and deletes it. Writers only
/// fill the outbox while a server holds the presence lock (`ServerPresence`), so imports into a
/// directory nobody serves leave no rows behind.
///
/// `id` is `AUTOINCREMENT`: ids are never reused, even after the server deleted every row, so
/// "rows after the last id seen" is a sound cursor. SQLite has one writer at a time, so every row
/// of a later commit has a larger id than every row of an earlier one.
public enum EventOutbox {
    static let tableSQL = """
        CREATE TABLE IF NOT EXISTS "_events" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "collectionRef" TEXT NOT NULL, \
        "recordRef" TEXT NOT NULL, "action" TEXT NOT NULL)
        """
    static let insertSQL = #"INSERT INTO "_events" ("collectionRef", "recordRef", "action") VALUES (?, ?, ?)"#

    /// Creates the table if needed (idempotent; runs when a data directory is opened).
    static func prepare(_ db: Connection) throws {
        try db.run(tableSQL)
    }

    /// Queues one event inside the caller's open write transaction.
    static func append(_ action: RecordChange.Action, collectionID: String, recordID: String, db: Connection) throws {
        let stmt = try db.cachedStatement(insertSQL)
        defer { stmt.reset() }
        try stmt.bind(.text(collectionID), at: 1)
        try stmt.bind(.text(recordID), at: 2)
        try stmt.bind(.text(action.rawValue), at: 3)
        _ = try stmt.step()
    }
}

/// Tells writers in other processes that a server tails the outbox of a data directory: an
/// `flock(2)` on `<dir>/.aerie.events.lock`, held shared by every running server for its whole
/// life (several servers may share a directory) and probed by writers with a non-blocking
/// exclusive lock that they release at once. The kernel drops the lock with the process, so a
/// crashed server never makes imports fill an outbox nobody reads.
public final class ServerPresence {
    private let fd: Int32

    static func path(in directory: String) -> String { directory + "/.aerie.events.lock" }

    /// Marks the directory as served until this value is released.
    /// - Throws: `StartupError` when the lock file cannot be opened or locked.
    public init(directory: String) throws {
        let path = Self.path(in: directory)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StartupError("cannot open the lock file \(path): \(String(cString: strerror(errno)))") }
        // Blocking: a writer's probe holds the exclusive lock only for an instant.
        while flock(fd, LOCK_SH) != 0 {
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            close(fd)
            throw StartupError("cannot lock \(path): \(reason)")
        }
    }

    deinit { close(fd) }

    /// Whether a server is running on `directory` now. A server that starts right after the
    /// probe is not seen; one that stops after it just leaves rows its successor discards.
    public static func isServerRunning(directory: String) -> Bool {
        let fd = open(path(in: directory), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            return errno == EWOULDBLOCK
        }
        _ = flock(fd, LOCK_UN)
        return false
    }
}
