// Aerie — the fuzzing entry point for the filter and sort parsers, shared with the unit tests
// SPDX-License-Identifier: MIT
import AerieBase

/// Runs one fuzz input through the parsers and the emitter and traps when an invariant breaks.
///
/// Invariants: parsing never traps; a parsed filter emits with a fixed-vocabulary resolver; the
/// number of `?` placeholders equals the number of arguments; emitting twice gives the same SQL; and
/// the SQL is made only of the emitter's and the resolver's fixed vocabulary (`FilterFuzzEntry.isClosedVocabulary`),
/// so no byte of the input can reach the SQL text except through a bound argument.
package enum FilterFuzzEntry {
    /// libFuzzer's per-input hook calls this.
    package static func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? SortParser.parse(text)
        let expression: FilterExpression
        do {
            guard let parsed = try FilterParser.parse(text) else { return }
            expression = parsed
        } catch {
            precondition(!error.message.isEmpty && error.position.offset <= text.utf8.count, "bad error \(error)")
            return
        }
        let emitter = FilterSQLEmitter(resolver: FuzzResolver(), now: { Timestamp(milliseconds: 1_700_000_000_123) })
        let first: FilterSQL
        do {
            first = try emitter.emit(expression)
        } catch {
            precondition(error.message == "unknown field", "unexpected emitter error \(error)")
            return
        }
        let placeholders = first.condition.sql.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "?") ? 1 : 0) }
        precondition(placeholders == first.condition.arguments.count, "placeholder count mismatch: \(first.condition.sql)")
        precondition(isClosedVocabulary(first.condition.sql), "SQL outside the fixed vocabulary: \(first.condition.sql)")
        precondition((try? emitter.emit(expression)) == first, "emission is not deterministic")
    }

    /// A resolver whose output depends on the identifier only through a choice among fixed SQL.
    package struct FuzzResolver: FieldResolver {
        package init() {}

        package func resolve(_ identifier: String, at position: SourcePosition) throws(FilterError) -> FieldResolution {
            switch identifier.utf8.count % 6 {
            case 0: return .identifier(ResolvedIdentifier(sql: "\"t\".\"a\""))
            case 1: return .identifier(ResolvedIdentifier(sql: "\"t\".\"b\"", kind: .json))
            case 2:
                let items = SQLFragment("\"t\".\"m\"").jsonEachSource()
                var source = SQLFragment("(SELECT \"c\".value AS value FROM (SELECT 1) LEFT JOIN ")
                source.append(items)
                source.append(" AS \"c\")")
                var fanOut = SQLFragment("LEFT JOIN ")
                fanOut.append(items)
                fanOut.append(" AS \"r\"")
                return .identifier(ResolvedIdentifier(
                    SQLFragment("\"r\".value"), joins: [SQLFragment("LEFT JOIN \"r\" ON \"r\".\"id\" = \"t\".\"m\"")],
                    multiValueSource: source, fanOutJoins: [fanOut], constraints: [SQLFragment("\"r\".value IS NOT NULL")]))
            case 3: return .value(.text(identifier))
            case 4: return .value(.null)
            default: throw FilterError("unknown field", at: position)
            }
        }
    }

    /// Whether `sql` uses only the emitter's keywords, the fuzz resolver's quoted names, fixed
    /// string constants, `?`, `__mvN` aliases and punctuation.
    package static func isClosedVocabulary(_ sql: String) -> Bool {
        let words: Set<String> = [
            "AND", "OR", "NOT", "IS", "NULL", "LIKE", "ESCAPE", "COALESCE", "EXISTS", "SELECT", "FROM", "LEFT", "JOIN",
            "AS", "WHERE", "ON", "CASE", "WHEN", "THEN", "ELSE", "END", "value", "json_each", "json_valid", "json_array",
            "strftime", "acos", "cos", "sin", "radians", "LOWER", "json_type",
        ]
        let names: Set<String> = ["\"t\"", "\"a\"", "\"b\"", "\"r\"", "\"c\"", "\"m\"", "\"id\""]
        let constants: Set<String> = ["''", "'%'", "'\\'"]
        let numbers: Set<String> = ["0", "1", "6371"]
        let bytes = Array(sql.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                var j = i + 1
                while j < bytes.count, bytes[j] != b { j += 1 }
                guard j < bytes.count else { return false }
                let token = String(decoding: bytes[i...j], as: UTF8.self)
                guard (b == UInt8(ascii: "'") ? constants : names).contains(token) else { return false }
                i = j + 1
            } else if FilterLexer.isLetter(b) || b == UInt8(ascii: "_") {
                var j = i
                while j < bytes.count, FilterLexer.isLetter(bytes[j]) || FilterLexer.isDigit(bytes[j]) || bytes[j] == UInt8(ascii: "_") { j += 1 }
                let token = String(decoding: bytes[i..<j], as: UTF8.self)
                let isAlias = token.hasPrefix("__mv") && token.utf8.count > 4 && token.utf8.dropFirst(4).allSatisfy(FilterLexer.isDigit)
                guard words.contains(token) || isAlias else { return false }
                i = j
            } else if FilterLexer.isDigit(b) {
                var j = i
                while j < bytes.count, FilterLexer.isDigit(bytes[j]) { j += 1 }
                guard numbers.contains(String(decoding: bytes[i..<j], as: UTF8.self)) else { return false }
                i = j
            } else {
                guard " (),.*=<>!?|-+".utf8.contains(b) else { return false }
                i += 1
            }
        }
        return true
    }
}

