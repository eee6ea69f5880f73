// Aerie — plans and applies the changes between a schema file and a database
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON
public import AerieSQLite

/// One change to bring a database in line with a schema file.
public struct MigrationStep: Sendable, Hashable, CustomStringConvertible {
    /// What happens, in words (`add field posts.views (number)`).
    public var summary: String
    /// Whether the step destroys stored data (dropping a table or column, changing a type).
    public var isDataLosing: Bool
    /// The SQL it runs, in order.
    public var sql: [String]
    /// How to go ahead with a data-losing step.
    public var advice: String

    /// `! ` marks a data-losing step, `~ ` one that only changes the recorded definition
    /// (rules, options), `+ ` any other.
    public var description: String { (isDataLosing ? "! " : sql.isEmpty ? "~ " : "+ ") + summary }
}

/// The ordered steps between the stored schema and a target schema.
public struct MigrationPlan: Sendable {
    public var steps: [MigrationStep]
    /// The definitions to record in `_collections` once the steps ran.
    var catalog: [(id: String, name: String, type: String, definition: String)]
    /// When set, the plan only concerns these collections and leaves every other one alone.
    var isPartial = false

    public var isEmpty: Bool { steps.isEmpty }
    public var dataLosingSteps: [MigrationStep] { steps.filter(\.isDataLosing) }
}

/// What the database says a collection looked like when it was last migrated.
struct StoredCollection {
    var id: String
    var name: String
    var type: String
    var fields: [StoredField]
    var indexes: [(name: String, sql: String)]
    /// The whole stored collection JSON (rules and options are compared against it).
    var definition = JSONObject()
}

/// One field of a stored collection.
struct StoredField {
    var id: String
    var name: String
    var type: String
    var multiple: Bool
    var definition = JSONObject()
}

/// Computes and applies migration plans. The catalog of applied collections lives in the
/// `_collections` table; secrets and other parameters in `_params`.
public enum Migrator {
    static let catalogSQL = """
        CREATE TABLE IF NOT EXISTS "_collections" ("id" TEXT PRIMARY KEY NOT NULL, "name" TEXT NOT NULL UNIQUE, \
        "type" TEXT NOT NULL, "definition" JSON NOT NULL, "created" TEXT NOT NULL, "updated" TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS "_params" ("key" TEXT PRIMARY KEY NOT NULL, "value" TEXT NOT NULL);
        """

    /// Creates the catalog tables if needed (idempotent).
    public static func prepareCatalog(_ db: Connection) throws {
        try db.execute(catalogSQL)
    }

    static func loadStored(_ db: Connection) throws -> [StoredCollection] {
        var out: [StoredCollection] = []
        try db.query(#"SELECT "id", "name", "type", "definition" FROM "_collections" ORDER BY rowid"#) { row in
            var stored = StoredCollection(id: row.string(0), name: row.string(1), type: row.string(2), fields: [], indexes: [])
            if case .object(let def)? = try? JSONParser.parse(row.string(3)) {
                stored.definition = def
                for f in def["fields"]?.arrayValue ?? [] {
                    let type = f["type"]?.stringValue ?? ""
                    let multiple = ["select", "relation", "file"].contains(type) && (f["maxSelect"]?.intValue ?? 1) > 1
                    var definition = JSONObject()
                    if case .object(let o) = f { definition = o }
                    stored.fields.append(StoredField(id: f["id"]?.stringValue ?? "", name: f["name"]?.stringValue ?? "", type: type,
                                                     multiple: multiple, definition: definition))
                }
                for i in def["indexes"]?.arrayValue ?? [] {
                    if let sql = i.stringValue, case .success(let parsed) = IndexDefinition.parse(sql) {
                        stored.indexes.append((parsed.name, sql))
                    }
                }
            }
            out.append(stored)
        }
        return out
    }

    /// The plan from what `db` holds to `schema`. A `partial` plan only brings the schema's own
    /// collections up to date and never drops the others (used by maintenance commands that
    /// only need the system collections).
    public static func plan(_ db: Connection, to schema: Schema, partial: Bool = false, dialect: any SQLDialect = SQLiteDialect()) throws -> MigrationPlan {
        try prepareCatalog(db)
        return plan(stored: try loadStored(db), to: schema, partial: partial, dialect: dialect)
    }

