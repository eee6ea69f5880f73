// Aerie — tests for the bounded LRU of parsed filters
// SPDX-License-Identifier: MIT
import Testing
@testable import AerieFilter

@Suite struct FilterCacheTests {
    @Test func evictsTheLeastRecentlyUsedEntry() throws {
        let cache = FilterCache(capacity: 2)
        _ = try cache.expression(for: "a = 1")
        _ = try cache.expression(for: "b = 1")
        _ = try cache.expression(for: "a = 1")   // a is now the most recent
        _ = try cache.expression(for: "c = 1")   // evicts b
        #expect(cache.count == 2)
        #expect(cache.contains("a = 1"))
        #expect(!cache.contains("b = 1"))
        #expect(cache.contains("c = 1"))
        _ = try cache.expression(for: "d = 1")   // evicts a
        #expect(!cache.contains("a = 1"))
        #expect(cache.contains("c = 1") && cache.contains("d = 1"))
    }

    @Test func returnsTheSameExpressionAsTheParser() throws {
        let cache = FilterCache()
        let text = "title ~ 'x' || views > 2 && published = true"
        let first = try cache.expression(for: text)
        let second = try cache.expression(for: text)
        #expect(first == second)
        #expect(first == (try FilterParser.parse(text)))
    }

    @Test func neverGrowsPastCapacity() throws {
        // 500 entries in 8 shards of 62: each shard keeps its most recent keys.
        let cache = FilterCache(capacity: 500)
        for i in 0..<1_200 { _ = try cache.expression(for: "views = \(i)") }
        #expect(cache.count == 496)
        #expect(cache.contains("views = 1199"))
        #expect(cache.contains("views = 1190"))
        #expect(!cache.contains("views = 0"))
        #expect((0..<100).filter { cache.contains("views = \($0)") }.isEmpty)
    }

    @Test func errorsAndEmptyTextAreNotCached() throws {
        let cache = FilterCache(capacity: 4)
        #expect(try cache.expression(for: "") == nil)
        #expect(throws: FilterError.self) { try cache.expression(for: "a = ") }
        #expect(cache.count == 0)
    }

    @Test func usesItsLimits() {
        let cache = FilterCache(limits: FilterLimits(maxComparisons: 1))
        #expect(throws: FilterError("too many comparisons (max 1)", at: SourcePosition(line: 1, column: 10, offset: 9))) {
            try cache.expression(for: "a = 1 && b = 2")
        }
    }

    @Test func isSafeUnderConcurrentUse() async throws {
        let cache = FilterCache(capacity: 16)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<300 {
                        let text = "views = \((i * 7 + worker) % 40)"
                        let expr = try cache.expression(for: text)
                        guard case .comparison(_, .equal, .number) = expr else { Issue.record("wrong expression"); return }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(cache.count == 16)
    }
}
