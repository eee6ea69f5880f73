// Aerie — streaming (open-ended chunked) responses served by the event loops
// SPDX-License-Identifier: MIT
@testable import AerieHTTP
import AerieTesting
import Dispatch
import Synchronization
import Testing

/// Hands out streams for `/stream` and remembers them so the test can push into them.
final class StreamResponder: HTTPResponder {
    let streams = Mutex<[HTTPStream]>([])
    let closed = Atomic<Int>(0)
    let opened = DispatchSemaphore(value: 0)
    let ended = DispatchSemaphore(value: 0)

    func respond(to request: HTTPRequest) -> HTTPResponse {
        guard request.path == "/stream" else { return HTTPResponse(status: .ok, body: Array("plain".utf8)) }
        var limits = HTTPStream.Limits()
        if let q = request.queryValue("max").flatMap({ Int($0) }) { limits.maxQueuedBytes = q }
        if let ms = request.queryValue("idle").flatMap({ Int($0) }) { limits.idleTimeout = .milliseconds(ms) }
        if let ms = request.queryValue("life").flatMap({ Int($0) }) { limits.lifetime = .milliseconds(ms) }
        let stream = HTTPStream(limits: limits)
        stream.onClose { [self] in
            closed.wrappingAdd(1, ordering: .relaxed)
            ended.signal()
        }
        if request.queryValue("early") != nil { stream.send(Array("early\n\n".utf8)) }
        streams.withLock { $0.append(stream) }
        opened.signal()
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/event-stream")
        var response = HTTPResponse(status: .ok, headers: headers, body: Array("data:hello\n\n".utf8))
        response.stream = stream
        return response
    }

    var last: HTTPStream? { streams.withLock { $0.last } }
}

@Suite struct HTTPStreamTests {
    private func withStreamServer(_ body: (Int, StreamResponder) throws -> Void) throws {
        var config = HTTPServerConfiguration()
        config.port = 0
        config.loopCount = 2
        config.workerCount = 1
        let responder = StreamResponder()
        let server = HTTPServer(configuration: config, responder: responder)
        let port = try server.start()
        defer { server.shutdown(gracePeriod: .seconds(2)) }
        try body(port, responder)
    }

