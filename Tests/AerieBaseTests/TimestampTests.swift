// Aerie — Timestamp's RFC 1123 text, shared by HTTP dates and mail headers
// SPDX-License-Identifier: MIT
import AerieBase
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(784_111_777), "GMT", "Sun, 06 Nov 1994 08:49:37 GMT"),
        (Int64(1_795_535_242), "+0000", "Tue, 24 Nov 2026 15:47:22 +0000"),
        (Int64(0), "GMT", "Thu, 01 Jan 1970 00:00:00 GMT"),
        (Int64(-1), "GMT", "Wed, 31 Dec 1969 23:59:59 GMT"),
        (Int64(951_782_400), "GMT", "Tue, 29 Feb 2000 00:00:00 GMT"),
    ])
    func rfc1123_formatsWeekdayDateTimeAndZone(_ seconds: Int64, _ zone: String, _ expected: String) {
        #expect(Timestamp(milliseconds: seconds * 1000).rfc1123(zone: zone) == expected)
    }
}
