// Aerie — per-collection SQL and lookups prepared once when the schema loads
// SPDX-License-Identifier: MIT
import AerieBase
import AerieFilter
import AerieJSON
import AerieSQLite

/// A rule after parsing: locked (`null`), open (`""`) or a filter expression.
enum ParsedRule: Sendable {
    case locked
    case open
    case expression(FilterExpression, text: String)

    init(_ text: String?) throws(FilterError) {
        guard let text else { self = .locked; return }
        guard let expression = try FilterParser.parse(text) else { self = .open; return }
        self = .expression(expression, text: text)
    }
}

/// Every rule of one collection, parsed once when the schema loads.
struct ParsedRules: Sendable {
    var list: ParsedRule
    var view: ParsedRule
    var create: ParsedRule
    var update: ParsedRule
    var delete: ParsedRule
    var auth: ParsedRule
    /// `manageRule` of auth collections (`.locked` otherwise).
    var manage: ParsedRule = .locked
}

/// A collection with the SQL text and column positions the hot paths need, computed once.
struct CompiledCollection: Sendable {
    let schema: CollectionSchema
    /// Fields that appear in record JSON, in column order of `selectList`.
    let outputFields: [any FieldType]
    /// `"posts"."id", "posts"."title", …` for the output fields (qualified: filters may join other tables).
    let selectList: String
    /// The collection's rules, parsed.
    let rules: ParsedRules
    let table: String
    let viewSQL: String
    let insertSQL: String
    /// Every column (hidden ones included), in field order, for reading whole records.
    let allColumns: String
    /// `SELECT <allColumns> FROM <table> WHERE "id" = ? LIMIT 1`.
    let loadSQL: String
    /// Column positions within `outputFields` used for email visibility.
    let emailColumn: Int?
    let emailVisibilityColumn: Int?
    let idColumn: Int
    /// `"name":` of each output field, escaped once (RecordSerializer writes them per row).
    let encodedKeys: [[UInt8]]
    /// `"collectionId":"…","collectionName":"…"`, the members every record starts with.
    let encodedHeader: [UInt8]

    init(_ c: CollectionSchema, dialect: any SQLDialect) throws(FilterError) {
        schema = c
        rules = ParsedRules(list: try ParsedRule(c.rules.list), view: try ParsedRule(c.rules.view),
                            create: try ParsedRule(c.rules.create), update: try ParsedRule(c.rules.update),
                            delete: try ParsedRule(c.rules.delete), auth: try ParsedRule(c.auth.map { $0.authRule } ?? nil),
                            manage: try ParsedRule(c.auth.map { $0.manageRule } ?? nil))
        let outputs = c.fields.filter { $0.isOutput && $0.name != "tokenKey" }
        outputFields = outputs
        let table = dialect.quoteIdentifier(c.name)
        self.table = table
        selectList = outputs.map { table + "." + dialect.quoteIdentifier($0.name) }.joined(separator: ", ")
        viewSQL = "SELECT \(selectList) FROM \(table) WHERE \(table).\(dialect.quoteIdentifier("id")) = ? LIMIT 1"
        let columns = c.fields.map { dialect.quoteIdentifier($0.name) }.joined(separator: ", ")
        allColumns = columns
        loadSQL = "SELECT \(columns) FROM \(table) WHERE \(dialect.quoteIdentifier("id")) = ? LIMIT 1"
        let marks = c.fields.indices.map { dialect.placeholder($0 + 1) }.joined(separator: ", ")
        insertSQL = "INSERT INTO \(table) (\(columns)) VALUES (\(marks))"
        emailColumn = c.isAuth ? outputs.firstIndex { $0.name == "email" } : nil
        emailVisibilityColumn = c.isAuth ? outputs.firstIndex { $0.name == "emailVisibility" } : nil
        idColumn = outputs.firstIndex { $0.name == "id" } ?? 0
        encodedKeys = outputs.map { JSONWriter.encodedKey($0.name) }
        var header = JSONWriter(capacity: 96)
        header.key("collectionId"); header.string(c.id)
        header.key("collectionName"); header.string(c.name)
        encodedHeader = header.bytes
    }

    /// A row selected with `allColumns` as values by field name.
    func values(from row: Statement) -> [String: JSON] {
        var values = [String: JSON]()
        for (i, f) in schema.fields.enumerated() { values[f.name] = f.readValue(row, Int32(i)) }
        return values
    }
}

/// The whole schema compiled for serving.
struct CompiledSchema: Sendable {
    let schema: Schema
    let dialect: any SQLDialect
    private let byID: [String: CompiledCollection]
    /// Whether some list rule reads `@request.auth.<field>` (client filters joining that collection need the requester's record).
    let listRulesReadAuthRecord: Bool

    /// Compiles every collection; a rule that does not parse or names unknown fields is a startup error.
    init(schema: Schema, dialect: any SQLDialect = SQLiteDialect()) throws {
        self.schema = schema
        self.dialect = dialect
        var map: [String: CompiledCollection] = [:]
        for c in schema.collections {
            do {
                map[c.id] = try CompiledCollection(c, dialect: dialect)
            } catch {
                throw StartupError("collection \(c.name): a rule does not parse: \(error)")
            }
        }
        byID = map
        listRulesReadAuthRecord = schema.collections.contains { RecordService.readsAuthRecordFields($0.rules.list ?? "") }
    }

    /// By id or case-insensitive name.
    func collection(_ key: String) -> CompiledCollection? {
        guard let c = schema.collection(key) else { return nil }
        return byID[c.id]
    }
}
