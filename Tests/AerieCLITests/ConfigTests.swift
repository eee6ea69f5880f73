// Aerie — `aerie config list|get|set|unset` as a subprocess
// SPDX-License-Identifier: MIT
import AerieTesting
import Foundation
import Glibc
import Testing

@Suite struct ConfigTests {
    @Test func set_get_unset_roundTrip() throws {
        let directory = try TemporaryDirectory()
        let set = try aerie("config", "set", "meta.appName", "My App", "--dir", "data", in: directory)
        #expect(set.status == 0, "\(set)")
        #expect(set.stdout == "meta.appName = My App\n", "\(set)")
        let got = try aerie("config", "get", "meta.appName", "--dir", "data", in: directory)
        #expect(got.stdout == "My App\n", "\(got)")
        let port = try aerie("config", "set", "smtp.port", "2525", "--dir", "data", in: directory)
        #expect(port.status == 0, "\(port)")
        let listed = try aerie("config", "list", "--dir", "data", in: directory)
        #expect(listed.status == 0, "\(listed)")
        let lines = listed.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.contains(["smtp.port", "2525", "stored"]), "\(listed)")
        #expect(lines.contains(["smtp.host", "smtp.example.com", "default"]), "\(listed)")
        let unset = try aerie("config", "unset", "smtp.port", "--dir", "data", in: directory)
        #expect(unset.status == 0, "\(unset)")
        let after = try aerie("config", "get", "smtp.port", "--dir", "data", in: directory)
        #expect(after.stdout == "587\n", "\(after)")
    }

    @Test func password_isNeverPrinted() throws {
        let directory = try TemporaryDirectory()
        let set = try aerie("config", "set", "smtp.password", "hunter2-secret", "--dir", "data", in: directory)
        #expect(set.status == 0, "\(set)")
        let got = try aerie("config", "get", "smtp.password", "--dir", "data", in: directory)
        let listed = try aerie("config", "list", "--dir", "data", in: directory)
        for r in [set, got, listed] {
            #expect(!r.stdout.contains("hunter2") && !r.stderr.contains("hunter2"), "\(r)")
        }
        #expect(got.stdout == "********\n", "\(got)")
    }

    @Test(arguments: [["smtp.port", "70000"], ["smtp.port", "abc"], ["meta.appURL", "not a url"], ["smtp.tlsMode", "maybe"]])
    func set_fails_WhenValueInvalid(_ pair: [String]) throws {
        let directory = try TemporaryDirectory()
        let r = try aerie(["config", "set"] + pair + ["--dir", "data"], in: directory)
        #expect(r.status == 1, "\(r)")
        #expect(r.errorMessage?.hasPrefix("error: \(pair[0]): ") == true, "\(r)")
        #expect(r.stdout.isEmpty)
        let got = try aerie("config", "get", pair[0], "--dir", "data", in: directory)
        #expect(got.status == 0)
        #expect(!got.stdout.contains(pair[1]), "nothing was stored: \(got)")
    }

    @Test(arguments: [["config", "get", "nope.key"], ["config", "frobnicate"], ["config", "set", "smtp.port"], ["config"]])
    func usageErrors_exit64(_ arguments: [String]) throws {
        let r = try aerie(arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.hasPrefix("error: "), "\(r)")
        #expect(r.stderr.contains("Usage: aerie config"), "\(r)")
    }

    @Test func environment_overridesStoredValue() throws {
        let directory = try TemporaryDirectory()
        _ = try aerie("config", "set", "smtp.host", "stored.example.com", "--dir", "data", in: directory)
        let r = try aerie(["config", "get", "smtp.host", "--dir", directory.path + "/data"], environment: ["AERIE_SMTP_HOST": "env.example.com"])
        #expect(r.stdout == "env.example.com\n", "\(r)")
        let bad = try aerie(["config", "list", "--dir", directory.path + "/data"], environment: ["AERIE_SMTP_PORT": "zero"])
        #expect(bad.status == 1, "\(bad)")
        #expect(bad.stderr.contains("AERIE_SMTP_PORT"), "\(bad)")
    }

    @Test func serve_refusesToStart_WithAnInvalidEnvironmentOverride() throws {
        let directory = try TemporaryDirectory()
        let process = try AerieProcess(["serve", "--http", "127.0.0.1:0", "--dir", "data", "--quiet"], in: directory,
                                       environment: ["AERIE_RATE_LIMITS_IDENTITY_DURATION": "0"])
        let r = try process.waitForExit()
        #expect(r.status == 1, "\(r)")
        #expect(r.errorMessage?.contains("AERIE_RATE_LIMITS_IDENTITY_DURATION") == true, "\(r)")
    }

    @Test func serve_readsCORSOriginsFromSettings() throws {
        let directory = try TemporaryDirectory()
        _ = try aerie("config", "set", "cors.origins", "https://app.example.com", "--dir", "data", in: directory)
        let server = try AerieProcess(["serve", "--http", "127.0.0.1:0", "--dir", "data", "--quiet"], in: directory)
        let line = try server.waitForStderrLine(containing: "serving http://")
        let port = try #require(line.firstMatch(of: #/127\.0\.0\.1:(\d+)/#).map { Int($0.1)! })
        let allowed = try httpHeaders(port: port, origin: "https://app.example.com")
        let denied = try httpHeaders(port: port, origin: "https://evil.example.com")
        server.send(SIGTERM)
        _ = try server.waitForExit()
        #expect(allowed.contains("access-control-allow-origin: https://app.example.com"), "\(allowed)")
        #expect(!denied.contains("access-control-allow-origin"), "\(denied)")
    }
}

/// The response headers of `GET /api/health` with an Origin header, as lower-cased `name: value` lines.
private func httpHeaders(port: Int, origin: String) throws -> String {
    let client = try RawHTTPClient(port: port)
    defer { client.close() }
    let r = try client.request("GET", "/api/health", headers: [("Origin", origin)], body: nil)
    return r.headers.map { "\($0.0.lowercased()): \($0.1)" }.joined(separator: "\n")
}
