// Aerie — the JSON value type
// SPDX-License-Identifier: MIT

/// A parsed or constructed JSON value.
///
/// Integer lexemes that fit `Int64` stay exact as `.int`; anything with a fraction or exponent,
/// or an integer too large for `Int64`, is a `.double`.
///
/// Equality is order-insensitive for objects (RFC 8259 §4: an object is unordered) and numeric
/// across the two number cases: `.int(a) == .double(b)` when `Double(a) == b`. JSON has one number
/// type and the writer prints integral doubles without a fraction (`1.0` → `1`, `1.2e18` →
/// `1200000000000000000`), so this is what keeps parse → write → parse an identity. Two `.int`s
/// still compare exactly; only mixed comparisons above 2^53 are approximate.
public enum JSON: Sendable {
    /// The `null` literal.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer lexeme that fits `Int64`.
    case int(Int64)
    /// A number with a fraction or exponent, or an integer outside `Int64`.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSON])
    /// An object, with its members in document order.
    case object(JSONObject)
}

// MARK: - Accessors

extension JSON {
    /// Whether the value is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The Boolean, if this is `.bool`.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The integer, from `.int` or from a `.double` that is integral and inside `Int64`.
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d): return Int64(exactly: d)
        default: return nil
        }
    }

    /// The number as a `Double`, from `.int` or `.double`.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The string, if this is `.string`.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, if this is `.array`.
    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, if this is `.object`.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The member named `key`; `nil` unless this is an object that has it.
    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The element at `index`; `nil` unless this is an array and the index is in bounds.
    public subscript(index: Int) -> JSON? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }
}

// MARK: - Serialization

extension JSON: CustomStringConvertible {
    /// Compact UTF-8 JSON text, escaped the way Go's `encoding/json` does.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter(capacity: 64)
        writer.value(self)
        return writer.bytes
    }

    /// The serialized text as a `String`.
    public var jsonString: String { String(decoding: serialized(), as: UTF8.self) }

    /// The serialized text.
    public var description: String { jsonString }
}

// MARK: - Equality

extension JSON: Hashable {
    /// Structural equality, numeric across `.int` and `.double`, order-insensitive for objects.
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    /// Hashes consistently with `==`: both number cases hash their `Double` value.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0 as UInt8)
        case .bool(let b): hasher.combine(1 as UInt8); hasher.combine(b)
        case .int(let i): hasher.combine(2 as UInt8); hasher.combine(Double(i))
        case .double(let d): hasher.combine(2 as UInt8); hasher.combine(d)
        case .string(let s): hasher.combine(4 as UInt8); hasher.combine(s)
        case .array(let a): hasher.combine(5 as UInt8); hasher.combine(a)
        case .object(let o): hasher.combine(6 as UInt8); hasher.combine(o)
        }
    }
}

// MARK: - Literals

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A `.string` literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An `.int` literal.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A `.double` literal.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A `.bool` literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An `.array` literal.
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    /// An `.object` literal; members keep their written order, a repeated key keeps the last value.
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(JSONObject(elements)) }
}
