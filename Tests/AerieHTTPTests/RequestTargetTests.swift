// Aerie — request-target splitting and decoding tests
// SPDX-License-Identifier: MIT
import AerieHTTP
import Testing

@Suite struct RequestTargetTests {
    @Test func decodesPathAndQuery() {
        let r = HTTPRequest(method: .get, target: "/api/a%20b/c?x=1%2B2&y=a+b&flag&=v&bad=%zz&x=3")
        #expect(r.path == "/api/a b/c")
        #expect(r.rawPath == "/api/a%20b/c")
        #expect(r.queryValue("x") == "1+2")
        #expect(r.queryValue("y") == "a b")
        #expect(r.queryValue("flag") == "")
        #expect(r.queryValue("bad") == nil)
        #expect(r.query.filter { $0.name == "x" }.map(\.value) == ["1+2", "3"])
    }

    @Test func plusStaysPlusInPath() {
        #expect(HTTPRequest(method: .get, target: "/a+b").path == "/a+b")
    }

    @Test func invalidEscapeFallsBackToRawPathInMemory() {
        #expect(HTTPRequest(method: .get, target: "/a%zz").path == "/a%zz")
    }
}
