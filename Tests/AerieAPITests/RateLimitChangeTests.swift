// Aerie — per-IP rate-limit windows start over when the rules change at run time
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieJSON
import AerieTesting
import Testing

@Suite struct RateLimitChangeTests {
    /// A server whose guests may list `users` `max` times per `duration` seconds.
    func limited(max: Int, duration: Int) throws -> (TestServer, String) {
        let s = try flowServer()
        let token = try s.superuserToken()
        let r = try s.request("PATCH", "/api/settings", json: ["rateLimits": ["enabled": true, "rules": [Self.rule(max, duration)]]],
                              token: token)
        #expect(r.status == 200, "\(r.text)")
        return (s, token)
    }

    static func rule(_ max: Int, _ duration: Int) -> JSON {
        ["label": "users:list", "audience": "@guest", "duration": .int(Int64(duration)), "maxRequests": .int(Int64(max))]
    }

    func statuses(_ s: TestServer, _ n: Int) throws -> [Int] {
        try (0..<n).map { _ in try s.request("GET", "/api/collections/users/records").status }
    }

    @Test func raisedLimit_AppliesAtOnce() throws {
        let (s, token) = try limited(max: 2, duration: 600)
        defer { s.stop() }
        #expect(try statuses(s, 3) == [200, 200, 429])
        let r = try s.request("PATCH", "/api/settings", json: ["rateLimits": ["rules": [Self.rule(3, 600)]]], token: token)
        #expect(r.status == 200, "\(r.text)")
        // The two requests spent under the old rule do not count against the new one.
        #expect(try statuses(s, 4) == [200, 200, 200, 429])
    }

    @Test func shorterDuration_AppliesAtOnce() throws {
        let (s, token) = try limited(max: 1, duration: 3600)
        defer { s.stop() }
        #expect(try statuses(s, 2) == [200, 429])
        let before = try s.request("GET", "/api/collections/users/records")
        #expect(Int(before.header("Retry-After") ?? "") ?? 0 > 3000, "the hour-long window: \(before.headers)")
        _ = try s.request("PATCH", "/api/settings", json: ["rateLimits": ["rules": [Self.rule(1, 5)]]], token: token)
        #expect(try statuses(s, 1) == [200])
        let after = try s.request("GET", "/api/collections/users/records")
        #expect(after.status == 429)
        #expect(Int(after.header("Retry-After") ?? "") ?? 0 <= 5, "a window of the new duration: \(after.headers)")
    }

    @Test func switchingOffAndOn_StartsFromZero() throws {
        let (s, token) = try limited(max: 2, duration: 600)
        defer { s.stop() }
        #expect(try statuses(s, 3) == [200, 200, 429])
        _ = try s.request("PATCH", "/api/settings", json: ["rateLimits": ["enabled": false]], token: token)
        #expect(try statuses(s, 3) == [200, 200, 200])
        _ = try s.request("PATCH", "/api/settings", json: ["rateLimits": ["enabled": true]], token: token)
        #expect(try statuses(s, 3) == [200, 200, 429])
    }

    @Test func unrelatedChange_KeepsTheWindows() throws {
        let (s, token) = try limited(max: 2, duration: 600)
        defer { s.stop() }
        #expect(try statuses(s, 3) == [200, 200, 429])
        let r = try s.request("PATCH", "/api/settings", json: ["meta": ["appName": "Renamed"]], token: token)
        #expect(r.status == 200, "\(r.text)")
        // Saving the same rules again is no change either.
        _ = try s.request("PATCH", "/api/settings", json: ["rateLimits": ["rules": [Self.rule(2, 600)]]], token: token)
        #expect(try statuses(s, 1) == [429])
    }

    @Test func limiter_AdoptDropsWindowsOnlyOnANewRevision() {
        let limiter = RateLimiter()
        let now = Timestamp.now()
        #expect(limiter.consume("k", maxRequests: 1, duration: 60, now: now) == nil)
        #expect(limiter.consume("k", maxRequests: 1, duration: 60, now: now) != nil)
        limiter.adopt(revision: 0)
        #expect(limiter.consume("k", maxRequests: 1, duration: 60, now: now) != nil, "same revision: kept")
        limiter.adopt(revision: 1)
        #expect(limiter.consume("k", maxRequests: 1, duration: 60, now: now) == nil, "new revision: dropped")
        limiter.adopt(revision: 1)
        #expect(limiter.consume("k", maxRequests: 1, duration: 60, now: now) != nil)
    }
}