    @Test func stream_SendsChunkedHeadAndFirstChunk_ThenPushedChunks() throws {
        try withStreamServer { port, responder in
            let sse = try SSEClient(port: port, path: "/stream?early=1")
            #expect(sse.status == 200)
            #expect(sse.header("Transfer-Encoding") == "chunked")
            #expect(sse.header("Content-Length") == nil)
            #expect(sse.header("Content-Type") == "text/event-stream")
            #expect(try sse.nextEvent()?.data == "hello")
            #expect(try sse.nextEvent()?.data == "", "the chunk sent before the loop attached follows the first one")
            let stream = try #require(responder.last)
            // A single worker serves everything; it is free again while the stream stays open.
            let plain = try RawHTTPClient(port: port).request("GET", "/plain")
            #expect(plain.bodyText == "plain")
            for i in 0..<50 { #expect(stream.send(Array("data:\(i)\n\n".utf8))) }
            for i in 0..<50 { #expect(try sse.nextEvent()?.data == "\(i)") }
            stream.close()
            #expect(try sse.isEnded(within: .seconds(5)))
            #expect(String(decoding: sse.rawBody.suffix(5), as: UTF8.self) == "0\r\n\r\n")
            #expect(responder.ended.wait(timeout: .now() + 5) == .success)
            #expect(stream.queuedBytes.load(ordering: .relaxed) == 0, "every queued byte was counted and written")
            #expect(!stream.send([1]), "a closed stream refuses data")
        }
    }

    @Test func http10Client_GetsUnframedBody_EndedByClose() throws {
        try withStreamServer { port, responder in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /stream?early=1 HTTP/1.0\r\nHost: x\r\n\r\n")
            #expect(responder.opened.wait(timeout: .now() + 5) == .success)
            let stream = try #require(responder.last)
            for i in 0..<3 { #expect(stream.send(Array("data:\(i)\n\n".utf8))) }
            stream.close()
            let r = try client.readResponse()
            #expect(r.status == 200)
            // RFC 9112 §6.1: no Transfer-Encoding to an HTTP/1.0 client; the close ends the body.
            #expect(r.header("Transfer-Encoding") == nil)
            #expect(r.header("Content-Length") == nil)
            #expect(r.header("Connection")?.lowercased() == "close")
            #expect(r.bodyText == "data:hello\n\nearly\n\ndata:0\n\ndata:1\n\ndata:2\n\n", "\(r.bodyText)")
            #expect(responder.ended.wait(timeout: .now() + 5) == .success)
            #expect(stream.queuedBytes.load(ordering: .relaxed) == 0, "framing bytes taken off were accounted for")
        }
    }

    @Test func clientVanishing_RunsCloseHandler() throws {
        try withStreamServer { port, responder in
            let sse = try SSEClient(port: port, path: "/stream")
            #expect(try sse.nextEvent()?.data == "hello")
            let stream = try #require(responder.last)
            sse.close()
            #expect(responder.ended.wait(timeout: .now() + 5) == .success)
            #expect(stream.isClosed)
            #expect(!stream.send(Array("data:x\n\n".utf8)))
        }
    }

    @Test func slowClient_IsDisconnected_QueueStaysBounded() throws {
        try withStreamServer { port, responder in
            // A tiny receive window and a 64 KiB bound: the client never reads, so the bound is hit.
            let sse = try SSEClient(port: port, path: "/stream?max=65536", receiveBuffer: 4096)
            let stream = try #require(responder.last)
            let payload = [UInt8](repeating: 65, count: 8192)
            var refused = false
            for _ in 0..<10_000 {
                if !stream.send(payload) { refused = true; break }
            }
            #expect(refused, "sends are refused once the client is too far behind")
            #expect(responder.ended.wait(timeout: .now() + 5) == .success)
            #expect(stream.isClosed)
            _ = sse
        }
    }

    @Test func idleTimeout_EndsStream_AndSendingResetsIt() throws {
        try withStreamServer { port, responder in
            let sse = try SSEClient(port: port, path: "/stream?idle=400")
            #expect(try sse.nextEvent()?.data == "hello")
            let stream = try #require(responder.last)
            for i in 0..<4 {
                // Each send restarts the idle clock, so the stream outlives several idle periods.
                #expect(try sse.isEnded(within: .milliseconds(200)) == false)
                #expect(stream.send(Array("data:\(i)\n\n".utf8)))
            }
            #expect(try sse.isEnded(within: .seconds(5)))
            #expect(responder.ended.wait(timeout: .now() + 5) == .success)
        }
    }

    @Test func lifetime_EndsStream_EvenWhenBusy() throws {
        try withStreamServer { port, responder in
            let sse = try SSEClient(port: port, path: "/stream?life=500")
            let stream = try #require(responder.last)
            var ended = false
            for _ in 0..<60 {
                stream.send(Array("data:tick\n\n".utf8))
                if try sse.isEnded(within: .milliseconds(50)) { ended = true; break }
            }
            #expect(ended)
            #expect(responder.ended.wait(timeout: .now() + 5) == .success)
        }
    }

    @Test func headRequest_GetsHeadOnly_AndEndsStream() throws {
        try withStreamServer { port, responder in
            let client = try RawHTTPClient(port: port)
            let r = try client.request("HEAD", "/stream")
            #expect(r.status == 200)
            #expect(r.body.isEmpty)
            #expect(responder.ended.wait(timeout: .now() + 5) == .success)
        }
    }

    @Test func shutdown_ClosesOpenStreams() throws {
        var config = HTTPServerConfiguration()
        config.port = 0
        config.loopCount = 1
        config.workerCount = 1
        let responder = StreamResponder()
        let server = HTTPServer(configuration: config, responder: responder)
        let port = try server.start()
        let sse = try SSEClient(port: port, path: "/stream")
        #expect(try sse.nextEvent()?.data == "hello")
        let started = ContinuousClock.now
        server.shutdown(gracePeriod: .seconds(10))
        #expect(ContinuousClock.now - started < .seconds(5), "open streams do not hold up shutdown")
        #expect(responder.closed.load(ordering: .relaxed) == 1)
        #expect(try sse.isEnded(within: .seconds(5)))
    }
}
