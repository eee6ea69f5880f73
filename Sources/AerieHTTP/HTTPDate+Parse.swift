// Aerie — parsing HTTP dates for conditional requests (If-Modified-Since, If-Range)
// SPDX-License-Identifier: MIT
import AerieBase

extension HTTPDate {
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds since the epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only
    /// form a sender may generate (RFC 9110 §5.6.7); `nil` for anything else, which makes the
    /// condition false and the full response is sent, as RFC 9110 §13.1.3 allows.
    package static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
              let day = Int(parts[1]), let month = monthNames.firstIndex(of: String(parts[2])), let year = Int(parts[3]) else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let h = Int(clock[0]), let m = Int(clock[1]), let s = Int(clock[2]),
              let t = Timestamp(year: year, month: month + 1, day: day, hour: h, minute: m, second: s) else { return nil }
        return t.seconds
    }

    /// The IMF-fixdate text of `seconds`.
    package static func string(seconds: Int64) -> String { String(decoding: format(seconds: seconds), as: UTF8.self) }
}
