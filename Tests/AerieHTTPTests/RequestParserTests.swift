// Aerie — RequestParser tests: every case whole, byte by byte and in random splits
// SPDX-License-Identifier: MIT
import AerieHTTP
import Foundation
import Testing

/// Parses `text` whole, byte by byte and in seeded random splits, requires identical outcomes
/// (NIO's ByteToMessageDecoderVerifier), and returns the whole-input outcome.
func verifyParse(_ bytes: [UInt8], limits: RequestParser.Limits = RequestParser.Limits(),
                 sourceLocation: SourceLocation = #_sourceLocation) -> HTTPParserFuzzEntry.Outcome {
    bytes.withUnsafeBytes { raw in
        let whole = HTTPParserFuzzEntry.drive(raw, chunkEnds: [], limits: limits)
        let byteByByte = HTTPParserFuzzEntry.drive(raw, chunkEnds: Array(0..<bytes.count), limits: limits)
        #expect(byteByByte.transcript == whole.transcript, "byte by byte", sourceLocation: sourceLocation)
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5 {
            let splits = HTTPParserFuzzEntry.randomSplits(count: bytes.count, using: &rng)
            let other = HTTPParserFuzzEntry.drive(raw, chunkEnds: splits, limits: limits)
            #expect(other.transcript == whole.transcript, "splits \(splits)", sourceLocation: sourceLocation)
        }
        return whole
    }
}

func verifyParse(_ text: String, limits: RequestParser.Limits = RequestParser.Limits(),
                 sourceLocation: SourceLocation = #_sourceLocation) -> HTTPParserFuzzEntry.Outcome {
    verifyParse(Array(text.utf8), limits: limits, sourceLocation: sourceLocation)
}

@Suite struct RequestParserTests {
    @Test func parsesSimpleGet() {
        let o = verifyParse("GET /api/x?a=1&b=two+words HTTP/1.1\r\nHost: h\r\nX-Thing:  v \r\n\r\n")
        #expect(o.error == nil)
        #expect(o.requests.count == 1)
        let h = o.requests[0].head
        #expect(h.method == .get)
        #expect(h.target == "/api/x?a=1&b=two+words")
        #expect(h.parts.path == "/api/x")
        #expect(h.parts.query.map(\.value) == ["1", "two words"])
        #expect(h.headers["x-thing"] == "v")
        #expect(h.isKeepAlive)
        #expect(o.requests[0].body.isEmpty)
    }

