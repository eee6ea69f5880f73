// Aerie — realtime topics: base, options, percent-decoding
// SPDX-License-Identifier: MIT
import AerieCore
import Testing

@Suite struct RealtimeTopicTests {
    @Test func topicWithoutOptions_IsItsOwnBase() {
        let t = RealtimeTopic("posts/*")
        #expect(t.base == "posts/*" && t.optionsText == "" && t.options == RealtimeOptions())
    }

    @Test func options_DecodeQueryAndSnakeCasedHeaders() {
        // {"query":{"filter":"a = 1","perPage":5},"headers":{"X-Token":"t"}} as the SDKs encode it.
        let encoded = "%7B%22query%22%3A%7B%22filter%22%3A%22a%20%3D%201%22%2C%22perPage%22%3A5%7D%2C%22headers%22%3A%7B%22X-Token%22%3A%22t%22%7D%7D"
        let t = RealtimeTopic("posts/abc?options=" + encoded)
        #expect(t.base == "posts/abc")
        #expect(t.raw == "posts/abc?options=" + encoded)
        #expect(t.options.filter == "a = 1")
        #expect(t.options.query["perPage"] == "5", "non-string values become their JSON text")
        #expect(t.options.headers == ["x_token": "t"])
    }

    @Test(arguments: ["notjson", "%7B", "%ZZ", "%7B%22query%22%3A5%7D", "%5B1%5D", ""])
    func unreadableOptions_MeanNone(_ text: String) {
        #expect(RealtimeTopic("posts/*?options=" + text).options == RealtimeOptions())
    }

    @Test func percentDecoding_HandlesPlusAndRejectsBadEscapes() {
        #expect(RealtimeOptions.percentDecoded("a+b%20c%2B") == "a b c+")
        #expect(RealtimeOptions.percentDecoded("%E2%9C%93") == "✓")
        #expect(RealtimeOptions.percentDecoded("%E2%9C") == nil, "truncated UTF-8")
        #expect(RealtimeOptions.percentDecoded("%4") == nil)
    }
}
