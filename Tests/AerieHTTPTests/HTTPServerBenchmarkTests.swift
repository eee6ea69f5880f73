// Aerie — opt-in throughput and idle-connection measurements (AERIE_BENCH=1, AERIE_STRESS=1)
// SPDX-License-Identifier: MIT
import AerieHTTP
import Foundation
import AerieTesting
import Testing

/// Returns a fixed ~200-byte JSON document, like a small record view.
struct JSONResponder: HTTPResponder {
    static let body = Array(#"{"collectionId":"pbc_1234567890","collectionName":"posts","created":"2026-01-01 00:00:00.000Z","id":"abcdefghijklmno","title":"Hello from Aerie","updated":"2026-01-01 00:00:00.000Z","views":42}"#.utf8)

    func respond(to request: HTTPRequest) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Self.body)
    }
}

@Suite struct HTTPServerBenchmarkTests {
    /// `AERIE_BENCH=1 swift test -c release --filter wrkThroughput`: 5 s of `wrk -t2 -c64`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["AERIE_BENCH"] == "1"))
    func wrkThroughput() throws {
        var config = HTTPServerConfiguration()
        config.port = 0
        let server = HTTPServer(configuration: config, responder: JSONResponder())
        let port = try server.start()
        defer { server.shutdown() }
        let wrk = Process()
        wrk.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        wrk.arguments = ["-t2", "-c64", "-d5s", "--latency", "http://127.0.0.1:\(port)/api/collections/posts/records/abcdefghijklmno"]
        let pipe = Pipe()
        wrk.standardOutput = pipe
        try wrk.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        wrk.waitUntilExit()
        print(String(decoding: output, as: UTF8.self))
        #expect(wrk.terminationStatus == 0)
    }

    /// `AERIE_STRESS=1 swift test --filter idleConnections`: a child process holds 10,000 idle
    /// keep-alive connections (the client side lives in another process so both ends fit under
    /// RLIMIT_NOFILE); another client must still be answered quickly.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["AERIE_STRESS"] == "1"))
    func idleConnections() throws {
        let count = 10_000
        var config = HTTPServerConfiguration()
        config.port = 0
        let server = HTTPServer(configuration: config, responder: JSONResponder())
        let port = try server.start()
        defer { server.shutdown() }
        let rssBefore = residentKilobytes()
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import resource, socket, sys
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            socks = []
            for i in range(\(count)):
                s = socket.create_connection(("127.0.0.1", \(port)))
                socks.append(s)
            for s in socks[:100]:
                s.sendall(b"GET / HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n")
            for s in socks[:100]:
                s.recv(4096)
            print("ready", flush=True)
            sys.stdin.read()
            """]
        let input = Pipe(), output = Pipe()
        holder.standardInput = input
        holder.standardOutput = output
        try holder.run()
        let ready = output.fileHandleForReading.availableData
        #expect(String(decoding: ready, as: UTF8.self).hasPrefix("ready"))
        let rssWith = residentKilobytes()
        let client = try RawHTTPClient(port: port)
        let start = ContinuousClock.now
        for _ in 0..<100 { #expect(try client.request("GET", "/x").status == 200) }
        let elapsed = ContinuousClock.now - start
        print("10k idle: RSS before \(rssBefore) KiB, with \(count) idle connections \(rssWith) KiB; 100 requests on another connection took \(elapsed)")
        #expect(elapsed < .seconds(2))
        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
    }

    private func residentKilobytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        return -1
    }
}
