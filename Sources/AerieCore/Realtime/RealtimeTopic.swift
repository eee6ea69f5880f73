// Aerie — realtime subscription topics and their `?options=`
// SPDX-License-Identifier: MIT
import AerieJSON

/// A subscription topic as a client sent it: `posts/*`, `posts/RECORD_ID`, `posts` (legacy for
/// `posts/*`), each optionally followed by `?options=<url-encoded JSON>` (spec §11.3).
package struct RealtimeTopic: Sendable, Hashable {
    /// The topic verbatim; events are named by it.
    package let raw: String
    /// The topic without its options: the key subscribers are indexed by.
    package let base: String
    /// The options as sent (the text after `?options=`), "" when none; part of the grouping key.
    package let optionsText: String
    /// `query` and `headers` from the options.
    package let options: RealtimeOptions

    /// Splits a topic into its base and options.
    package init(_ raw: String) {
        self.raw = raw
        if let marker = raw.utf8.firstRange(of: "?options=".utf8) {
            base = String(Substring(raw.utf8[..<marker.lowerBound]))
            optionsText = String(Substring(raw.utf8[marker.upperBound...]))
            options = RealtimeOptions(encoded: optionsText)
        } else {
            base = raw
            optionsText = ""
            options = RealtimeOptions()
        }
    }

    /// The index keys a change to record `id` of a collection reaches: by name and by id, for the
    /// whole collection (`c/*`, `c`) and for the record (`c/id`).
    static func keys(collectionName: String, collectionID: String, recordID: String) -> [(key: String, isRecordTopic: Bool)] {
        var keys: [(String, Bool)] = [(collectionName + "/*", false), (collectionName, false), (collectionName + "/" + recordID, true)]
        if collectionID != collectionName {
            keys += [(collectionID + "/*", false), (collectionID, false), (collectionID + "/" + recordID, true)]
        }
        return keys
    }
}

/// The `query` and `headers` a topic's options carry; they feed `@request.query.*`,
/// `@request.headers.*` and the `filter`, `expand` and `fields` handling.
package struct RealtimeOptions: Sendable, Hashable {
    /// `@request.query.*`, and `filter`, `expand`, `fields`.
    package var query: [String: String] = [:]
    /// `@request.headers.*`, by lower-case `_` names.
    package var headers: [String: String] = [:]

    package init() {}

    /// Options from the url-encoded JSON after `?options=`; anything unreadable means none, as in
    /// PocketBase.
    package init(encoded: String) {
        guard let text = Self.percentDecoded(encoded), let json = try? JSONParser.parse(text),
              case .object(let object) = json else { return }
        if case .object(let q)? = object["query"] {
            for (key, value) in q { query[key] = Self.text(value) }
        }
        if case .object(let h)? = object["headers"] {
            for (key, value) in h {
                // Rules read headers lower-cased with `_` for `-` (`@request.headers.x_token`).
                let name = String(key.lowercased().map { $0 == "-" ? "_" : $0 })
                headers[name] = Self.text(value)
            }
        }
    }

    package var filter: String { query["filter"] ?? "" }
    var expand: String { query["expand"] ?? "" }
    var fields: String { query["fields"] ?? "" }

    private static func text(_ value: JSON) -> String {
        if case .string(let s) = value { return s }
        return String(decoding: value.serialized(), as: UTF8.self)
    }

    /// `%XX` escapes and `+` as space (the SDKs use `encodeURIComponent`); nil on a bad escape or bad UTF-8.
    package static func percentDecoded(_ text: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var bytes = text.utf8.makeIterator()
        while let b = bytes.next() {
            if b == UInt8(ascii: "%") {
                guard let h = bytes.next().flatMap(hex), let l = bytes.next().flatMap(hex) else { return nil }
                out.append(h << 4 | l)
            } else if b == UInt8(ascii: "+") {
                out.append(32)
            } else {
                out.append(b)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: b - 48
        case 65...70: b - 55
        case 97...102: b - 87
        default: nil
        }
    }
}
