// Aerie — a bounded per-connection cache of prepared statements
// SPDX-License-Identifier: MIT

/// Prepared statements keyed by SQL text, bounded by least-recent use.
///
/// A hit costs one dictionary lookup plus a counter store on the statement; eviction scans
/// the (at most `capacity`) entries, which only happens when a new SQL text arrives at a full
/// cache. Confined to its connection's thread like the connection itself.
struct StatementCache {
    /// Maximum number of cached statements.
    let capacity: Int
    private var statements: [String: Statement] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity > 0, "statement cache capacity must be positive")
        self.capacity = capacity
    }

    /// Number of cached statements.
    var count: Int { statements.count }

    /// The cached statement for `sql`, marked as just used.
    mutating func statement(for sql: String) -> Statement? {
        guard let statement = statements[sql] else { return nil }
        clock &+= 1
        statement.lastUse = clock
        return statement
    }

    /// Adds a statement, evicting the least recently used one when full.
    mutating func insert(_ statement: Statement) {
        if statements.count >= capacity, let victim = statements.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            // Dropping the last reference finalizes the statement (Statement.deinit).
            statements.removeValue(forKey: victim.key)
        }
        clock &+= 1
        statement.lastUse = clock
        statements[statement.sql] = statement
    }

    /// Drops every statement; those not referenced elsewhere are finalized now.
    mutating func removeAll() { statements.removeAll() }
}
