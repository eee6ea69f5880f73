// Aerie — UTC timestamps in PocketBase's wire layout
// SPDX-License-Identifier: MIT
#if canImport(Glibc)
import Glibc
#endif

/// A UTC instant with millisecond precision, formatted as `YYYY-MM-DD HH:MM:SS.mmmZ`
/// (PocketBase's datetime layout, spec §1.4).
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Milliseconds since the Unix epoch.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The current wall-clock time.
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    /// Seconds since the epoch, rounded down.
    public var seconds: Int64 { milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    /// Civil date and time fields in UTC.
    public var components: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let secs = seconds
        let ms = Int(milliseconds - secs * 1000)
        var days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rem = Int(secs - days * 86400)
        // Howard Hinnant's civil_from_days.
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d), rem / 3600, rem % 3600 / 60, rem % 60, ms)
    }

    /// Builds an instant from civil UTC fields; `nil` when a field is out of range.
    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (0...999).contains(millisecond), (0...9999).contains(year) else { return nil }
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let secs = days * 86400 + Int64(hour * 3600 + minute * 60 + second)
        self.milliseconds = secs * 1000 + Int64(millisecond)
    }

    /// `Mon, 06 May 2024 07:08:09 GMT` (RFC 1123, what HTTP dates look like).
    static func parseRFC1123(_ b: [UInt8]) -> Timestamp? {
        guard b.count == 29, b[3] == UInt8(ascii: ","), b[4] == 32, Array(b[25...]) == Array(" GMT".utf8) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let monthText = String(decoding: b[8..<11], as: UTF8.self)
        guard let month = months.firstIndex(of: monthText) else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for c in b[r] { guard c >= 48 && c <= 57 else { return nil }; v = v * 10 + Int(c - 48) }
            return v
        }
        guard let day = num(5..<7), let year = num(12..<16), b[7] == 32, b[11] == 32, b[16] == 32,
              let h = num(17..<19), b[19] == 58, let m = num(20..<22), b[22] == 58, let s = num(23..<25) else { return nil }
        return Timestamp(year: year, month: month + 1, day: day, hour: h, minute: m, second: s)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD HH:MM:SS.mmmZ`.
    public var formatted: String {
        let c = components
        var out = [UInt8]()
        out.reserveCapacity(24)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) { digits[i] = UInt8(ascii: "0") + UInt8(x % 10); x /= 10 }
            out.append(contentsOf: digits)
        }
        put(c.year, 4); out.append(UInt8(ascii: "-")); put(c.month, 2); out.append(UInt8(ascii: "-")); put(c.day, 2)
        out.append(UInt8(ascii: " "))
        put(c.hour, 2); out.append(UInt8(ascii: ":")); put(c.minute, 2); out.append(UInt8(ascii: ":")); put(c.second, 2)
        out.append(UInt8(ascii: ".")); put(c.millisecond, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`: RFC 9110's IMF-fixdate for HTTP dates. Mail (RFC 5322)
    /// writes the same fields with a numeric zone: pass `zone: "+0000"`.
    public func rfc1123(zone: String = "GMT") -> String {
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let c = components
        let secs = seconds
        let day = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(weekdays[Int((day % 7 + 7) % 7)]), \(two(c.day)) \(months[c.month - 1]) \(c.year) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) \(zone)"
    }

    /// Go's `time.Time.String()` layout in UTC: `2000-01-01 00:00:00 +0000 UTC`, with a trimmed
    /// fraction when there are milliseconds (`… 00:00:00.5 +0000 UTC`). PocketBase puts it in messages.
    public var goString: String {
        let base = formatted   // YYYY-MM-DD HH:MM:SS.mmmZ
        var head = String(base.prefix(19))
        var ms = String(base.dropFirst(20).prefix(3))
        while ms.hasSuffix("0") { ms.removeLast() }
        if !ms.isEmpty { head += "." + ms }
        return head + " +0000 UTC"
    }

    /// RFC 3339 with a trimmed fraction, as Go's `time.RFC3339Nano`: `2000-01-01T00:00:00Z`.
    public var rfc3339: String {
        let base = formatted
        var out = String(base.prefix(10)) + "T" + String(base.dropFirst(11).prefix(8))
        var ms = String(base.dropFirst(20).prefix(3))
        while ms.hasSuffix("0") { ms.removeLast() }
        if !ms.isEmpty { out += "." + ms }
        return out + "Z"
    }

    /// Parses PocketBase's layout first, then a lenient RFC 3339 / ISO 8601 subset:
    /// `YYYY-MM-DD`, `YYYY-MM-DD[ T]HH:MM[:SS[.fff…]]` with an optional `Z` or `±HH[:]MM` offset.
    /// Sub-millisecond digits are dropped; offsets are converted to UTC. `nil` when unparseable.
    public static func parse(_ text: some StringProtocol) -> Timestamp? {
        if let t = parseRFC1123(Array(text.utf8)) { return t }
        var b = Array(text.utf8)
        // Go's time.Time.String() form, which PocketBase's lenient parser accepts.
        let goSuffix = Array(" +0000 UTC".utf8)
        if b.count > goSuffix.count && Array(b.suffix(goSuffix.count)) == goSuffix { b.removeLast(goSuffix.count); b += Array("Z".utf8) }
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= b.count else { return nil }
            var v = 0
            for k in 0..<width {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += width
            return v
        }
        func expect(_ c: UInt8) -> Bool { if i < b.count && b[i] == c { i += 1; return true }; return false }
        while i < b.count && b[i] == 32 { i += 1 }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2) else { return nil }
        var hour = 0, minute = 0, second = 0, ms = 0, offsetMinutes = 0
        if i < b.count && (b[i] == 32 || b[i] == UInt8(ascii: "T")) {
            i += 1
            guard let h = number(2), expect(58), let m = number(2) else { return nil }
            hour = h; minute = m
            // Seconds are required, as in Go's layouts (`07:08` alone does not parse).
            do {
                guard expect(58), let s = number(2) else { return nil }
                second = s
                if expect(46) {
                    var digits = 0
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        if digits < 3 { ms = ms * 10 + Int(b[i] - 48) }
                        digits += 1; i += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in digits..<max(digits, 3) { ms *= 10 }
                }
            }
            if i < b.count {
                if b[i] == UInt8(ascii: "Z") {
                    i += 1
                } else if b[i] == 43 || b[i] == 45 {
                    let sign = b[i] == 45 ? -1 : 1
                    i += 1
                    guard let oh = number(2) else { return nil }
                    _ = expect(58)
                    let om = number(2) ?? 0
                    guard oh <= 23, om <= 59 else { return nil }
                    offsetMinutes = sign * (oh * 60 + om)
                }
            }
        } else if i < b.count && b[i] == UInt8(ascii: "Z") {
            i += 1
        }
        while i < b.count && b[i] == 32 { i += 1 }
        guard i == b.count else { return nil }
        guard var t = Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59), millisecond: ms) else { return nil }
        t.milliseconds -= Int64(offsetMinutes) * 60_000
        return t
    }
}
