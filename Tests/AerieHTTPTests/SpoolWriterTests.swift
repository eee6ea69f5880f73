// Aerie — spooled bodies written off the event loop: a slow disk, backpressure, abandoned uploads
// SPDX-License-Identifier: MIT
import AerieBase
import AerieHTTP
import AerieTesting
import Dispatch
import Foundation
import Glibc
import Testing

/// Stands in for a slow or stuck disk: the spool writer calls `wait` before every write.
private final class SlowDisk: Sendable {
    private let isStuck: Locked<Bool>
    private let delayMicroseconds: UInt32
    /// Writes that reached the disk hook.
    let writes = Locked(0)

    init(stuck: Bool, delayMicroseconds: UInt32 = 0) {
        isStuck = Locked(stuck)
        self.delayMicroseconds = delayMicroseconds
    }

    func unstick() { isStuck.withLock { $0 = false } }

    func wait(_ bytes: Int) {
        writes.withLock { $0 += 1 }
        while isStuck.value { usleep(1000) }
        if delayMicroseconds > 0 { usleep(delayMicroseconds) }
    }
}

/// `/spool` and `/broken` report the spooled body's size and checksum; anything else says "ok".
private struct SpoolResponder: HTTPResponder {
    func respond(to request: HTTPRequest) -> HTTPResponse {
        guard let spooled = request.spooledBody else { return HTTPResponse(status: .ok, body: Array("ok".utf8)) }
        var size = 0, sum = 0
        try? spooled.forEachChunk { chunk in
            size += chunk.count
            for b in chunk { sum = (sum &+ Int(b)) & 0xFFFF_FFFF }
        }
        return HTTPResponse(status: .ok, body: Array("size=\(size) sum=\(sum)".utf8))
    }
}

/// `count` bytes of a pattern that repeats every 65,521 bytes (a prime, so reads never line up with it).
private func payload(_ count: Int) -> [UInt8] {
    let period = (0..<65_521).map { UInt8(truncatingIfNeeded: $0 &* 7 >> 2) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    while bytes.count < count { bytes += period.prefix(count - bytes.count) }
    return bytes
}

private func checksum(_ bytes: [UInt8]) -> Int {
    bytes.withUnsafeBytes { raw in raw.reduce(0) { ($0 &+ Int($1)) & 0xFFFF_FFFF } }
}

/// Polls `condition` for up to `seconds`; the test then checks it (the server works on other threads).
private func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(2000)
    }
    return condition()
}

@Suite struct SpoolWriterTests {
    static let highWater = 1 << 20
    /// The loop's read buffer: the most an upload can queue past the high-water mark.
    static let readBuffer = 64 << 10
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "aerie-spoolwriter-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// One event loop, so an upload and every other connection share it.
    fileprivate func server(_ disk: SlowDisk, configure: (inout HTTPServerConfiguration) -> Void = { _ in },
                            _ body: (Int, HTTPServer) throws -> Void) throws {
        var config = HTTPServerConfiguration()
        config.port = 0
        config.loopCount = 1
        config.workerCount = 2
        config.maxBodyBytes = 64 << 20
        config.spoolHighWaterBytes = Self.highWater
        config.spoolLowWaterBytes = Self.highWater / 4
        let spoolDir = directory
        config.bodySpool = { _, path, _ in
            switch path {
            case "/spool": spoolDir
            case "/broken": spoolDir + "/missing/directory"
            default: nil
            }
        }
        config.spoolWriteHook = { disk.wait($0) }
        configure(&config)
        let server = HTTPServer(configuration: config, responder: SpoolResponder())
        let port = try server.start()
        defer {
            disk.unstick()  // a stuck writer would keep shutdown waiting
            server.shutdown(gracePeriod: .seconds(2))
            try? FileManager.default.removeItem(atPath: directory)
        }
        try body(port, server)
    }

