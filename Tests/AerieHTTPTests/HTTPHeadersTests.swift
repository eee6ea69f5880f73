// Aerie — HTTPHeaders tests
// SPDX-License-Identifier: MIT
import AerieHTTP
import Testing

@Suite struct HTTPHeadersTests {
    @Test func namesAreCaseInsensitiveAndOrderIsKept() {
        var h = HTTPHeaders([("Set-Cookie", "a"), ("X", "1"), ("set-cookie", "b")])
        #expect(h["SET-COOKIE"] == "a")
        #expect(h.values("set-cookie") == ["a", "b"])
        h.set("Set-Cookie", "c")
        #expect(h.values("set-cookie") == ["c"])
        #expect(h.map(\.0) == ["Set-Cookie", "X"])
        h.add("x", "2")
        #expect(h.values("X") == ["1", "2"])
        h.remove("X")
        #expect(!h.contains("x"))
        #expect(h.count == 1)
    }
}
