// Aerie — the field abstraction: one conforming type per field kind
// SPDX-License-Identifier: MIT
import AerieBase
public import AerieJSON
public import AerieSQLite

/// Keys every field has, whatever its type.
public struct FieldBase: Sendable, Hashable {
    public var id: String
    public var name: String
    public var required: Bool = false
    public var hidden: Bool = false
    public var presentable: Bool = false
    public var system: Bool = false
    public var help: String = ""

    public init(id: String, name: String, required: Bool = false, hidden: Bool = false,
                presentable: Bool = false, system: Bool = false, help: String = "") {
        self.id = id; self.name = name; self.required = required; self.hidden = hidden
        self.presentable = presentable; self.system = system; self.help = help
    }
}

/// A body-key modifier (spec §3.7): `field+`, `+field`, `field-`.
public enum FieldModifier: Sendable, Hashable {
    case append, prepend, subtract
}

/// What a field needs from the outside world while validating (relation lookups, the stored record).
public struct ValidationContext {
    /// Whether every id exists in the named collection; `nil` when the collection is unknown.
    public var relationIDsExist: (_ collection: String, _ ids: [String]) -> Bool?
    /// The stored value of this field before the change (`nil` on create).
    public var oldValue: JSON?
    /// True while creating a record.
    public var isNew: Bool

    public init(relationIDsExist: @escaping (_ collection: String, _ ids: [String]) -> Bool? = { _, _ in true },
                oldValue: JSON? = nil, isNew: Bool = true) {
        self.relationIDsExist = relationIDsExist
        self.oldValue = oldValue
        self.isNew = isNew
    }
}

/// One field kind: how it is stored, coerced, validated and written to JSON. Mirrors
/// PocketBase's `core.Field` interface so behaviour can be compared type by type.
public protocol FieldType: Sendable {
    /// The `type` string in schema and collection JSON (`text`, `number`, …).
    static var typeName: String { get }
    /// The common keys.
    var base: FieldBase { get set }
    /// How the column is stored.
    var storage: SQLStorageKind { get }
    /// The column's SQL default literal (for `ALTER TABLE ADD COLUMN` and inserts).
    var defaultSQL: String { get }
    /// The value of a record that never set the field.
    var zeroValue: JSON { get }
    /// Coerces client input to the canonical value, as PocketBase's `PrepareValue` does.
    func normalize(_ input: JSON) -> JSON
    /// Validates a canonical value; `nil` when valid.
    func validate(_ value: JSON, context: ValidationContext) -> FieldIssue?
    /// The value bound into SQL.
    func sqlValue(_ value: JSON) -> SQLValue
    /// Reads the column back as a canonical value.
    func readValue(_ statement: Statement, _ column: Int32) -> JSON
    /// Writes the column straight to JSON (the read hot path: no intermediate value).
    func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter)
    /// The type-specific options as collection-JSON keys, in PocketBase's order.
    func optionsJSON() -> [(String, JSON)]
    /// Applies a body-key modifier to the current value; `nil` when the field has no such modifier.
    func apply(_ modifier: FieldModifier, to current: JSON, operand: JSON) -> JSON?
    /// Whether clients may never write the field (autodate).
    var isReadOnly: Bool { get }
    /// Whether the value is output in record JSON (false for password).
    var isOutput: Bool { get }
    /// How `writeValue` writes the column, for serializers that skip the call (`.custom` if
    /// nothing simpler describes it).
    var columnFormat: ColumnFormat { get }
}

extension FieldType {
    public var name: String { base.name }
    public var typeName: String { Self.typeName }
    public var isReadOnly: Bool { false }
    public var isOutput: Bool { true }
    public var columnFormat: ColumnFormat { .custom }
    public func apply(_ modifier: FieldModifier, to current: JSON, operand: JSON) -> JSON? { nil }

    /// The field as collection JSON: common keys, then its options.
    public func collectionJSON() -> JSONObject {
        var o = JSONObject()
        o["id"] = .string(base.id)
        o["name"] = .string(base.name)
        o["type"] = .string(Self.typeName)
        o["system"] = .bool(base.system)
        o["hidden"] = .bool(base.hidden)
        o["presentable"] = .bool(base.presentable)
        if Self.typeName != AutodateField.typeName {
            o["help"] = .string(base.help)
            o["required"] = .bool(base.required)
        }
        for (k, v) in optionsJSON() { o[k] = v }
        return o
    }
}

