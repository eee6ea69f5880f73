// Aerie — values of the datetime macros (@now, @todayStart, …; spec §5.8)
// SPDX-License-Identifier: MIT
public import AerieBase

extension FilterMacro {
    /// The bound value of the macro at `now` (UTC): datetimes as text in the §1.4 layout, parts as integers.
    public func value(at now: Timestamp) -> FilterValue {
        let c = now.components
        let day: Int64 = 86_400_000
        func text(_ t: Timestamp?) -> FilterValue { .text((t ?? now).formatted) }
        switch self {
        case .now: return text(now)
        case .yesterday: return text(Timestamp(milliseconds: now.milliseconds - day))
        case .tomorrow: return text(Timestamp(milliseconds: now.milliseconds + day))
        case .todayStart: return text(Timestamp(year: c.year, month: c.month, day: c.day))
        case .todayEnd: return text(Timestamp(year: c.year, month: c.month, day: c.day, hour: 23, minute: 59, second: 59, millisecond: 999))
        case .monthStart: return text(Timestamp(year: c.year, month: c.month, day: 1))
        case .monthEnd:
            // One millisecond before the first instant of the next month.
            let next = c.month == 12 ? Timestamp(year: c.year + 1, month: 1, day: 1) : Timestamp(year: c.year, month: c.month + 1, day: 1)
            return text(next.map { Timestamp(milliseconds: $0.milliseconds - 1) })
        case .yearStart: return text(Timestamp(year: c.year, month: 1, day: 1))
        case .yearEnd: return text(Timestamp(year: c.year, month: 12, day: 31, hour: 23, minute: 59, second: 59, millisecond: 999))
        case .second: return .integer(Int64(c.second))
        case .minute: return .integer(Int64(c.minute))
        case .hour: return .integer(Int64(c.hour))
        case .day: return .integer(Int64(c.day))
        case .month: return .integer(Int64(c.month))
        case .year: return .integer(Int64(c.year))
        case .weekday:
            // 1970-01-01 was a Thursday (4); 0 = Sunday like Go's time.Weekday.
            let days = now.milliseconds >= 0 ? now.milliseconds / day : (now.milliseconds - day + 1) / day
            return .integer(((days % 7) + 7 + 4) % 7)
        }
    }
}
