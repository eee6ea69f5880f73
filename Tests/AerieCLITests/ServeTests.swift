// Aerie — `aerie serve` as a real process: readiness line, health, access log, SIGTERM
// SPDX-License-Identifier: MIT
import AerieTesting
import Foundation
import Glibc
import Testing

/// A started `aerie serve --http 127.0.0.1:0` and the port it announced.
struct StartedServer {
    var process: AerieProcess
    var port: Int
    var readyLine: String

    /// Starts `aerie serve --http 127.0.0.1:0 extra…` and waits for its readiness line.
    init(_ extra: [String], in directory: TemporaryDirectory, environment: [String: String] = [:]) throws {
        process = try AerieProcess(["serve", "--http", "127.0.0.1:0"] + extra, in: directory, environment: environment)
        readyLine = try process.waitForStderrLine(containing: " serving http://")
        guard let match = readyLine.firstMatch(of: #/serving http://127\.0\.0\.1:([0-9]+)/api/ /#),
              let port = Int(match.1), port > 0
        else { throw CLITestError("no port in the readiness line: \(readyLine)") }
        self.port = port
    }

    /// Sends SIGTERM and returns the finished run.
    func stop() throws -> AerieResult {
        process.send(SIGTERM)
        return try process.waitForExit(timeout: .seconds(10))
    }
}

@Suite struct ServeTests {
    @Test func serve_announcesPort_servesHealth_logs_andStopsOnSIGTERM() throws {
        let directory = try TemporaryDirectory()
        let server = try StartedServer(["--dir", "data"], in: directory)
        #expect(server.readyLine.contains("built-in starter schema"), "\(server.readyLine)")
        #expect(server.readyLine.contains("from data"), "\(server.readyLine)")

        let client = try RawHTTPClient(port: server.port)
        let health = try client.request("GET", "/api/health")
        let firstOK = ContinuousClock.now - server.process.startedAt
        #expect(health.status == 200)
        #expect(health.bodyText.contains("healthy"), "\(health.bodyText)")
        print("aerie serve: process start to first 200 on /api/health: \(firstOK.formatted(.units(allowed: [.milliseconds], fractionalPart: .show(length: 1))))")

        let logLine = try server.process.waitForStdoutLine(containing: "GET /api/health 200")
        #expect(logLine.contains("127.0.0.1"), "\(logLine)")
        client.close()

        let result = try server.stop()
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("stopped"), "\(result)")
        #expect(FileManager.default.fileExists(atPath: directory.path + "/data/data.db"))
    }

    @Test func serve_quiet_suppressesAccessLog() throws {
        let directory = try TemporaryDirectory()
        let server = try StartedServer(["--dir", "data", "--quiet"], in: directory)
        let client = try RawHTTPClient(port: server.port)
        #expect(try client.request("GET", "/api/health").status == 200)
        #expect(try client.request("GET", "/api/nope").status == 404)
        client.close()
        let result = try server.stop()
        #expect(result.status == 0, "\(result)")
        // The process has exited, so every line it would have logged is in the pipe by now.
        #expect(!result.stdout.contains("/api/health"), "\(result)")
        #expect(!result.stdout.contains("/api/nope"), "\(result)")
    }

    @Test func serve_stopsOnSIGINT() throws {
        let directory = try TemporaryDirectory()
        let server = try StartedServer(["--dir", "data", "--quiet"], in: directory)
        server.process.send(SIGINT)
        let result = try server.process.waitForExit(timeout: .seconds(10))
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("stopped"), "\(result)")
    }

    @Test func serve_stops_WhenSignalledRightAfterReadiness() throws {
        // Regression: the readiness line used to be printed before SIGTERM was taken over, and a
        // signal landing on a thread that had not blocked it was discarded, so the server hung.
        for _ in 0..<5 {
            let directory = try TemporaryDirectory()
            let server = try StartedServer(["--dir", "data", "--quiet"], in: directory)
            let result = try server.stop()
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("stopped"), "\(result)")
        }
    }

    @Test func serve_fails_WhenPortTaken() throws {
        // A plain listener without SO_REUSEPORT, so the server's REUSEPORT bind must fail.
        let (fd, port) = try listenOnEphemeralPort()
        defer { close(fd) }
        let result = try aerie(["serve", "--http", "127.0.0.1:\(port)", "--dir", "data"])
        #expect(result.status == 1, "\(result)")
        #expect(result.errorMessage?.hasPrefix("error: cannot listen on 127.0.0.1:\(port)") == true, "\(result)")
    }

    @Test func serve_fails_WhenTheDataDirectoryIsAFile() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write("data", "not a directory")
        let result = try aerie("serve", "--http", "127.0.0.1:0", "--dir", "data", in: directory)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("data exists and is not a directory"), "\(result)")
    }

    @Test func serve_refusesAPortAnotherAerieServes() throws {
        // Both would set SO_REUSEPORT; without the probe bind the second would silently share the port.
        let directory = try TemporaryDirectory()
        let first = try StartedServer(["--dir", "one", "--quiet"], in: directory)
        let second = try aerie("serve", "--http", "127.0.0.1:\(first.port)", "--dir", "two", "--quiet", in: directory)
        #expect(second.status == 1, "\(second)")
        #expect(second.stderr.contains("Address already in use"), "\(second)")
        #expect(try first.stop().status == 0)
    }
}

/// A listening IPv4 socket on 127.0.0.1 with a kernel-chosen port.
private func listenOnEphemeralPort() throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw CLITestError("socket: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else {
        let code = errno
        close(fd)
        throw CLITestError("bind/listen: errno \(code)")
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