// MARK: - Shared helpers for the field kinds

/// Fields stored as plain TEXT whose value is the string cast of the input (text, editor, email,
/// url, password): one implementation of storage, coercion and column I/O.
protocol TextStoredField: FieldType {}

extension TextStoredField {
    public var storage: SQLStorageKind { .text }
    public var defaultSQL: String { "''" }
    public var zeroValue: JSON { .string("") }
    public func normalize(_ input: JSON) -> JSON { .string(Cast.string(input)) }
    public func sqlValue(_ value: JSON) -> SQLValue { .text(Cast.string(value)) }
    public func readValue(_ statement: Statement, _ column: Int32) -> JSON { .string(statement.string(column)) }
    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) { writer.textColumn(statement, column) }
    public var columnFormat: ColumnFormat { .text }
}

/// `onlyDomains` / `exceptDomains` of email and url fields (mutually exclusive, exact match).
struct DomainLists: Sendable, Hashable {
    var only: [String] = []
    var except: [String] = []

    init() {}

    init(options o: inout FieldOptions) {
        only = o.strings("onlyDomains")
        except = o.strings("exceptDomains")
        if !only.isEmpty && !except.isEmpty { o.fail("onlyDomains", "cannot be used together with exceptDomains") }
    }

    /// Whether `domain` passes the lists.
    func allows(_ domain: String) -> Bool {
        (only.isEmpty || only.contains(domain)) && !except.contains(domain)
    }

    var optionsJSON: [(String, JSON)] {
        [("exceptDomains", .array(except.map(JSON.string))), ("onlyDomains", .array(only.map(JSON.string)))]
    }
}

/// Casting rules of Go's `spf13/cast`, which PocketBase applies to client input.
enum Cast {
    /// `cast.ToString`: strings pass, numbers and bools format, everything else is "".
    static func string(_ v: JSON) -> String {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return GoFloat.formatFixed(d)
        case .bool(let b): return b ? "true" : "false"
        default: return ""
        }
    }

    /// `cast.ToFloat64`: numbers, numeric strings, bools; else 0.
    static func double(_ v: JSON) -> Double {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return GoFloat.parse(s) ?? 0
        default: return 0
        }
    }

    /// `cast.ToBool`: bools, non-zero numbers, and strconv.ParseBool's true spellings.
    static func bool(_ v: JSON) -> Bool {
        switch v {
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return ["1", "t", "T", "TRUE", "true", "True"].contains(s)
        default: return false
        }
    }

    /// PocketBase's `list.ToUniqueStringSlice`: a string (or a string holding a JSON array),
    /// or an array of scalars, to unique non-empty strings in order.
    static func uniqueStrings(_ v: JSON) -> [String] {
        var raw: [String] = []
        switch v {
        case .null: break
        case .string(let s):
            if s.utf8.first == UInt8(ascii: "["), let parsed = try? JSONParser.parse(s), case .array(let items) = parsed {
                raw = items.map(string)
            } else {
                raw = [s]
            }
        case .array(let items): raw = items.map(string)
        default: raw = [string(v)]
        }
        var seen = Set<String>()
        var out: [String] = []
        for s in raw where !s.isEmpty && !seen.contains(s) {
            seen.insert(s)
            out.append(s)
        }
        return out
    }
}

/// Number text in the style of Go's `strconv` for float64 (what PocketBase prints and parses).
enum GoFloat {
    /// Formats like `strconv.FormatFloat(f, 'f', -1, 64)` for integral values and shortest repr otherwise.
    static func format(_ d: Double) -> String {
        var w = JSONWriter(capacity: 32)
        w.double(d)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest round-trip digits, never an exponent
    /// (what `cast.ToString` gives PocketBase's text fields: 1e21 → "1000000000000000000000").
    static func formatFixed(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : (d < 0 ? "-Inf" : "+Inf") }
        let shortest = "\(d)"   // Swift prints the shortest round-trip digits, sometimes with an exponent
        guard let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            return shortest.hasSuffix(".0") ? String(shortest.dropLast(2)) : shortest
        }
        var mantissa = String(shortest[..<e])
        let exponent = Int(shortest[shortest.index(after: e)...]) ?? 0
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        let point = parts[0].count + exponent
        while digits.count > 1 && digits.hasSuffix("0") && digits.count > point { digits.removeLast() }
        var out: String
        if point <= 0 {
            out = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            out = digits + String(repeating: "0", count: point - digits.count)
        } else {
            out = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
        }
        while out.contains(".") && (out.hasSuffix("0") || out.hasSuffix(".")) { out.removeLast() }
        return (negative ? "-" : "") + out
    }

    /// `strconv.ParseFloat(s, 64)`: decimal or exponent syntax, surrounding spaces not allowed;
    /// out-of-range values are an error (nil), as in Go.
    static func parse(_ s: String) -> Double? {
        guard !s.isEmpty, let first = s.utf8.first, first != UInt8(ascii: " "),
              s.utf8.last != UInt8(ascii: " ") else { return nil }
        let lower = ASCII.lowercased(s)
        if lower.hasPrefix("0x") || lower.hasPrefix("-0x") || lower.hasPrefix("+0x") { return nil }
        if lower == "nan" { return .nan }
        if lower == "inf" || lower == "+inf" || lower == "infinity" || lower == "+infinity" { return .infinity }
        if lower == "-inf" || lower == "-infinity" { return -.infinity }
        guard let d = Double(s), d.isFinite else { return nil }
        return d
    }
}

