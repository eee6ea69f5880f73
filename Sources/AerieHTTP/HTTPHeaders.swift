// Aerie — ordered HTTP header fields
// SPDX-License-Identifier: MIT
import AerieBase

/// Header fields as an ordered flat array of `(name, value)` pairs. Names keep the case they
/// were sent or set with and are compared case-insensitively as ASCII bytes (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Sequence {
    @usableFromInline var fields: [(String, String)]

    /// An empty header list.
    public init() { fields = [] }

    /// Headers from pairs, in order.
    public init(_ pairs: [(String, String)]) { fields = pairs }

    /// The first value of `name`, or `nil`.
    public subscript(name: String) -> String? {
        for (n, v) in fields where ASCII.equalsIgnoringCase(n.utf8, name.utf8) { return v }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { ASCII.equalsIgnoringCase($0.0.utf8, name.utf8) ? $0.1 : nil }
    }

    /// Appends a field, keeping existing values of the same name.
    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every value of `name` with one value, at the position of the first one.
    public mutating func set(_ name: String, _ value: String) {
        if let i = fields.firstIndex(where: { ASCII.equalsIgnoringCase($0.0.utf8, name.utf8) }) {
            fields[i] = (name, value)
            var j = fields.count - 1
            while j > i {
                if ASCII.equalsIgnoringCase(fields[j].0.utf8, name.utf8) { fields.remove(at: j) }
                j -= 1
            }
        } else {
            fields.append((name, value))
        }
    }

    /// Removes every value of `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { ASCII.equalsIgnoringCase($0.0.utf8, name.utf8) }
    }

    /// Whether at least one field is named `name`.
    public func contains(_ name: String) -> Bool {
        fields.contains { ASCII.equalsIgnoringCase($0.0.utf8, name.utf8) }
    }

    /// The number of fields (not of distinct names).
    public var count: Int { fields.count }

    /// Iterates the fields in order.
    public func makeIterator() -> IndexingIterator<[(String, String)]> { fields.makeIterator() }
}
