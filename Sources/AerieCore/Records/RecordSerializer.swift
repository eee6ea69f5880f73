// Aerie — record JSON straight from SQLite rows or in-memory values
// SPDX-License-Identifier: MIT
import AerieJSON
import AerieSQLite

/// Writes records as PocketBase record JSON: `collectionId`, `collectionName`, then the
/// visible fields. Hidden fields only for superusers; `email` of auth records only when
/// visible to the requester (spec §9.1); `password` and `tokenKey` never.
struct RecordSerializer {
    let collection: CompiledCollection
    let requester: Requester
    /// Whether the requester satisfies the collection's `manageRule` for a record id (managers
    /// see its email, spec §9.1); nil when that cannot be the case.
    var isManaged: ((String) -> Bool)? = nil

    private func isVisible(_ field: any FieldType) -> Bool {
        !field.base.hidden || requester.isSuperuser
    }

    /// Writes the current row of a statement selected with `collection.selectList`.
    @inline(__always)
    func write(row: Statement, to w: inout JSONWriter) {
        writeOpen(row: row, to: &w)
        w.endObject()
    }

    /// Expand hook: the record without its closing brace, so an `expand` key can follow (Expand.swift).
    func writeOpen(row: Statement, to w: inout JSONWriter) {
        let c = collection
        var showEmail = true
        if let _ = c.emailColumn, let vis = c.emailVisibilityColumn {
            showEmail = requester.isSuperuser || row.int64(Int32(vis)) != 0
                || requester.isRecord(row.string(Int32(c.idColumn)), in: c.schema.id)
                || isManaged?(row.string(Int32(c.idColumn))) == true
        }
        w.beginObject()
        w.rawMembers(c.encodedHeader)
        for (i, f) in c.outputFields.enumerated() where isVisible(f) {
            if i == c.emailColumn && !showEmail { continue }
            w.rawKey(c.encodedKeys[i])
            f.writeValue(row, Int32(i), to: &w)
        }
    }

    /// Writes a record held as values by field name (after create/update).
    func write(values: [String: JSON], to w: inout JSONWriter) {
        writeOpen(values: values, to: &w)
        w.endObject()
    }

    /// Expand hook: the record held as values, without its closing brace (Expand.swift).
    func writeOpen(values: [String: JSON], to w: inout JSONWriter) {
        let c = collection
        var showEmail = true
        if c.emailColumn != nil {
            let id = values["id"]?.stringValue ?? ""
            showEmail = requester.isSuperuser || values["emailVisibility"]?.boolValue == true || requester.isRecord(id, in: c.schema.id)
                || isManaged?(id) == true
        }
        w.beginObject()
        w.key("collectionId"); w.string(c.schema.id)
        w.key("collectionName"); w.string(c.schema.name)
        for f in c.outputFields where isVisible(f) {
            if f.name == "email" && c.emailColumn != nil && !showEmail { continue }
            w.key(f.name)
            w.value(values[f.name] ?? f.zeroValue)
        }
    }
}