/// Option readers with precise issue paths, used by the field initialisers.
struct FieldOptions {
    let object: JSONObject
    let path: String
    var issues: [SchemaIssue] = []
    /// Keys some reader asked for; anything else in the object is reported as unknown.
    private(set) var read: Set<String> = ["id", "name", "type", "system"]

    init(_ object: JSONObject, path: String) { self.object = object; self.path = path }

    /// Reports keys no reader consumed (typos such as `maxselect`).
    mutating func rejectUnknownKeys(typeName: String) {
        for key in object.keys where !read.contains(key) {
            issues.append(SchemaIssue(path: path + "." + key, message: "unknown option for a \(typeName) field"))
        }
    }

    mutating func int(_ key: String, default value: Int = 0, min: Int? = nil) -> Int {
        read.insert(key)
        guard let v = object[key], !v.isNull else { return value }
        guard let i = v.intValue else { issues.append(SchemaIssue(path: path + "." + key, message: "must be an integer")); return value }
        if let min, i < min { issues.append(SchemaIssue(path: path + "." + key, message: "must be >= \(min)")); return value }
        return Int(i)
    }

    mutating func optionalDouble(_ key: String) -> Double? {
        read.insert(key)
        guard let v = object[key], !v.isNull else { return nil }
        guard let d = v.doubleValue else { issues.append(SchemaIssue(path: path + "." + key, message: "must be a number or null")); return nil }
        return d
    }

    mutating func bool(_ key: String, default value: Bool = false) -> Bool {
        read.insert(key)
        guard let v = object[key], !v.isNull else { return value }
        guard let b = v.boolValue else { issues.append(SchemaIssue(path: path + "." + key, message: "must be true or false")); return value }
        return b
    }

    mutating func string(_ key: String, default value: String = "") -> String {
        read.insert(key)
        guard let v = object[key], !v.isNull else { return value }
        guard let s = v.stringValue else { issues.append(SchemaIssue(path: path + "." + key, message: "must be a string")); return value }
        return s
    }

    mutating func strings(_ key: String) -> [String] {
        read.insert(key)
        guard let v = object[key], !v.isNull else { return [] }
        guard let items = v.arrayValue else { issues.append(SchemaIssue(path: path + "." + key, message: "must be an array of strings")); return [] }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue else { issues.append(SchemaIssue(path: "\(path).\(key)[\(i)]", message: "must be a string")); continue }
            out.append(s)
        }
        return out
    }

    mutating func fail(_ key: String, _ message: String) {
        issues.append(SchemaIssue(path: key.isEmpty ? path : path + "." + key, message: message))
    }
}

extension JSONWriter {
    /// Writes a TEXT column as a JSON string without materialising a Swift `String`.
    mutating func textColumn(_ statement: Statement, _ column: Int32) {
        statement.withUTF8(column) { string(utf8: $0) }
    }

    /// Writes a column holding JSON text verbatim, or `fallback` when it is NULL or empty.
    mutating func jsonColumn(_ statement: Statement, _ column: Int32, fallback: String) {
        if statement.isNull(column) { rawJSON(Array(fallback.utf8)); return }
        statement.withUTF8(column) { bytes in
            if bytes.isEmpty { rawJSON(Array(fallback.utf8)) } else { rawJSON(bytes) }
        }
    }
}
