// Aerie — the schema a data directory was last migrated to, as a schema file
// SPDX-License-Identifier: MIT
import AerieBase
public import AerieJSON
public import AerieSQLite

/// Reads the collection definitions recorded in `_collections` and writes them back out as a
/// schema file (`aerie schema export`), or loads them as a `Schema` for commands that work on
/// the data directory as it is (`aerie records …`).
public enum StoredSchema {
    /// The recorded collection JSON of every app collection, in creation order (system
    /// collections such as `_superusers` are left out: the loader adds them).
    public static func definitions(_ db: Connection) throws -> [JSONObject] {
        try Migrator.prepareCatalog(db)
        return try Migrator.loadStored(db).filter { !$0.name.hasPrefix("_") }.map(\.definition)
    }

    /// The schema file text for the recorded collections: pretty-printed JSON that
    /// `SchemaLoader` reads back to the same schema.
    public static func schemaFile(_ db: Connection) throws -> String {
        let collections = try definitions(db).map { definition -> JSON in
            var o = definition
            // The loader regenerates the system flag and timestamps; keep the file about the app.
            o["system"] = nil
            o["created"] = nil
            o["updated"] = nil
            return .object(o)
        }
        return PrettyJSON.text(.object(["collections": .array(collections)])) + "\n"
    }

    /// The recorded collections as a validated schema.
    public static func schema(_ db: Connection) throws -> Schema {
        let text = try schemaFile(db)
        return try SchemaLoader.load(Array(text.utf8), file: "<schema recorded in the data directory>")
    }
}

/// Indented JSON text (two spaces), with short arrays of scalars on one line.
public enum PrettyJSON {
    /// The value as indented JSON text.
    public static func text(_ value: JSON) -> String {
        var out = ""
        write(value, indent: "", to: &out)
        return out
    }

    private static func write(_ value: JSON, indent: String, to out: inout String) {
        let inner = indent + "  "
        switch value {
        case .object(let o) where !o.isEmpty:
            out += "{\n"
            for (i, (key, v)) in o.enumerated() {
                out += inner + JSON.string(key).jsonString + ": "
                write(v, indent: inner, to: &out)
                out += i == o.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        case .array(let a) where !a.isEmpty:
            let scalars = a.allSatisfy { if case .object = $0 { return false }; if case .array = $0 { return false }; return true }
            let flat = JSON.array(a).jsonString
            if scalars && flat.count <= 100 {
                out += flat
                return
            }
            out += "[\n"
            for (i, v) in a.enumerated() {
                out += inner
                write(v, indent: inner, to: &out)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        default:
            out += value.jsonString
        }
    }
}
