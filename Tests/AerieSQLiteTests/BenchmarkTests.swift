// Aerie — opt-in throughput measurements (AERIE_BENCHMARK=1 swift test -c release --filter Benchmark)
// SPDX-License-Identifier: MIT
import Foundation
import Testing
@testable import AerieSQLite

@Suite(.enabled(if: ProcessInfo.processInfo.environment["AERIE_BENCHMARK"] == "1"))
struct BenchmarkTests {
    @Test func singleRowWriteTransactions_AndCachedPointReads() throws {
        let dir = try TemporaryDirectory()
        let pool = try DatabasePool(path: dir.file("bench.sqlite"), readerCount: 2)
        try pool.writeWithoutTransaction {
            try $0.execute("CREATE TABLE posts(id TEXT PRIMARY KEY, title TEXT, views INTEGER)")
        }
        let inserts = 5_000
        var start = ContinuousClock.now
        for i in 0..<inserts {
            try pool.write { conn in
                try conn.run("INSERT INTO posts VALUES (?, ?, ?)", [.text("id\(i)"), .text("title \(i)"), .integer(Int64(i))])
            }
        }
        let writeSeconds = seconds(ContinuousClock.now - start)
        let reads = 200_000
        start = ContinuousClock.now
        var total: Int64 = 0
        try pool.read { conn in
            for i in 0..<reads {
                let statement = try conn.cachedStatement("SELECT views FROM posts WHERE id = ?")
                statement.bind(text: "id\(i % inserts)", at: 1)
                if try statement.step() { total &+= statement.int64(0) }
                statement.reset()
            }
        }
        let readSeconds = seconds(ContinuousClock.now - start)
        #expect(total > 0)
        print("BENCH single-row write transactions: \(Int(Double(inserts) / writeSeconds)) /s")
        print("BENCH cached point reads: \(Int(Double(reads) / readSeconds)) /s")
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
