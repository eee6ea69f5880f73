// Aerie — `aerie serve` gives password-hash buffers back to the system
// SPDX-License-Identifier: MIT
import AerieBase
import AerieTesting
import Dispatch
import Foundation
import Testing

@Suite struct ServeMemoryTests {
    /// The server's resident set in KiB, from `/proc/<pid>/status`.
    func residentKiB(_ pid: pid_t) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else { throw CLITestError("no VmRSS in /proc/\(pid)/status") }
        return kib
    }

    /// Each sign-in allocates a 16 MiB scrypt buffer on a worker thread. Without a fixed mmap
    /// threshold glibc kept one such buffer per worker arena: 24 concurrent sign-ins left the
    /// idle server near 200 MiB. With `MemoryPolicy` they must cost less than 48 MiB.
    @Test func signIns_doNotLeaveScryptBuffersResident() throws {
        let directory = try TemporaryDirectory()
        let created = try aerie(["superuser", "upsert", "root@example.com", "password-123456", "--dir", directory.path + "/data"])
        #expect(created.status == 0, "\(created)")
        let server = try StartedServer(["--dir", "data", "--quiet"], in: directory)
        defer { _ = try? server.stop() }
        let before = try residentKiB(server.process.processID)
        let body = Array(#"{"identity":"root@example.com","password":"password-123456"}"#.utf8)
        let port = server.port
        let statuses = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            guard let client = try? RawHTTPClient(port: port) else { return }
            defer { client.close() }
            for _ in 0..<4 {
                let r = try? client.request("POST", "/api/collections/_superusers/auth-with-password",
                                            headers: [("Content-Type", "application/json")], body: body)
                statuses.withLock { $0.append(r?.status ?? 0) }
            }
        }
        #expect(statuses.withLock { $0 } == Array(repeating: 200, count: 24))
        let after = try residentKiB(server.process.processID)
        #expect(after - before < 48 * 1024, "RSS grew from \(before / 1024) MiB to \(after / 1024) MiB after 24 sign-ins")
    }
}
