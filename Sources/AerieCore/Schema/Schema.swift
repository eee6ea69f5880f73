// Aerie — the set of collections an app declares
// SPDX-License-Identifier: MIT
import AerieBase

/// Every collection of one app, including the system `_superusers` collection.
/// Immutable once loaded; lookups by id or by name (case-insensitive, spec §1.1).
public struct Schema: Sendable {
    public private(set) var collections: [CollectionSchema]
    private var byKey: [String: Int] = [:]

    public init(collections: [CollectionSchema]) {
        self.collections = collections
        for (i, c) in collections.enumerated() {
            byKey[c.id] = i
            byKey[ASCII.lowercased(c.name)] = i
        }
    }

    /// The collection whose id or (case-insensitive) name is `key`.
    public func collection(_ key: String) -> CollectionSchema? {
        if let i = byKey[key] { return collections[i] }
        return byKey[ASCII.lowercased(key)].map { collections[$0] }
    }

    /// Collections with a relation field pointing at `collectionID`, with those fields.
    public func references(to collectionID: String) -> [(collection: CollectionSchema, field: RelationField)] {
        var out: [(CollectionSchema, RelationField)] = []
        for c in collections {
            for f in c.fields {
                if let r = f as? RelationField, r.collectionID == collectionID { out.append((c, r)) }
            }
        }
        return out
    }
}
