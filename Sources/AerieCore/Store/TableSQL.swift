// Aerie — DDL text for collections, through the SQL dialect seam
// SPDX-License-Identifier: MIT
import AerieSQLite

/// Builds the CREATE/ALTER statements for a collection's table. All identifiers come from
/// the validated schema and are quoted by the dialect; no value is ever interpolated.
struct TableSQL {
    let dialect: any SQLDialect

    func quote(_ identifier: String) -> String { dialect.quoteIdentifier(identifier) }

    /// The column type keyword for a field. Numbers use NUMERIC affinity so integral values
    /// are stored as integers and read back without a fraction.
    func columnType(_ field: any FieldType) -> String {
        switch field.storage {
        case .text: return "TEXT"
        case .integer: return "INTEGER"
        case .real: return "NUMERIC"
        case .boolean: return "BOOLEAN"
        case .json: return "JSON"
        case .blob: return "BLOB"
        }
    }

    /// `"name" TYPE DEFAULT … NOT NULL` (JSON fields are nullable: their zero value is null).
    func columnDefinition(_ field: any FieldType) -> String {
        if field.name == "id" {
            return "\(quote("id")) TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL"
        }
        let nullable = field.defaultSQL == "NULL"
        return "\(quote(field.name)) \(columnType(field)) DEFAULT \(field.defaultSQL)\(nullable ? "" : " NOT NULL")"
    }

    func createTable(_ c: CollectionSchema) -> String {
        "CREATE TABLE \(quote(c.name)) (" + c.fields.map(columnDefinition).joined(separator: ", ") + ")"
    }

    func createIndex(_ index: IndexDefinition) -> String {
        var sql = "CREATE \(index.isUnique ? "UNIQUE " : "")INDEX \(quote(index.name)) ON \(quote(index.table)) (\(index.columnsSQL))"
        if !index.whereSQL.isEmpty { sql += " WHERE \(index.whereSQL)" }
        return sql
    }

    func dropIndex(_ name: String) -> String { "DROP INDEX IF EXISTS \(quote(name))" }
    func addColumn(_ table: String, _ field: any FieldType) -> String { "ALTER TABLE \(quote(table)) ADD COLUMN \(columnDefinition(field))" }
    func renameColumn(_ table: String, from: String, to: String) -> String { "ALTER TABLE \(quote(table)) RENAME COLUMN \(quote(from)) TO \(quote(to))" }
    func dropColumn(_ table: String, _ column: String) -> String { "ALTER TABLE \(quote(table)) DROP COLUMN \(quote(column))" }
    func renameTable(from: String, to: String) -> String { "ALTER TABLE \(quote(from)) RENAME TO \(quote(to))" }
    func dropTable(_ table: String) -> String { "DROP TABLE IF EXISTS \(quote(table))" }
}
