// Aerie — file response bodies (sendfile) and spooled request bodies on a live server
// SPDX-License-Identifier: MIT
import AerieBase
import AerieHTTP
import AerieTesting
import Foundation
import Glibc
import Testing

/// Serves `/file` from a file (honouring `?from=&count=`), `/spool` reports how the body arrived.
private struct FileResponder: HTTPResponder {
    let path: String

    func respond(to request: HTTPRequest) -> HTTPResponse {
        switch request.path {
        case "/file":
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            var info = stat()
            fstat(fd, &info)
            let from = Int(request.queryValue("from") ?? "0") ?? 0
            let count = Int(request.queryValue("count") ?? "") ?? (Int(info.st_size) - from)
            var response = HTTPResponse(status: .ok)
            response.file = HTTPFileBody(descriptor: fd, offset: from, length: count)
            return response
        case "/spool":
            var size = 0, sum = 0
            if let spooled = request.spooledBody {
                try? spooled.forEachChunk { chunk in
                    size += chunk.count
                    for b in chunk { sum = (sum &+ Int(b)) & 0xFFFF_FFFF }
                }
            }
            let text = "spooled=\(request.spooledBody != nil) memory=\(request.body.count) size=\(size) sum=\(sum)"
            return HTTPResponse(status: .ok, body: Array(text.utf8))
        default:
            return HTTPResponse(status: .ok, body: Array("ok".utf8))
        }
    }
}

@Suite struct FileBodyTests {
    let directory: String
    let path: String
    let bytes: [UInt8]

    init() throws {
        directory = NSTemporaryDirectory() + "aerie-filebody-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/blob"
        bytes = (0..<(16 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 131 >> 3) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    func server(_ body: (Int) throws -> Void) throws {
        var config = HTTPServerConfiguration()
        config.port = 0
        config.loopCount = 1   // one loop: a blocked loop would stall every connection
        config.workerCount = 2
        config.maxBodyBytes = 64 << 20
        let spoolDir = directory
        config.bodySpool = { _, path, _ in path == "/spool" ? spoolDir : nil }
        let server = HTTPServer(configuration: config, responder: FileResponder(path: path))
        let port = try server.start()
        defer {
            server.shutdown(gracePeriod: .seconds(2))
            try? FileManager.default.removeItem(atPath: directory)
        }
        try body(port)
    }

    @Test func fileBody_IsSentWholeAndAsARange_AndHEADSendsOnlyTheLength() throws {
        try server { port in
            let client = try RawHTTPClient(port: port, timeout: .seconds(30))
            let whole = try client.request("GET", "/file")
            #expect(whole.status == 200 && whole.body == bytes)
            let part = try client.request("GET", "/file?from=1000&count=5000")
            #expect(part.body == Array(bytes[1000..<6000]))
            let head = try client.request("HEAD", "/file")
            #expect(head.header("Content-Length") == String(bytes.count) && head.body.isEmpty)
            #expect(try client.request("GET", "/other").bodyText == "ok", "keep-alive continues after file bodies")
        }
    }

    @Test func slowReaderOfAFileBody_DoesNotBlockTheLoop() throws {
        try server { port in
            let slow = try RawHTTPClient(port: port, timeout: .seconds(30))
            try slow.send("GET /file HTTP/1.1\r\nHost: x\r\n\r\n")   // never read: the socket buffer fills
            usleep(200_000)
            let started = ContinuousClock.now
            let other = try RawHTTPClient(port: port)
            #expect(try other.request("GET", "/other").bodyText == "ok")
            #expect(ContinuousClock.now - started < .seconds(2), "the loop kept serving while a file body waited")
            let rest = try slow.readResponse()
            #expect(rest.body == bytes, "the paused file body completes once read")
        }
    }

    @Test func spooledBody_ArrivesInAFileNotMemory() throws {
        try server { port in
            let client = try RawHTTPClient(port: port, timeout: .seconds(30))
            let body = Array(bytes.prefix(3 << 20))
            let expectedSum = body.reduce(0) { ($0 &+ Int($1)) & 0xFFFF_FFFF }
            let r = try client.request("POST", "/spool", body: body)
            #expect(r.bodyText == "spooled=true memory=0 size=\(body.count) sum=\(expectedSum)")
            let small = try client.request("POST", "/other", body: Array("x".utf8))
            #expect(small.status == 200)
            // The worker drops the request (and its spool file) just after answering: allow it a moment.
            var remaining = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasPrefix("aerie-body-") } ?? []
            for _ in 0..<100 where !remaining.isEmpty {
                usleep(10_000)
                remaining = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasPrefix("aerie-body-") } ?? []
            }
            #expect(remaining.isEmpty, "spool files are deleted with the request")
        }
    }
}
