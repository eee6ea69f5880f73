// Aerie — datetime macro values from an injected clock (spec §5.8)
// SPDX-License-Identifier: MIT
import AerieBase
import Testing
@testable import AerieFilter

@Suite struct FilterMacroTests {
    @Test(arguments: [
        (FilterMacro.now, FilterValue.text("2023-11-14 22:13:20.123Z")),
        (.yesterday, .text("2023-11-13 22:13:20.123Z")),
        (.tomorrow, .text("2023-11-15 22:13:20.123Z")),
        (.todayStart, .text("2023-11-14 00:00:00.000Z")),
        (.todayEnd, .text("2023-11-14 23:59:59.999Z")),
        (.monthStart, .text("2023-11-01 00:00:00.000Z")),
        (.monthEnd, .text("2023-11-30 23:59:59.999Z")),
        (.yearStart, .text("2023-01-01 00:00:00.000Z")),
        (.yearEnd, .text("2023-12-31 23:59:59.999Z")),
        (.second, .integer(20)),
        (.minute, .integer(13)),
        (.hour, .integer(22)),
        (.day, .integer(14)),
        (.month, .integer(11)),
        (.year, .integer(2023)),
        (.weekday, .integer(2)),
    ])
    func valueAtFixedNow(_ macro: FilterMacro, _ expected: FilterValue) {
        #expect(macro.value(at: fixedNow) == expected)
    }

    @Test func monthEndHandlesDecemberAndLeapFebruary() throws {
        let december = try #require(Timestamp(year: 2023, month: 12, day: 5, hour: 3))
        #expect(FilterMacro.monthEnd.value(at: december) == .text("2023-12-31 23:59:59.999Z"))
        let leap = try #require(Timestamp(year: 2024, month: 2, day: 10))
        #expect(FilterMacro.monthEnd.value(at: leap) == .text("2024-02-29 23:59:59.999Z"))
        #expect(FilterMacro.weekday.value(at: Timestamp(milliseconds: 0)) == .integer(4))
        #expect(FilterMacro.weekday.value(at: Timestamp(milliseconds: -1)) == .integer(3))
    }

    @Test func everyMacroParses() throws {
        for macro in FilterMacro.allCases {
            let parsed = try FilterParser.parse("created = \(macro.rawValue)")
            #expect(parsed == .comparison(.identifier("created", position: .start), .equal, .macro(macro)))
        }
    }
}
