// Aerie — cached scalar results: exact after every write, bounded, and aware of other processes
// SPDX-License-Identifier: MIT
import Dispatch
import Foundation
import Testing
@testable import AerieSQLite

@Suite struct ScalarCacheTests {
    func makePool(_ dir: TemporaryDirectory) throws -> DatabasePool {
        let pool = try DatabasePool(path: dir.file("db.sqlite"), readerCount: 2)
        try pool.writeWithoutTransaction { try $0.execute("CREATE TABLE t(n INTEGER)") }
        return pool
    }

    func count(_ pool: DatabasePool) throws -> Int64 {
        try pool.read { db in
            guard case .integer(let n)? = try pool.cachedScalar("SELECT COUNT(*) FROM t WHERE n >= ?", [.integer(0)], on: db) else { return -1 }
            return n
        }
    }

    @Test func repeatedQuery_isAnsweredFromTheCache_untilAWriteCommits() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        try pool.write { try $0.run("INSERT INTO t VALUES (1)") }
        #expect(try count(pool) == 1)
        #expect(pool.scalarCache.count == 1)
        let generation = pool.writeGeneration
        // The cached entry answers while nothing changed: poison it to prove the query did not run.
        pool.scalarCache.store(.integer(42), "SELECT COUNT(*) FROM t WHERE n >= ?", [.integer(0)], generation: generation)
        #expect(try count(pool) == 42)
        try pool.write { try $0.run("INSERT INTO t VALUES (2)") }
        #expect(pool.writeGeneration > generation)
        #expect(try count(pool) == 2)
    }

    @Test func failedAndExclusiveWrites_alsoInvalidate() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        #expect(try count(pool) == 0)
        try pool.writeWithoutTransaction { try $0.execute("INSERT INTO t VALUES (5)") }
        #expect(try count(pool) == 1)
        struct Refused: Error {}
        #expect(throws: Refused.self) { try pool.write { db in try db.run("INSERT INTO t VALUES (6)"); throw Refused() } }
        #expect(try count(pool) == 1)
    }

    @Test func commitsByAnotherConnection_areNoticedWithinACheckpointInterval() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        #expect(try count(pool) == 0)
        // Another process's writer, as `aerie records import` beside a running server.
        let other = try Connection(path: dir.file("db.sqlite"), readOnly: false, busyTimeoutMilliseconds: 5000)
        try other.execute("INSERT INTO t VALUES (7)")
        other.close()
        let deadline = ContinuousClock.now + .seconds(3)
        var seen: Int64 = 0
        while ContinuousClock.now < deadline {
            seen = try count(pool)
            if seen == 1 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(seen == 1)
    }

    @Test func concurrentWritesAndReads_neverSeeACountOlderThanTheirWrite() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        let failures = ScalarCacheFailures()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<100 {
                do {
                    // After our own insert has committed, a count must include it and every
                    // write committed before it. (Not writes committed since: a reader may see a
                    // commit a moment before its generation is bumped.)
                    let mine = try pool.write { db in
                        try db.run("INSERT INTO t VALUES (1)")
                        return try db.queryScalar("SELECT COUNT(*) FROM t")
                    }
                    let cached = try count(pool)
                    if case .integer(let atCommit)? = mine, cached < atCommit { failures.add() }
                } catch { failures.add() }
            }
        }
        #expect(failures.value == 0)
        #expect(try count(pool) == 400)
    }

    @Test func memory_isBounded() {
        let cache = ScalarCache(maxBytes: 64 << 10, shardCount: 4)
        for i in 0..<10_000 {
            cache.store(.integer(Int64(i)), "SELECT COUNT(*) FROM t WHERE n = ?", [.integer(Int64(i))], generation: 1)
        }
        #expect(cache.count < 1_000)
        #expect(cache.count > 0)
        // An older generation's result is never stored over a newer shard.
        cache.store(.integer(1), "SELECT 1", [], generation: 2)
        cache.store(.integer(2), "SELECT 1", [], generation: 1)
        #expect(cache.value("SELECT 1", [], generation: 2) == .integer(1))
        #expect(cache.value("SELECT 1", [], generation: 1) == nil)
    }
}

final class ScalarCacheFailures: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
