// Aerie — hostile inputs: each is a FilterError or a correct parse, never a crash or text outside bound parameters
// SPDX-License-Identifier: MIT
import AerieBase
import Testing
@testable import AerieFilter

@Suite struct HostileInputTests {
    static let corpus: [String] = [
        "", " ", "\t\n\r", "//", "// c\n", "/*", "*/", "--", "-- x", ";", "'", "\"", "''", "'''", "\\", "\\'",
        "title = '\\'", "title = 'a\\' OR 1=1 --'", "title = \"'\" || title = '\"'", "title = 'x'; DROP TABLE posts",
        "title = ''; --", "title = 1 /* */", "title ~ '%'", "title ~ '\\%'", "title ~ '%%%%'", "title ~ '_'",
        "\u{0}", "title = '\u{0}'", "title\u{0} = 1", "title = \u{0}1", "title = 'ü' && x = '𝄞'", "🙂 = 1",
        "title = '\u{FEFF}'", "\u{FEFF}title = 1", "title = '\u{202E}'", "a\u{2028}= 1",
        "1e400 = 1", "a = 1e400", "a = -1e-400", "a = \(String(repeating: "1", count: 400))",
        "a = \(String(repeating: "9", count: 309))", "a = 0.\(String(repeating: "0", count: 400))1", "a = -0", "a = 00001",
        "a = --1", "a = - 1", "a = 1.", "a = .1", "a = 0x10", "a = 1_000", "a = NaN", "a = Infinity", "a = inf",
        String(repeating: "(", count: 10_000), String(repeating: ")", count: 10_000),
        String(repeating: "(", count: 10_000) + "a=1" + String(repeating: ")", count: 10_000),
        String(repeating: "(a=1 && ", count: 1_000), Array(repeating: "a=1", count: 5_000).joined(separator: "||"),
        "geoDistance(" + String(repeating: "geoDistance(", count: 1_000), "strftime('%Y'" + String(repeating: ",'x'", count: 1_000) + ") = 1",
        "a = @now && @now = @yesterday || @weekday > @second", "@ = 1", "# = 1", "_ = 1", "@@ = 1", "a.b.c.d:each:lower = 1",
        "a = true && b = NULL && c = FaLsE", "a === 1", "a <> 1", "a ! 1", "a ?? 1", "a ?=? 1", "a = 'unterminated",
        "a = \"unterminated", "(a = 1", "a = 1)", "a = 1 && (b = 2 || (c = 3)", "title IN ('a','b')", "NOT title = 1",
        "title = 1 AND title = 2", "a = b(", "a = b()", "geoDistance() = 1", "strftime('x',) = 1", "strftime('x',,) = 1",
    ]

    @Test(arguments: corpus.indices)
    func neverCrashesAndNeverLeaksText(_ index: Int) throws {
        let text = Self.corpus[index]
        let limits = FilterLimits(maxLength: 200_000)
        let expression: FilterExpression
        do {
            guard let parsed = try FilterParser.parse(text, limits: limits) else {
                #expect(text.isEmpty)
                return
            }
            expression = parsed
        } catch {
            #expect(!error.description.isEmpty)
            #expect(error.position.offset <= text.utf8.count)
            return
        }
        let emitter = FilterSQLEmitter(resolver: FilterFuzzEntry.FuzzResolver(), now: { fixedNow })
        do {
            let out = try emitter.emit(expression)
            #expect(FilterFuzzEntry.isClosedVocabulary(out.condition.sql), "\(out.condition.sql)")
            #expect(out.condition.sql.filter { $0 == "?" }.count == out.condition.arguments.count)
        } catch {
            #expect(error.message == "unknown field")
        }
        // And the same through the fuzz entry, which traps on any broken invariant.
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { FilterFuzzEntry.run(UnsafeRawBufferPointer($0)) }
    }

    @Test func invalidUTF8IsRepairedNotTrusted() {
        let bytes: [UInt8] = [0x61, 0x20, 0x3D, 0x20, 0x27, 0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0x27]
        bytes.withUnsafeBytes { FilterFuzzEntry.run($0) }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect((try? FilterParser.parse(text)) != nil)
    }

    @Test func closedVocabularyCheckRejectsUserText() {
        #expect(FilterFuzzEntry.isClosedVocabulary(#"("t"."a" = ? AND __mv12.value IS NULL)"#))
        #expect(!FilterFuzzEntry.isClosedVocabulary(#""t"."a" = 'x'"#))
        #expect(!FilterFuzzEntry.isClosedVocabulary(#""t"."a" = 12"#))
        #expect(!FilterFuzzEntry.isClosedVocabulary(#""t"."a" = DROP"#))
        #expect(!FilterFuzzEntry.isClosedVocabulary(#""posts"."a" = ?"#))
        #expect(!FilterFuzzEntry.isClosedVocabulary(#""t"."a" = ?; --"#))
    }
}
