// Aerie — json field values stored with object keys in byte order, as PocketBase stores them
// SPDX-License-Identifier: MIT
import AerieJSON

extension JSON {
    /// The same value with every object's keys sorted by their UTF-8 bytes, recursively.
    ///
    /// PocketBase decodes a JSON body into Go maps and encodes it again, so a stored json field
    /// has its keys in byte order; sorting and comparing a whole json field (`sort=meta`) depend
    /// on that text.
    func withSortedKeys() -> JSON {
        switch self {
        case .array(let items):
            return .array(items.map { $0.withSortedKeys() })
        case .object(let object):
            let pairs = object.map { ($0.key, $0.value.withSortedKeys()) }
            return .object(JSONObject(pairs.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }))
        default:
            return self
        }
    }
}
