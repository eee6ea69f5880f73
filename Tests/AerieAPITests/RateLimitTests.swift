// Aerie — per-identity and per-IP rate limits on auth endpoints (429 with Retry-After)
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import AerieTesting
import Testing

@Suite struct RateLimitTests {
    @Test func failedLogins_perIdentity_then429_EvenWithTheRightPassword() throws {
        let server = try flowServer()
        defer { server.stop() }
        try server.app.settings.update { s in s.set("rateLimits.identity.maxRequests", 3); s.set("rateLimits.identity.duration", 600) }
        _ = try server.signUp("alice@example.com")
        for _ in 0..<3 { #expect(try server.login("alice@example.com", "wrong-password") == nil) }
        let limited = try server.post("users", "auth-with-password", ["identity": "alice@example.com", "password": "password-1"])
        #expect(limited.status == 429, "\(limited.text)")
        #expect(limited.json["message"]?.stringValue == "Too Many Requests.")
        #expect(limited.json["status"]?.intValue == 429)
        let retry = try #require(limited.header("Retry-After").flatMap(Int.init))
        #expect(retry > 0 && retry <= 600)
        // Case does not make it another identity; another identity is not affected.
        #expect(try server.post("users", "auth-with-password", ["identity": "ALICE@example.com", "password": "password-1"]).status == 429)
        _ = try server.signUp("bob@example.com")
        #expect(try server.login("bob@example.com", "password-1") != nil)
    }

    @Test func unknownIdentities_areLimitedTheSameWay() throws {
        let server = try flowServer()
        defer { server.stop() }
        try server.app.settings.update { s in s.set("rateLimits.identity.maxRequests", 2) }
        let statuses = try (0..<3).map { _ in try server.post("users", "auth-with-password", ["identity": "ghost@example.com", "password": "x"]).status }
        #expect(statuses == [400, 400, 429])
    }

    @Test func successfulLogin_resetsTheIdentityCount() throws {
        let server = try flowServer()
        defer { server.stop() }
        try server.app.settings.update { s in s.set("rateLimits.identity.maxRequests", 2) }
        _ = try server.signUp("alice@example.com")
        #expect(try server.login("alice@example.com", "wrong-password") == nil)
        #expect(try server.login("alice@example.com", "password-1") != nil)
        #expect(try server.login("alice@example.com", "wrong-password") == nil)
        #expect(try server.login("alice@example.com", "password-1") != nil)
    }

    @Test func mailRequests_perEmail_then429() throws {
        let server = try flowServer()
        defer { server.stop() }
        try server.app.settings.update { s in s.set("rateLimits.identity.maxRequests", 2) }
        let statuses = try (0..<3).map { _ in try server.post("users", "request-password-reset", ["email": "ghost@example.com"]).status }
        #expect(statuses == [204, 204, 429])
    }

    @Test func ipRules_applyOnlyWhenEnabled_WithPocketBaseLabels() throws {
        let server = try flowServer()
        defer { server.stop() }
        _ = try server.signUp("alice@example.com")
        // Off by default (PocketBase's default too).
        for _ in 0..<4 { #expect(try server.login("alice@example.com", "password-1") != nil) }
        try server.app.settings.update { s in
            s.set("rateLimits.enabled", true)
            s.set("rateLimits.rules", [["label": "*:auth", "audience": "", "duration": 60, "maxRequests": 2],
                                       ["label": "users:list", "audience": "@guest", "duration": 60, "maxRequests": 1]])
        }
        #expect(try server.login("alice@example.com", "password-1") != nil)
        #expect(try server.login("alice@example.com", "password-1") != nil)
        let limited = try server.post("users", "auth-with-password", ["identity": "alice@example.com", "password": "password-1"])
        #expect(limited.status == 429)
        #expect(limited.header("Retry-After") != nil)
        #expect(limited.json["message"]?.stringValue == "Too Many Requests.")
        // Another collection's sign-in has its own counter for the same wildcard rule.
        _ = try server.request("POST", "/api/collections/members/records", json: ["email": "m@example.com", "password": "password-1", "passwordConfirm": "password-1"])
        #expect(try server.login("m@example.com", "password-1", in: "members") != nil)
        // Audience: the guest-only list rule does not touch signed-in callers.
        #expect(try server.request("GET", "/api/collections/users/records").status == 200)
        #expect(try server.request("GET", "/api/collections/users/records").status == 429)
        let member = try server.superuserToken()
        #expect(try server.request("GET", "/api/collections/users/records", token: member).status == 200, "superusers are never limited")
    }

    @Test func excludedIPs_areNeverLimited() throws {
        let server = try flowServer()
        defer { server.stop() }
        try server.app.settings.update { s in
            s.set("rateLimits.enabled", true)
            s.set("rateLimits.rules", [["label": "/api/", "audience": "", "duration": 60, "maxRequests": 1]])
            s.set("rateLimits.excludedIPs", ["127.0.0.1"])
        }
        for _ in 0..<3 { #expect(try server.request("GET", "/api/health").status == 200) }
    }

    @Test func trustedProxyHeader_namesTheClient() throws {
        let server = try flowServer()
        defer { server.stop() }
        try server.app.settings.update { s in
            s.set("rateLimits.enabled", true)
            s.set("rateLimits.rules", [["label": "/api/", "audience": "", "duration": 60, "maxRequests": 1]])
            s.set("trustedProxy.headers", ["X-Forwarded-For"])
        }
        func get(_ ip: String) throws -> Int { try server.request("GET", "/api/health", headers: [("X-Forwarded-For", "10.0.0.9, \(ip)")]).status }
        #expect(try get("203.0.113.1") == 200)
        #expect(try get("203.0.113.1") == 429)
        #expect(try get("203.0.113.2") == 200, "the rightmost entry is the client by default")
    }
}
