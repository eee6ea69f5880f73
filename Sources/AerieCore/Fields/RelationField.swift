// Aerie — relation field
// SPDX-License-Identifier: MIT
public import AerieJSON
import AerieSQLite

/// Ids of records in another collection (`relation`). Every id must exist there; the
/// target's API rules are not consulted (spec §8).
public struct RelationField: MultiValueField {
    public static let typeName = "relation"
    public var base: FieldBase
    /// The target collection's name as written in the schema (resolved to an id by the schema).
    public var collection = ""
    /// The target collection's id, filled in when the schema resolves.
    public var collectionID = ""
    public var cascadeDelete = false
    public var minSelect = 0
    public var maxSelect = 1

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) {
        self.base = base
        collection = o.string("collection")
        collectionID = o.string("collectionId")
        if collection.isEmpty && collectionID.isEmpty { o.fail("collection", "is required (the target collection's name)") }
        cascadeDelete = o.bool("cascadeDelete")
        minSelect = o.int("minSelect", min: 0)
        maxSelect = o.int("maxSelect", default: 1, min: 0)
        if maxSelect > 0 && minSelect > maxSelect { o.fail("minSelect", "must be <= maxSelect") }
    }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        let ids = list(value)
        if ids.isEmpty { return base.required ? .required : nil }
        if minSelect > 0 && ids.count < minSelect {
            return FieldIssue("validation_not_enough_values", "Select at least \(minSelect).", params: ["minSelect": .int(Int64(minSelect))])
        }
        if let issue = tooMany(ids.count) { return issue }
        switch context.relationIDsExist(collectionID, ids) {
        case .none: return FieldIssue("validation_missing_rel_collection", "Failed to fetch relation collection.")
        case .some(false): return FieldIssue("validation_missing_rel_records", "Failed to find all relation records with the provided ids.")
        case .some(true): return nil
        }
    }

    public func optionsJSON() -> [(String, JSON)] {
        [("collectionId", .string(collectionID)), ("cascadeDelete", .bool(cascadeDelete)),
         ("minSelect", .int(Int64(minSelect))), ("maxSelect", .int(Int64(maxSelect)))]
    }
}
