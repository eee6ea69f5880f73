// Aerie — DatabasePool tests
// SPDX-License-Identifier: MIT
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import AerieSQLite

@Suite struct DatabasePoolTests {
    func makePool(_ dir: TemporaryDirectory, readers: Int = 3) throws -> DatabasePool {
        let pool = try DatabasePool(path: dir.file("db.sqlite"), readerCount: readers)
        try pool.writeWithoutTransaction { try $0.execute("CREATE TABLE t(n INTEGER)") }
        return pool
    }

    @Test func readersSeeOnlyCommittedData_WhileWriterWrites() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir, readers: 3)
        let writes = 200
        let readerThreads = 6  // more threads than readers: some must wait for a free one
        let violations = Atomic<Int>(0)
        let readsDone = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: readerThreads + 1) { index in
            if index == 0 {
                // Each transaction inserts two rows; a reader seeing an odd count saw half of one.
                for i in 0..<writes {
                    do {
                        try pool.write { conn in
                            try conn.run("INSERT INTO t VALUES (?)", [.integer(Int64(i))])
                            try conn.run("INSERT INTO t VALUES (?)", [.integer(Int64(i))])
                        }
                    } catch { violations.add(1, ordering: .relaxed) }
                }
            } else {
                var last: Int64 = 0
                for _ in 0..<150 {
                    do {
                        let count = try pool.read { conn -> Int64 in
                            guard case .integer(let n)? = try conn.queryScalar("SELECT count(*) FROM t") else { return -1 }
                            #expect(conn.isReadOnly)
                            return n
                        }
                        if count % 2 != 0 || count < last { violations.add(1, ordering: .relaxed) }
                        last = count
                        readsDone.add(1, ordering: .relaxed)
                    } catch { violations.add(1, ordering: .relaxed) }
                }
            }
        }
        #expect(violations.load(ordering: .relaxed) == 0)
        #expect(readsDone.load(ordering: .relaxed) == readerThreads * 150)
        #expect(try pool.read { try $0.queryScalar("SELECT count(*) FROM t") } == .integer(Int64(writes * 2)))
        pool.close()
    }

    @Test func groupCommit_ConcurrentWritersAllCommitAndFailuresStayIsolated() throws {
        // Regression: queued writers once trapped ("non-escaping closure has escaped") because the
        // leader still held their closures when they returned. Many threads, half of them failing.
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir, readers: 2)
        let threads = 48, perThread = 150
        let succeeded = Atomic<Int>(0), failed = Atomic<Int>(0)
        struct Planned: Error {}
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for i in 0..<perThread {
                let shouldFail = (t + i) % 2 == 0
                do {
                    let value: Int = try pool.write { conn in
                        try conn.run("INSERT INTO t VALUES (?)", [.integer(Int64(t * 10_000 + i))])
                        if shouldFail { throw Planned() }
                        return t * 10_000 + i
                    }
                    #expect(value == t * 10_000 + i)
                    succeeded.add(1, ordering: .relaxed)
                } catch is Planned {
                    failed.add(1, ordering: .relaxed)
                } catch {
                    Issue.record("unexpected error \(error)")
                }
            }
        }
        #expect(succeeded.load(ordering: .relaxed) == threads * perThread / 2)
        #expect(failed.load(ordering: .relaxed) == threads * perThread / 2)
        let count = try pool.read { try $0.queryScalar("SELECT COUNT(*) FROM t") }
        #expect(count == .integer(Int64(threads * perThread / 2)), "failed bodies rolled back only their own rows")
        pool.close()
    }

    @Test func writersAreSerialized() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        try pool.write { try $0.run("INSERT INTO t VALUES (0)") }
        let active = Atomic<Int>(0)
        let overlaps = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25 {
                do {
                    try pool.write { conn in
                        if active.add(1, ordering: .sequentiallyConsistent).newValue != 1 { overlaps.add(1, ordering: .relaxed) }
                        defer { active.subtract(1, ordering: .sequentiallyConsistent) }
                        // A read-modify-write in two statements loses updates unless writers are exclusive.
                        guard case .integer(let n)? = try conn.queryScalar("SELECT n FROM t") else { return }
                        try conn.run("UPDATE t SET n = ?", [.integer(n + 1)])
                    }
                } catch { overlaps.add(1, ordering: .relaxed) }
            }
        }
        #expect(overlaps.load(ordering: .relaxed) == 0)
        #expect(try pool.read { try $0.queryScalar("SELECT n FROM t") } == .integer(200))
    }

    struct Failure: Error {}

    @Test func writeRollsBack_WhenBodyThrows() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        #expect(throws: Failure.self) {
            try pool.write { conn in
                try conn.run("INSERT INTO t VALUES (1)")
                throw Failure()
            }
        }
        #expect(try pool.read { try $0.queryScalar("SELECT count(*) FROM t") } == .integer(0))
        #expect(try pool.writeWithoutTransaction { $0.isInTransaction } == false)
    }

    @Test func readers_CannotWrite() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        let error = #expect(throws: SQLiteError.self) { try pool.read { try $0.run("INSERT INTO t VALUES (1)") } }
        #expect(error?.primaryCode == SQLiteError.readOnly)
    }

    @Test func checkpointTruncatesTheWAL() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        for i in 0..<20 { try pool.write { try $0.run("INSERT INTO t VALUES (?)", [.integer(Int64(i))]) } }
        _ = try pool.read { try $0.queryScalar("SELECT count(*) FROM t") }
        let walPath = dir.file("db.sqlite-wal")
        #expect(try walSize(walPath) > 0)
        try pool.checkpoint()
        #expect(try walSize(walPath) == 0)
    }

    func walSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    @Test func close_IsIdempotent_AndLaterCallsThrowMisuse() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        try pool.write { try $0.run("INSERT INTO t VALUES (1)") }
        _ = try pool.read { try $0.queryScalar("SELECT 1") }
        pool.close()
        pool.close()
        let readError = #expect(throws: SQLiteError.self) { try pool.read { _ in 1 } }
        #expect(readError?.code == SQLiteError.misuse)
        let writeError = #expect(throws: SQLiteError.self) { try pool.write { _ in 1 } }
        #expect(writeError?.code == SQLiteError.misuse)
        #expect(throws: SQLiteError.self) { try pool.checkpoint() }
        // Closing checkpointed and removed the WAL; the data is in the main file.
        #expect(!FileManager.default.fileExists(atPath: dir.file("db.sqlite-wal")))
        let conn = try Connection(path: dir.file("db.sqlite"), readOnly: true)
        #expect(try conn.queryScalar("SELECT count(*) FROM t") == .integer(1))
    }

    @Test func close_WaitsForLentConnections() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir)
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let readerFinished = Atomic<Bool>(false)
        let finishedBeforeClose = Atomic<Bool>(false)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            _ = try? pool.read { conn in
                entered.signal()
                release.wait()
                let value = try conn.queryScalar("SELECT count(*) FROM t")  // still usable: close is waiting
                readerFinished.store(true, ordering: .sequentiallyConsistent)
                return value
            }
        }
        entered.wait()
        DispatchQueue.global().async(group: group) {
            pool.close()
            finishedBeforeClose.store(readerFinished.load(ordering: .sequentiallyConsistent), ordering: .sequentiallyConsistent)
        }
        release.signal()
        group.wait()
        let readerFinishedFirst = finishedBeforeClose.load(ordering: .sequentiallyConsistent)
        #expect(readerFinishedFirst)
        #expect(throws: SQLiteError.self) { try pool.read { _ in 1 } }
    }

    @Test func readersAreOpenedLazily_UpToReaderCount() throws {
        let dir = try TemporaryDirectory()
        let pool = try makePool(dir, readers: 2)
        // Nested reads on one thread check out two distinct connections.
        let distinct = try pool.read { outer in try pool.read { inner in outer !== inner } }
        #expect(distinct)
    }
}
