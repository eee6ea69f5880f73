// Aerie — per-collection SQL and lookups prepared once when the schema loads
// SPDX-License-Identifier: MIT
import AerieBase
import AerieSQLite

/// A collection with the SQL text and column positions the hot paths need, computed once.
struct CompiledCollection: Sendable {
    let schema: CollectionSchema
    /// Fields that appear in record JSON, in column order of `selectList`.
    let outputFields: [any FieldType]
    /// `"id", "title", …` for the output fields.
    let selectList: String
    let table: String
    let viewSQL: String
    let insertSQL: String
    /// Column positions within `outputFields` used for email visibility.
    let emailColumn: Int?
    let emailVisibilityColumn: Int?
    let idColumn: Int

    init(_ c: CollectionSchema, dialect: any SQLDialect) {
        schema = c
        let outputs = c.fields.filter { $0.isOutput && $0.name != "tokenKey" }
        outputFields = outputs
        table = dialect.quoteIdentifier(c.name)
        selectList = outputs.map { dialect.quoteIdentifier($0.name) }.joined(separator: ", ")
        viewSQL = "SELECT \(selectList) FROM \(table) WHERE \(dialect.quoteIdentifier("id")) = ? LIMIT 1"
        let columns = c.fields.map { dialect.quoteIdentifier($0.name) }.joined(separator: ", ")
        let marks = c.fields.indices.map { dialect.placeholder($0 + 1) }.joined(separator: ", ")
        insertSQL = "INSERT INTO \(table) (\(columns)) VALUES (\(marks))"
        emailColumn = c.isAuth ? outputs.firstIndex { $0.name == "email" } : nil
        emailVisibilityColumn = c.isAuth ? outputs.firstIndex { $0.name == "emailVisibility" } : nil
        idColumn = outputs.firstIndex { $0.name == "id" } ?? 0
    }
}

/// The whole schema compiled for serving.
struct CompiledSchema: Sendable {
    let schema: Schema
    let dialect: any SQLDialect
    private let byID: [String: CompiledCollection]

    init(schema: Schema, dialect: any SQLDialect = SQLiteDialect()) {
        self.schema = schema
        self.dialect = dialect
        var map: [String: CompiledCollection] = [:]
        for c in schema.collections { map[c.id] = CompiledCollection(c, dialect: dialect) }
        byID = map
    }

    /// By id or case-insensitive name.
    func collection(_ key: String) -> CompiledCollection? {
        guard let c = schema.collection(key) else { return nil }
        return byID[c.id]
    }
}
