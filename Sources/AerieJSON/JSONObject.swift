// Aerie — an ordered JSON object
// SPDX-License-Identifier: MIT

/// The members of a JSON object: unique keys, kept in insertion order.
///
/// Small objects (the common case for records) are a flat array of pairs searched linearly;
/// past `indexThreshold` members a key → position dictionary is kept alongside, so hostile
/// documents with many keys cannot make parsing quadratic.
public struct JSONObject: Sendable {
    /// Members in insertion order.
    @usableFromInline var pairs: [(key: String, value: JSON)]
    /// Key → position in `pairs`; present only once the object is larger than `indexThreshold`.
    @usableFromInline var index: [String: Int]?

    /// Objects up to this size are searched linearly.
    @usableFromInline static var indexThreshold: Int { 12 }

    /// An empty object.
    public init() {
        pairs = []
        index = nil
    }

    /// Builds an object from pairs; a later duplicate replaces the earlier value in place.
    public init(_ pairs: [(String, JSON)]) {
        self.init()
        self.pairs.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    /// Builds an object from parallel key and value arrays, last duplicate winning (as Go does).
    ///
    /// Keys are bucketed by length and last byte into a 64-bit mask; only a key whose bucket is
    /// already taken is searched for, so typical records are built without comparing keys at all.
    init(keys: [String], values: [JSON]) {
        self.init()
        pairs.reserveCapacity(keys.count)
        var seen: UInt64 = 0
        for (key, value) in zip(keys, values) {
            let utf8 = key.utf8
            let bucket = UInt64(1) << ((UInt64(utf8.count) &* 7 &+ UInt64(utf8.last ?? 0)) & 63)
            if seen & bucket == 0 && index == nil {
                seen |= bucket
                pairs.append((key, value))
                if pairs.count > Self.indexThreshold { buildIndex() }
            } else {
                seen |= bucket
                setValue(value, forKey: key)
            }
        }
    }

    /// Builds the key → position dictionary once the object outgrows linear search.
    @usableFromInline
    mutating func buildIndex() {
        var built = [String: Int](minimumCapacity: pairs.count * 2)
        for (i, pair) in pairs.enumerated() { built[pair.key] = i }
        index = built
    }

    /// The position of `key` in `pairs`.
    @inlinable
    func position(of key: String) -> Int? {
        if let index { return index[key] }
        for i in pairs.indices where pairs[i].key == key { return i }
        return nil
    }

    /// Replaces the value of an existing key in place, or appends a new member.
    @inlinable
    mutating func setValue(_ value: JSON, forKey key: String) {
        if let i = position(of: key) {
            pairs[i].value = value
            return
        }
        pairs.append((key, value))
        if index != nil {
            index?[key] = pairs.count - 1
        } else if pairs.count > Self.indexThreshold {
            buildIndex()
        }
    }

    /// The value for `key`; setting `nil` removes the key, setting a new key appends it.
    public subscript(key: String) -> JSON? {
        get {
            guard let i = position(of: key) else { return nil }
            return pairs[i].value
        }
        set {
            if let newValue {
                setValue(newValue, forKey: key)
            } else if let i = position(of: key) {
                pairs.remove(at: i)
                if index != nil {
                    index?[key] = nil
                    for j in i..<pairs.count { index?[pairs[j].key] = j }
                }
            }
        }
    }

    /// The keys in insertion order.
    public var keys: [String] { pairs.map(\.key) }

    /// The values in insertion order.
    public var values: [JSON] { pairs.map(\.value) }

    /// The number of members.
    public var count: Int { pairs.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { pairs.isEmpty }

    /// Whether `key` is a member.
    public func contains(key: String) -> Bool { position(of: key) != nil }
}

extension JSONObject: Sequence {
    /// Iterates members in insertion order.
    public func makeIterator() -> IndexingIterator<[(key: String, value: JSON)]> { pairs.makeIterator() }

    /// The number of members.
    public var underestimatedCount: Int { pairs.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Members in written order; a repeated key keeps the last value.
    public init(dictionaryLiteral elements: (String, JSON)...) { self.init(elements) }
}

extension JSONObject: Hashable {
    /// Same keys with equal values, in any order (RFC 8259 §4: objects are unordered).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.pairs {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }

    /// An order-independent hash: the wrapping sum of each member's own hash.
    public func hash(into hasher: inout Hasher) {
        var sum = 0
        for (key, value) in pairs {
            var h = Hasher()
            h.combine(key)
            h.combine(value)
            sum &+= h.finalize()
        }
        hasher.combine(pairs.count)
        hasher.combine(sum)
    }
}