    var spoolFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("aerie-body-") }
    }

    /// Posts `body` to `/spool` on a background thread; the result arrives in `result`.
    func uploadInBackground(port: Int, _ body: [UInt8], group: DispatchGroup, result: Locked<String>) {
        DispatchQueue.global().async(group: group) {
            do {
                let client = try RawHTTPClient(port: port, timeout: .seconds(120))
                let r = try client.request("POST", "/spool", body: body)
                result.withLock { $0 = "\(r.status) \(r.bodyText)" }
            } catch {
                result.withLock { $0 = "error \(error)" }
            }
        }
    }

    @Test func stuckSpoolWriter_DoesNotStallOtherConnectionsOnTheLoop() throws {
        let disk = SlowDisk(stuck: true)
        try server(disk) { port, server in
            let body = payload(12 << 20)
            let group = DispatchGroup()
            let result = Locked("")
            uploadInBackground(port: port, body, group: group, result: result)
            #expect(eventually { server.spoolStatistics.pausedUploads == 1 }, "the upload is paused behind the stuck writer")
            #expect(eventually { disk.writes.value >= 1 }, "the writer is inside a write")

            let client = try RawHTTPClient(port: port, timeout: .seconds(5))
            var durations: [Duration] = []
            for _ in 0..<5 {
                let started = ContinuousClock.now
                let r = try client.request("GET", "/other")
                durations.append(ContinuousClock.now - started)
                #expect(r.bodyText == "ok")
            }
            durations.sort()
            #expect(durations[2] < .milliseconds(100), "GETs on the same loop answered promptly while the disk is stuck: \(durations)")
            let queued = server.spoolStatistics.queuedBytes
            #expect(queued <= Self.highWater + Self.readBuffer, "memory held for the upload is bounded: \(queued)")

            disk.unstick()
            group.wait()
            #expect(result.value == "200 size=\(body.count) sum=\(checksum(body))")
            #expect(server.spoolStatistics.queuedBytes == 0)
        }
    }

    @Test func slowSpoolWriter_KeepsTheQueuedBytesUnderTheHighWaterMark() throws {
        let disk = SlowDisk(stuck: false, delayMicroseconds: 3000)
        try server(disk) { port, server in
            let body = payload(16 << 20)
            let client = try RawHTTPClient(port: port, timeout: .seconds(120))
            let r = try client.request("POST", "/spool", body: body)
            #expect(r.status == 200)
            #expect(r.bodyText == "size=\(body.count) sum=\(checksum(body))", "chunks are written whole and in order")
            let stats = server.spoolStatistics
            #expect(stats.pauses >= 1, "the slow writer made the loop stop reading")
            #expect(stats.peakUploadQueuedBytes <= Self.highWater + Self.readBuffer,
                    "queued bytes peaked at \(stats.peakUploadQueuedBytes)")
            #expect(stats.queuedBytes == 0 && stats.pausedUploads == 0)
            // The same connection keeps working after a paused and resumed upload.
            #expect(try client.request("GET", "/other").bodyText == "ok")
        }
    }

    @Test func uploadClosedMidway_LeavesNoSpoolFileAndNoQueuedBytes() throws {
        let disk = SlowDisk(stuck: true)
        try server(disk) { port, server in
            // Paused behind a stuck writer, then abandoned.
            // A short send timeout: the send stalls once the server stops reading and the socket buffers fill.
            let client = try RawHTTPClient(port: port, timeout: .seconds(1))
            try client.send("POST /spool HTTP/1.1\r\nHost: x\r\nContent-Length: \(16 << 20)\r\n\r\n")
            try? client.send(payload(6 << 20))
            #expect(eventually { server.spoolStatistics.pausedUploads == 1 })
            client.close()
            disk.unstick()
            #expect(eventually { spoolFiles.isEmpty && server.spoolStatistics.queuedBytes == 0 },
                    "left: \(spoolFiles), queued \(server.spoolStatistics.queuedBytes)")

            // Written to disk (no backpressure), then abandoned.
            let second = try RawHTTPClient(port: port, timeout: .seconds(30))
            try second.send("POST /spool HTTP/1.1\r\nHost: x\r\nContent-Length: \(1 << 20)\r\n\r\n")
            try second.send(payload(100_000))
            #expect(eventually { spoolFiles.count == 1 && server.spoolStatistics.queuedBytes == 0 }, "the partial body is on disk")
            second.close()
            #expect(eventually { spoolFiles.isEmpty }, "left: \(spoolFiles)")
            #expect(try RawHTTPClient(port: port).request("GET", "/other").bodyText == "ok")
        }
    }

    @Test func pausedUpload_OutlivesTheBodyTimeout_ButAStalledClientDoesNot() throws {
        let disk = SlowDisk(stuck: true)
        try server(disk, configure: { $0.bodyReadTimeout = .seconds(1) }) { port, server in
            let body = payload(4 << 20)
            let group = DispatchGroup()
            let result = Locked("")
            uploadInBackground(port: port, body, group: group, result: result)
            #expect(eventually { server.spoolStatistics.pausedUploads == 1 })
            usleep(1_600_000)  // the body timeout passes while we, not the client, hold the upload back
            disk.unstick()
            group.wait()
            #expect(result.value == "200 size=\(body.count) sum=\(checksum(body))")

            // A client that stops sending mid-body is still closed by the body timeout.
            let stalled = try RawHTTPClient(port: port, timeout: .seconds(10))
            try stalled.send("POST /spool HTTP/1.1\r\nHost: x\r\nContent-Length: \(1 << 20)\r\n\r\n")
            try stalled.send(payload(100_000))
            #expect(stalled.isClosedByPeer(within: .seconds(5)))
            #expect(eventually { spoolFiles.isEmpty }, "left: \(spoolFiles)")
        }
    }

    @Test func spoolFileThatCannotBeCreated_Answers500AndCloses() throws {
        try server(SlowDisk(stuck: false)) { port, server in
            let client = try RawHTTPClient(port: port, timeout: .seconds(30))
            let r = try client.request("POST", "/broken", body: payload(300_000))
            expectEnvelope(r, 500, "Something went wrong while processing your request.", closes: client)
            #expect(server.spoolStatistics.queuedBytes == 0)
        }
    }
}