    @Test func parsesContentLengthBodyAndPipelinedRequests() {
        let o = verifyParse("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(o.error == nil)
        #expect(o.requests.map(\.head.parts.path) == ["/a", "/b", "/c"])
        #expect(o.requests[0].body == Array("hello".utf8))
    }

    @Test func parsesChunkedBodyIgnoringExtensionsAndTrailers() {
        let o = verifyParse("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n")
        #expect(o.error == nil)
        #expect(o.requests.first?.body == Array("hello world".utf8))
        #expect(o.requests.first?.head.isChunked == true)
    }

    @Test func keepAliveRules() {
        #expect(verifyParse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").requests.first?.head.isKeepAlive == false)
        #expect(verifyParse("GET / HTTP/1.0\r\n\r\n").requests.first?.head.isKeepAlive == false)
        #expect(verifyParse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").requests.first?.head.isKeepAlive == true)
    }

    @Test func acceptsBareLFInHeadAndLeadingEmptyLines() {
        let o = verifyParse("\r\n\nGET / HTTP/1.1\nHost: h\n\n")
        #expect(o.error == nil)
        #expect(o.requests.count == 1)
    }

    @Test func expectContinueIsReported() {
        let o = verifyParse("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi")
        #expect(o.requests.first?.head.expectsContinue == true)
    }

    @Test func absoluteAndAsteriskForms() {
        #expect(verifyParse("GET http://example.com/p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n").requests.first?.head.parts.path == "/p")
        #expect(verifyParse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").requests.first?.head.parts.path == "*")
    }

    /// Hostile inputs and the error each must produce.
    static let hostile: [(String, String, HTTPParseError)] = [
        ("CL+TE", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .badRequest("Content-Length with Transfer-Encoding")),
        ("TE+CL", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", .badRequest("Content-Length with Transfer-Encoding")),
        ("duplicate CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", .badRequest("duplicate Content-Length")),
        ("list CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc", .badRequest("invalid Content-Length")),
        ("negative CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", .badRequest("invalid Content-Length")),
        ("chunked, identity", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n", .badRequest("chunked is not the final transfer coding")),
        ("gzip, chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferEncoding),
        ("TE in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .badRequest("Transfer-Encoding in HTTP/1.0")),
        ("space before colon", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 0\r\n\r\n", .badRequest("invalid header name")),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", .badRequest("obs-fold")),
        ("NUL in header", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", .badRequest("control byte in header value")),
        ("bare CR in header", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", .badRequest("control byte in header value")),
        ("NUL in target", "GET /a\u{0}b HTTP/1.1\r\nHost: h\r\n\r\n", .badRequest("invalid byte in request-target")),
        ("missing host", "GET / HTTP/1.1\r\n\r\n", .badRequest("missing or repeated Host")),
        ("two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .badRequest("missing or repeated Host")),
        ("bad version", "GET / HTTP/1.x\r\nHost: h\r\n\r\n", .badRequest("malformed HTTP version")),
        ("HTTP/0.9", "GET /\r\n\r\n", .badRequest("malformed request line")),
        ("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .versionNotSupported),
        ("double space", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .badRequest("invalid byte in request-target")),
        ("bad method", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", .badRequest("invalid method")),
        ("bad escape", "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", .badRequest("invalid request-target")),
        ("escape to NUL", "GET /a%00 HTTP/1.1\r\nHost: h\r\n\r\n", .badRequest("invalid request-target")),
        ("escape to bad UTF-8", "GET /a%ff HTTP/1.1\r\nHost: h\r\n\r\n", .badRequest("invalid request-target")),
        ("chunk size -1", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", .badRequest("invalid chunk-size")),
        ("chunk size overflow", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", .badRequest("invalid chunk-size")),
        ("chunk LF only", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", .badRequest("chunk-size line without CR")),
        ("chunk data too long", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n", .badRequest("chunk data not followed by CRLF")),
        ("chunked body over limit", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1001\r\n", .payloadTooLarge),
        ("declared body over limit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n", .payloadTooLarge),
        ("target too long", "GET /" + String(repeating: "a", count: 300) + " HTTP/1.1\r\nHost: h\r\n\r\n", .uriTooLong),
        ("header block too large", "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 3000) + "\r\n\r\n", .headersTooLarge),
        ("too many headers", "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X: 1\r\n", count: 20) + "\r\n", .headersTooLarge),
    ]

    @Test(arguments: 0..<hostile.count)
    func rejectsHostileInput(_ index: Int) {
        let (name, text, expected) = Self.hostile[index]
        let o = verifyParse(text, limits: HTTPParserFuzzEntry.fuzzLimits)
        #expect(o.error == expected, "\(name)")
        #expect(o.requests.isEmpty, "\(name)")
    }

    @Test func invalidUTF8InTargetIsRejectedButHeaderValuesAreRepaired() {
        var bytes = Array("GET /\u{FF} HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        bytes[5] = 0xFF
        bytes.remove(at: 6)
        #expect(verifyParse(bytes).error == .badRequest("invalid UTF-8 in request-target"))
        var header = Array("GET / HTTP/1.1\r\nHost: h\r\nX: a".utf8)
        header.append(0xC3)
        header += Array("\r\n\r\n".utf8)
        let o = verifyParse(header)
        #expect(o.error == nil)
        #expect(o.requests.first?.head.headers["x"] == "a\u{FFFD}")
    }

    @Test func truncatedInputYieldsNoRequest() {
        let o = verifyParse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        #expect(o.requests.isEmpty)
        #expect(o.error == nil)
        #expect(o.partialHead != nil)
        let head = verifyParse("GET / HTTP/1.1\r\nHost: h\r\n")
        #expect(head.requests.isEmpty && head.partialHead == nil && head.error == nil)
    }

    @Test func perRouteBodyLimitOverridesDefault() {
        var limits = RequestParser.Limits()
        limits.bodyLimit = { _, path in path == "/small" ? 2 : 100 }
        #expect(verifyParse("POST /small HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", limits: limits).error == .payloadTooLarge)
        #expect(verifyParse("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", limits: limits).error == nil)
    }

    @Test func seedCorpusParsesConsistently() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/seeds/HTTPParserFuzz")
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        #expect(files.count >= 20)
        for file in files {
            let data = try [UInt8](Data(contentsOf: file))
            data.withUnsafeBytes { HTTPParserFuzzEntry.run($0) }
        }
    }
}
