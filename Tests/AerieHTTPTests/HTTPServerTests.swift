// Aerie — live HTTPServer tests over real sockets with the raw client
// SPDX-License-Identifier: MIT
import AerieBase
import AerieHTTP
import Dispatch
import Foundation
import AerieTesting
import Testing

/// A one-way gate a responder can block on, plus a signal that it got there.
final class Gate: Sendable {
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
}

/// Echoes method, path, query and body; blocks on `gate` for `/block`.
struct TestResponder: HTTPResponder {
    let gate: Gate

    func respond(to request: HTTPRequest) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/plain")
        switch request.path {
        case "/block":
            gate.entered.signal()
            gate.release.wait()
            return HTTPResponse(status: .ok, headers: headers, body: Array("released".utf8))
        case "/echo":
            let text = "\(request.method) \(request.path) q=\(request.queryValue("q") ?? "-") body=" + String(decoding: request.body, as: UTF8.self)
            return HTTPResponse(status: .ok, headers: headers, body: Array(text.utf8))
        case "/empty":
            return HTTPResponse(status: .noContent)
        default:
            return HTTPResponse(status: .ok, headers: headers, body: Array("hello \(request.path)".utf8))
        }
    }
}

/// Starts a server on 127.0.0.1:0, runs `body`, then shuts it down.
func withServer(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }, gate: Gate = Gate(),
                _ body: (Int, HTTPServer) throws -> Void) throws {
    var config = HTTPServerConfiguration()
    config.port = 0
    config.loopCount = 2
    config.workerCount = 2
    configure(&config)
    let server = HTTPServer(configuration: config, responder: TestResponder(gate: gate))
    let port = try server.start()
    defer { server.shutdown(gracePeriod: .seconds(2)) }
    try body(port, server)
}

/// Checks the PocketBase error envelope and that the server closes the connection.
func expectEnvelope(_ response: RawHTTPResponse, _ status: Int, _ message: String, closes client: RawHTTPClient,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == status, sourceLocation: sourceLocation)
    #expect(response.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
    #expect(response.bodyText == #"{"data":{},"message":"\#(message)","status":\#(status)}"#, sourceLocation: sourceLocation)
    #expect(response.header("Connection") == "close", sourceLocation: sourceLocation)
    #expect(client.isClosedByPeer(within: .seconds(5)), sourceLocation: sourceLocation)
}

