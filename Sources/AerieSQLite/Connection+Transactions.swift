// Aerie — transactions and savepoints
// SPDX-License-Identifier: MIT

extension Connection {
    /// How a transaction takes its locks (https://sqlite.org/lang_transaction.html).
    public enum TransactionKind: Sendable {
        /// Locks are taken on first use; a later write can fail with SQLITE_BUSY on upgrade.
        case deferred
        /// Takes the write lock at BEGIN, so the transaction never fails upgrading a read lock.
        case immediate
        /// Like immediate; in WAL mode the same as immediate.
        case exclusive

        var beginSQL: String {
            switch self {
            case .deferred: "BEGIN DEFERRED"
            case .immediate: "BEGIN IMMEDIATE"
            case .exclusive: "BEGIN EXCLUSIVE"
            }
        }
    }

    /// Runs `body` inside a transaction: COMMIT when it returns, ROLLBACK when it (or COMMIT)
    /// throws, then rethrows.
    ///
    /// Defaults to IMMEDIATE: a DEFERRED transaction that reads then writes can fail with
    /// SQLITE_BUSY when upgrading its lock, and the busy handler cannot help then
    /// (https://sqlite.org/lang_transaction.html#deferred_immediate_and_exclusive_transactions).
    @discardableResult
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        try run(kind.beginSQL)
        let result: T
        do {
            result = try body()
            try run("COMMIT")
        } catch {
            rollbackIfNeeded()
            throw error
        }
        return result
    }

    /// Runs `body` inside a named savepoint, which nests: RELEASE when it returns; on throw,
    /// ROLLBACK TO then RELEASE (so the savepoint is gone either way), then rethrows.
    ///
    /// Outside a transaction, the outermost savepoint starts a DEFERRED one
    /// (https://sqlite.org/lang_savepoint.html).
    @discardableResult
    public func savepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let quoted = SQLiteDialect().quoteIdentifier(name)
        try run("SAVEPOINT \(quoted)")
        let result: T
        do {
            result = try body()
            try run("RELEASE \(quoted)")
        } catch {
            // Errors here would mask the original one; SQLite may also have rolled back already
            // (SQLITE_FULL, SQLITE_IOERR), in which case the savepoint no longer exists.
            if isInTransaction {
                _ = try? run("ROLLBACK TO \(quoted)")
                _ = try? run("RELEASE \(quoted)")
            }
            throw error
        }
        return result
    }

    /// Rolls back the open transaction, if SQLite has not already done so.
    private func rollbackIfNeeded() {
        guard isInTransaction else { return }
        _ = try? run("ROLLBACK")
    }
}
