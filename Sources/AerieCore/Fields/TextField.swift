// Aerie — text field
// SPDX-License-Identifier: MIT
import AerieBase
public import AerieJSON
import AerieSQLite

/// Plain text (`text`): `min`/`max` in code points (max 0 means 5000), an optional `pattern`,
/// and an optional `autogeneratePattern` used to fill an empty value on create.
public struct TextField: TextStoredField {
    public static let typeName = "text"
    public var base: FieldBase
    public var min = 0
    public var max = 0
    public var pattern = ""
    public var autogeneratePattern = ""
    public var primaryKey = false

    /// The default `id` field every collection has (spec §1.3).
    public static func idField() -> TextField {
        var f = TextField(base: FieldBase(id: "text3208210256", name: "id", required: true, system: true))
        f.min = 15; f.max = 15; f.pattern = "^[a-z0-9]+$"; f.autogeneratePattern = "[a-z0-9]{15}"; f.primaryKey = true
        return f
    }

    public init(base: FieldBase) { self.base = base }

    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        min = o.int("min", min: 0)
        max = o.int("max", min: 0)
        pattern = o.string("pattern")
        autogeneratePattern = o.string("autogeneratePattern")
        primaryKey = o.bool("primaryKey")
        if max > 0 && min > max { o.fail("min", "must be <= max") }
        if !pattern.isEmpty && (try? Regex(pattern)) == nil { o.fail("pattern", "is not a valid regular expression") }
        if !autogeneratePattern.isEmpty && PatternGenerator(autogeneratePattern) == nil {
            o.fail("autogeneratePattern", "only character classes with a count are supported, e.g. [a-z0-9]{15}")
        }
    }

    public var effectiveMax: Int { max == 0 ? 5000 : max }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        guard case .string(let s) = value else { return .unsupportedValueType }
        if s.isEmpty {
            return base.required ? .required : nil
        }
        return TextField.checkLength(s, min: min, max: effectiveMax) ?? checkPattern(s)
    }

    static func checkLength(_ s: String, min: Int, max: Int) -> FieldIssue? {
        let length = s.unicodeScalars.count
        if min > 0 && length < min {
            return FieldIssue("validation_min_text_constraint", "Must be at least \(min) character(s).", params: ["min": .int(Int64(min))])
        }
        if max > 0 && length > max {
            return FieldIssue("validation_max_text_constraint", "Must be no more than \(max) character(s).", params: ["max": .int(Int64(max))])
        }
        return nil
    }

    func checkPattern(_ s: String) -> FieldIssue? {
        guard !pattern.isEmpty else { return nil }
        if pattern == "^[a-z0-9]+$" {   // the id pattern: checked on bytes, it runs on every create
            let ok = s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
            return ok ? nil : FieldIssue("validation_invalid_format", "Invalid value format.")
        }
        guard let regex = try? Regex(pattern), (try? regex.firstMatch(in: s)) != nil else {
            return FieldIssue("validation_invalid_format", "Invalid value format.")
        }
        return nil
    }

    /// A fresh value from `autogeneratePattern`, or nil when the field has none.
    public func generate() -> String? {
        guard !autogeneratePattern.isEmpty else { return nil }
        if autogeneratePattern == "[a-z0-9]{15}" { return RandomID.recordID() }
        return PatternGenerator(autogeneratePattern)?.make()
    }


    public func optionsJSON() -> [(String, JSON)] {
        [("primaryKey", .bool(primaryKey)), ("min", .int(Int64(min))), ("max", .int(Int64(max))),
         ("pattern", .string(pattern)), ("autogeneratePattern", .string(autogeneratePattern))]
    }
}

/// Generates strings from the small regex subset PocketBase's starters use for
/// `autogeneratePattern`: literal characters and `[classes]` with an optional `{n}` count.
struct PatternGenerator {
    private enum Piece { case literal(UInt8), set([UInt8], Int) }
    private var pieces: [Piece] = []

    init?(_ pattern: String) {
        let b = Array(pattern.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "[") {
                var set: [UInt8] = []
                i += 1
                while i < b.count && b[i] != UInt8(ascii: "]") {
                    if i + 2 < b.count && b[i + 1] == UInt8(ascii: "-") && b[i + 2] != UInt8(ascii: "]") {
                        guard b[i] <= b[i + 2] else { return nil }
                        set.append(contentsOf: b[i]...b[i + 2])
                        i += 3
                    } else {
                        set.append(b[i]); i += 1
                    }
                }
                guard i < b.count, !set.isEmpty else { return nil }
                i += 1
                var count = 1
                if i < b.count && b[i] == UInt8(ascii: "{") {
                    var n = 0
                    i += 1
                    while i < b.count, b[i] >= 48, b[i] <= 57 { n = n * 10 + Int(b[i] - 48); i += 1; if n > 255 { return nil } }
                    guard i < b.count, b[i] == UInt8(ascii: "}"), n > 0 else { return nil }
                    i += 1
                    count = n
                }
                pieces.append(.set(set, count))
            } else if b[i] < 128 && !"()|*+?{}^$.\\".utf8.contains(b[i]) {
                pieces.append(.literal(b[i])); i += 1
            } else {
                return nil
            }
        }
    }

    func make() -> String {
        var out: [UInt8] = []
        for piece in pieces {
            switch piece {
            case .literal(let c): out.append(c)
            case .set(let set, let n): out.append(contentsOf: RandomID.make(length: n, alphabet: set).utf8)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