@Suite struct HTTPServerTests {
    @Test func simpleGet() throws {
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            let r = try client.request("GET", "/hi")
            #expect(r.status == 200)
            #expect(r.bodyText == "hello /hi")
            #expect(r.header("Content-Length") == "9")
            #expect(r.header("Date")?.hasSuffix("GMT") == true)
            #expect(r.header("Connection") == nil)
        }
    }

    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            for i in 0..<20 {
                let r = try client.request("GET", "/echo?q=\(i)")
                #expect(r.bodyText == "GET /echo q=\(i) body=")
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send((1...3).map { "GET /echo?q=\($0) HTTP/1.1\r\nHost: h\r\n\r\n" }.joined())
            for i in 1...3 { #expect(try client.readResponse().bodyText == "GET /echo q=\(i) body=") }
        }
    }

    @Test func chunkedRequestBody() throws {
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=1\r\nefg\r\n0\r\n\r\n")
            #expect(try client.readResponse().bodyText == "POST /echo q=- body=abcdefg")
        }
    }

    @Test func expectContinueWithinLimit() throws {
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            let interim = try client.readResponse()
            #expect(interim.status == 100)
            try client.send("hello")
            #expect(try client.readResponse().bodyText == "POST /echo q=- body=hello")
        }
    }

    @Test func expectContinueOverLimitGets413WithoutReading() throws {
        try withServer({ $0.maxBodyBytes = 10 }) { port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n")
            expectEnvelope(try client.readResponse(), 413, "Request entity too large.", closes: client)
        }
    }

    @Test func headGetsLengthButNoBody() throws {
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            let r = try client.request("HEAD", "/abc")
            #expect(r.status == 200)
            #expect(r.header("Content-Length") == "10")
            // The next response must start right away: no stray body bytes in between.
            #expect(try client.request("GET", "/abc").bodyText == "hello /abc")
        }
    }

    @Test func noContentHasNoLength() throws {
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            let r = try client.request("GET", "/empty")
            #expect(r.status == 204)
            #expect(r.header("Content-Length") == nil)
        }
    }

    static let errorCases: [(String, Int, String)] = [
        ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414, "Request URI too long."),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 40000) + "\r\n\r\n", 431, "Request header fields too large."),
        ("GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X: 1\r\n", count: 120) + "\r\n", 431, "Request header fields too large."),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\n", 413, "Request entity too large."),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Something went wrong while processing your request."),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400, "Something went wrong while processing your request."),
        ("BAD\r\n\r\n", 400, "Something went wrong while processing your request."),
    ]

    @Test(arguments: 0..<errorCases.count)
    func serverErrorsUseTheEnvelopeAndClose(_ index: Int) throws {
        let (request, status, message) = Self.errorCases[index]
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send(request)
            expectEnvelope(try client.readResponse(), status, message, closes: client)
        }
    }

    @Test func chunkedBodyOverLimitGets413() throws {
        try withServer({ $0.maxBodyBytes = 8 }) { port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n")
            expectEnvelope(try client.readResponse(), 413, "Request entity too large.", closes: client)
        }
    }

    @Test func fullQueueAnswers503() throws {
        let gate = Gate()
        try withServer({ $0.workerCount = 1; $0.workQueueCapacity = 1; $0.loopCount = 1 }, gate: gate) { port, _ in
            let a = try RawHTTPClient(port: port)
            try a.send("GET /block HTTP/1.1\r\nHost: h\r\n\r\n")
            gate.entered.wait()  // the only worker is now busy
            let b = try RawHTTPClient(port: port)
            let c = try RawHTTPClient(port: port)
            try b.send("GET /block HTTP/1.1\r\nHost: h\r\n\r\n")
            try c.send("GET /block HTTP/1.1\r\nHost: h\r\n\r\n")
            // One of b and c fills the queue; the other is refused by the loop at once.
            let refusedFirst = try c.readResponse()
            let (refused, queued) = refusedFirst.status == 503 ? (refusedFirst, b) : (try b.readResponse(), c)
            #expect(refused.status == 503)
            #expect(refused.header("Retry-After") == "1")
            #expect(refused.bodyText == #"{"data":{},"message":"Service unavailable. Please retry later.","status":503}"#)
            gate.release.signal()
            gate.release.signal()
            #expect(try a.readResponse().bodyText == "released")
            gate.entered.wait()
            #expect(try queued.readResponse().bodyText == "released")
        }
    }

    @Test func slowLorisIsClosedWhileOthersAreServed() throws {
        try withServer({ $0.headerReadTimeout = .milliseconds(300) }) { port, _ in
            let slow = try RawHTTPClient(port: port)
            let start = ContinuousClock.now
            try slow.send("GET / HTTP/1.1\r\nHo")
            var closed = false
            // Trickle a byte every 50 ms; the header deadline runs from the first byte and is not extended.
            for _ in 0..<100 where !closed {
                closed = slow.isClosedByPeer(within: .milliseconds(50))
                if !closed { try? slow.send("s") }
                let other = try RawHTTPClient(port: port)
                #expect(try other.request("GET", "/x").status == 200)
            }
            #expect(closed)
            #expect(ContinuousClock.now - start < .seconds(3))
        }
    }

    @Test func idleConnectionIsClosed() throws {
        try withServer({ $0.idleTimeout = .milliseconds(200) }) { port, _ in
            let client = try RawHTTPClient(port: port)
            #expect(try client.request("GET", "/x").status == 200)
            #expect(client.isClosedByPeer(within: .seconds(5)))
        }
    }

    @Test func connectionCloseIsHonoured() throws {
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            let r = try client.request("GET", "/x", headers: [("Connection", "close")])
            #expect(r.header("Connection") == "close")
            #expect(client.isClosedByPeer(within: .seconds(5)))
        }
    }

    @Test func gracefulShutdownFinishesInFlightRequest() throws {
        let gate = Gate()
        var config = HTTPServerConfiguration()
        config.port = 0
        config.loopCount = 1  // one loop: seeing the idle connection close proves the stop was handled
        let server = HTTPServer(configuration: config, responder: TestResponder(gate: gate))
        let port = try server.start()
        let client = try RawHTTPClient(port: port)
        let idle = try RawHTTPClient(port: port)
        #expect(try idle.request("GET", "/x").status == 200)
        try client.send("GET /block HTTP/1.1\r\nHost: h\r\n\r\n")
        gate.entered.wait()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            server.shutdown(gracePeriod: .seconds(10))
            done.signal()
        }
        #expect(idle.isClosedByPeer(within: .seconds(5)))  // idle keep-alive connections close first
        gate.release.signal()
        let r = try client.readResponse()
        #expect(r.bodyText == "released")
        #expect(r.header("Connection") == "close")
        done.wait()
        server.waitUntilStopped()
        server.shutdown()  // idempotent
        #expect(throws: (any Error).self) { _ = try RawHTTPClient(port: port).request("GET", "/x") }
    }

    @Test func accessLogRecordsEachResponse() throws {
        let entries = Locked([AccessLogEntry]())
        try withServer({ config in config.accessLog = { entry in entries.withLock { $0.append(entry) } } }) { port, _ in
            let client = try RawHTTPClient(port: port)
            _ = try client.request("POST", "/echo?q=1", body: Array("abc".utf8))
            let e = entries.value
            #expect(e.count == 1)
            #expect(e.first?.method == "POST")
            #expect(e.first?.path == "/echo")
            #expect(e.first?.status == 200)
            #expect(e.first?.bytes == "POST /echo q=1 body=abc".utf8.count)
            #expect(e.first?.remoteAddress == "127.0.0.1")
        }
    }

    @Test func largeBodyRoundTrips() throws {
        try withServer { port, _ in
            let client = try RawHTTPClient(port: port)
            let body = [UInt8](repeating: UInt8(ascii: "z"), count: 3 << 20)
            let r = try client.request("POST", "/echo", body: body)
            #expect(r.body.count == "POST /echo q=- body=".utf8.count + body.count)
        }
    }
}