    static func plan(stored: [StoredCollection], to schema: Schema, partial: Bool = false, dialect: any SQLDialect) -> MigrationPlan {
        let ddl = TableSQL(dialect: dialect)
        var steps: [MigrationStep] = []
        // Index names share one namespace across tables: every drop runs first, every create last.
        var indexDrops: [MigrationStep] = []
        var indexCreates: [MigrationStep] = []
        let dataLossAdvice = "put it back in the schema file, or run `aerie schema apply --allow-data-loss` (it takes a backup first)"
        // Match every stable id first, then the rest by name (case-insensitive), as for fields.
        var matched = Set<String>()
        var matches: [StoredCollection?] = schema.collections.map { c in
            guard let old = stored.first(where: { $0.id == c.id }) else { return nil }
            matched.insert(old.id)
            return old
        }
        for (i, c) in schema.collections.enumerated() where matches[i] == nil {
            if let old = stored.first(where: { ASCII.lowercased($0.name) == ASCII.lowercased(c.name) && !matched.contains($0.id) }) {
                matched.insert(old.id)
                matches[i] = old
            }
        }
        // Tables moving away from a name another collection takes first move to a temporary name.
        let taken = Set(zip(schema.collections, matches).filter { $0.1?.name != $0.0.name }.map { ASCII.lowercased($0.0.name) })
        var tableName: [String: String] = [:]
        var freeing: [String] = []
        for (c, old) in zip(schema.collections, matches) {
            guard let old, old.name != c.name, taken.contains(ASCII.lowercased(old.name)) else { continue }
            let temporary = "_aerie_rename_\(freeing.count)"
            freeing.append(ddl.renameTable(from: old.name, to: temporary))
            tableName[old.id] = temporary
        }
        if !freeing.isEmpty {
            steps.append(MigrationStep(summary: "free the names of renamed collections (temporary table names)", isDataLosing: false, sql: freeing, advice: ""))
        }
        // Dropped tables go before any rename, which may reuse their names.
        for old in stored where !matched.contains(old.id) && !partial {
            steps.append(MigrationStep(summary: "drop collection \(old.name) and all its records", isDataLosing: true,
                                       sql: [ddl.dropTable(old.name)], advice: dataLossAdvice))
        }
        var creations: [MigrationStep] = []
        for (c, stored) in zip(schema.collections, matches) {
            guard var old = stored else {
                creations.append(MigrationStep(summary: "create collection \(c.name) (\(c.type.rawValue), \(c.fields.count) fields)", isDataLosing: false,
                                               sql: [ddl.createTable(c)] + c.indexes.map(ddl.createIndex), advice: ""))
                continue
            }
            let storedName = old.name
            if let temporary = tableName[old.id] { old.name = temporary }
            if old.type != c.type.rawValue {
                steps.append(MigrationStep(summary: "change type of collection \(c.name) from \(old.type) to \(c.type.rawValue) (recreates the table: every record is lost)",
                                           isDataLosing: true,
                                           sql: [ddl.dropTable(old.name), ddl.createTable(c)] + c.indexes.map(ddl.createIndex),
                                           advice: "a collection's type cannot change in place; create a new collection instead"))
                continue
            }
            let table = c.name
            // Match fields first: every stable id, then the remaining fields by name (so a new
            // field that takes a renamed field's old name cannot capture its data).
            var usedOld = Set<String>()
            var matches: [StoredField?] = c.fields.map { f in
                guard let previous = old.fields.first(where: { $0.id == f.base.id && !usedOld.contains($0.name) }) else { return nil }
                usedOld.insert(previous.name)
                return previous
            }
            for (i, f) in c.fields.enumerated() where matches[i] == nil {
                if let previous = old.fields.first(where: { $0.name == f.name && !usedOld.contains($0.name) }) {
                    usedOld.insert(previous.name)
                    matches[i] = previous
                }
            }
            let pairs = Array(zip(c.fields, matches)).map { (new: $0.0, old: $0.1) }
            let dropped = old.fields.filter { !usedOld.contains($0.name) }
            let renamed = Set(pairs.compactMap { pair in pair.old.flatMap { $0.name != pair.new.name ? ASCII.lowercased($0.name) : nil } })
            // Columns rebuilt by a type conversion: no index may reference them while that runs.
            var rebuilt = Set<String>()
            for (f, previous) in pairs {
                guard let previous else { continue }
                let multiple = (f as? any MultiValueField)?.isMultiple ?? false
                if previous.type != f.typeName && !compatible(previous.type, f.typeName) || previous.multiple != multiple {
                    rebuilt.insert(ASCII.lowercased(previous.name))
                }
            }
            // Drop changed indexes first: renames and column drops must not trip over them.
            let newIndexSQL = Dictionary(c.indexes.map { (ASCII.lowercased($0.name), ddl.createIndex($0)) }, uniquingKeysWith: { a, _ in a })
            var oldIndexSQL: [String: String] = [:]
            for idx in old.indexes {
                guard case .success(let parsed) = IndexDefinition.parse(idx.sql) else { continue }
                let oldSQL = ddl.createIndex(withTable(parsed, c.name))
                // SQLite rewrites an index when its column is renamed, so an index over a renamed or
                // rebuilt column is always dropped and created again from the file.
                let touchesRebuilt = parsed.columns.contains { rebuilt.contains(ASCII.lowercased($0)) || renamed.contains(ASCII.lowercased($0)) }
                if newIndexSQL[ASCII.lowercased(idx.name)] != oldSQL || touchesRebuilt {
                    indexDrops.append(MigrationStep(summary: "drop index \(idx.name) on \(c.name)", isDataLosing: false, sql: [ddl.dropIndex(idx.name)], advice: ""))
                } else {
                    oldIndexSQL[ASCII.lowercased(idx.name)] = oldSQL
                }
            }
            if old.name != c.name {
                steps.append(MigrationStep(summary: "rename collection \(storedName) to \(c.name)", isDataLosing: false,
                                           sql: [ddl.renameTable(from: old.name, to: c.name)], advice: ""))
            }
            for f in dropped {
                steps.append(MigrationStep(summary: "drop field \(c.name).\(f.name) (\(f.type)) and its data", isDataLosing: true,
                                           sql: [ddl.dropColumn(table, f.name)], advice: dataLossAdvice))
            }
            // A column that moves away from a name another field will take (a swap, or a new
            // field reusing a renamed field's name) first moves to a temporary name.
            let taken = Set(pairs.filter { $0.old?.name != $0.new.name }.map { ASCII.lowercased($0.new.name) })
            var column: [String: String] = [:]
            var freeing: [String] = []
            for (f, previous) in pairs {
                guard let previous else { continue }
                column[previous.name] = previous.name
                if previous.name != f.name && taken.contains(ASCII.lowercased(previous.name)) {
                    let temporary = "_aerie_rename_\(freeing.count)"
                    freeing.append(ddl.renameColumn(table, from: previous.name, to: temporary))
                    column[previous.name] = temporary
                }
            }
            if !freeing.isEmpty {
                steps.append(MigrationStep(summary: "free the names of renamed fields in \(c.name) (temporary column names)",
                                           isDataLosing: false, sql: freeing, advice: ""))
            }
            for (f, previous) in pairs {
                guard let previous else {
                    steps.append(MigrationStep(summary: "add field \(c.name).\(f.name) (\(f.typeName))", isDataLosing: false,
                                               sql: [ddl.addColumn(table, f)], advice: ""))
                    continue
                }
                let current = column[previous.name] ?? previous.name
                if rebuilt.contains(ASCII.lowercased(previous.name)) {
                    steps.append(convert(table: table, collection: c.name, from: previous, column: current, to: f, ddl: ddl, advice: dataLossAdvice))
                    continue
                }
                if previous.name != f.name {
                    steps.append(MigrationStep(summary: "rename field \(c.name).\(previous.name) to \(f.name)", isDataLosing: false,
                                               sql: [ddl.renameColumn(table, from: current, to: f.name)], advice: ""))
                }
                steps += optionSteps(collection: c.name, old: previous.definition, new: f.collectionJSON())
            }
            for idx in c.indexes where oldIndexSQL[ASCII.lowercased(idx.name)] != ddl.createIndex(idx) {
                indexCreates.append(MigrationStep(summary: "create index \(idx.name) on \(c.name)", isDataLosing: false, sql: [ddl.createIndex(idx)], advice: ""))
            }
            steps += settingSteps(collection: c.name, old: old.definition, new: c.collectionJSON())
        }
        // New tables last: by then every name they might reuse has been freed.
        steps = indexDrops + steps + creations + indexCreates
        let catalog = schema.collections.map { c in
            (c.id, c.name, c.type.rawValue, String(decoding: JSON.object(c.collectionJSON()).serialized(), as: UTF8.self))
        }
        return MigrationPlan(steps: steps, catalog: catalog, isPartial: partial)
    }

    private static func withTable(_ index: IndexDefinition, _ table: String) -> IndexDefinition {
        var copy = index
        copy.table = table
        return copy
    }

    /// Type changes that keep every stored value meaningful.
    static func compatible(_ from: String, _ to: String) -> Bool {
        let textual: Set<String> = ["text", "editor", "email", "url", "date"]
        return textual.contains(from) && textual.contains(to) && (to == "text" || to == "editor")
    }

    /// Runs the plan inside the caller's transaction, skipping data-losing steps unless allowed,
    /// and records the catalog.
    public static func apply(_ plan: MigrationPlan, on db: Connection, allowDataLoss: Bool = false) throws {
        try prepareCatalog(db)
        for step in plan.steps where !step.isDataLosing || allowDataLoss {
            for sql in step.sql { try db.execute(sql) }
        }
        let now = Timestamp.now().formatted
        let keep = plan.catalog.map(\.id)
        var existing = Set<String>()
        try db.query(#"SELECT "id" FROM "_collections""#) { existing.insert($0.string(0)) }
        for id in existing where !keep.contains(id) && !plan.isPartial {
            try db.run(#"DELETE FROM "_collections" WHERE "id" = ?"#, [.text(id)])
        }
        for entry in plan.catalog {
            // Free the name first: a rename may hand a name from one collection to another.
            try db.run(#"DELETE FROM "_collections" WHERE "name" = ? AND "id" != ?"#, [.text(entry.name), .text(entry.id)])
            try db.run("""
                INSERT INTO "_collections" ("id", "name", "type", "definition", "created", "updated") VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT("id") DO UPDATE SET "name" = excluded."name", "type" = excluded."type",
                "definition" = excluded."definition", "updated" = excluded."updated"
                WHERE "definition" != excluded."definition" OR "name" != excluded."name"
                """, [.text(entry.id), .text(entry.name), .text(entry.type), .text(entry.definition), .text(now), .text(now)])
        }
    }
}
