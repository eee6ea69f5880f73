// Aerie — the per-collection column formats write exactly what each field's writeValue writes
// SPDX-License-Identifier: MIT
@testable import AerieCore
import AerieJSON
import AerieSQLite
import Testing

@Suite struct ColumnFormatTests {
    static func fields() -> [any FieldType] {
        let b = FieldBase(id: "x", name: "f")
        let multiSelect = SelectField(base: b, values: ["a", "b"], maxSelect: 3)
        var multiRelation = RelationField(base: b); multiRelation.maxSelect = 2
        var multiFile = FileField(base: b); multiFile.maxSelect = 5
        return [TextField(base: b), EditorField(base: b), EmailField(base: b), URLField(base: b), DateField(base: b),
                AutodateField(base: b, onCreate: true, onUpdate: false), BoolField(base: b), NumberField(base: b), JSONField(base: b), GeoPointField(base: b),
                SelectField(base: b, values: ["a"], maxSelect: 1), multiSelect, RelationField(base: b), multiRelation, FileField(base: b), multiFile,
                PasswordField(base: b)]
    }

    /// Stored values of every storage class, including ones a field would never write itself.
    static let stored: [SQLValue] = [.null, .text(""), .text("a<b>&\"c\"\u{2028}"), .integer(12), .integer(0), .real(1.5),
                                     .text(#"["a","b"]"#), .text(#"{"lon":1,"lat":2}"#), .blob([0xFF, 0x41])]

    @Test func everyFormat_matchesItsFieldsWriteValue() throws {
        let db = try Connection(path: ":memory:")
        for field in Self.fields() {
            for value in Self.stored {
                try db.query("SELECT ?", [value]) { row in
                    var expected = JSONWriter(), actual = JSONWriter()
                    field.writeValue(row, 0, to: &expected)
                    if field.columnFormat == .custom { field.writeValue(row, 0, to: &actual) } else { field.columnFormat.write(row, 0, to: &actual) }
                    #expect(actual.bytes == expected.bytes, "\(type(of: field)) \(field.columnFormat) \(value)")
                }
            }
        }
    }

    @Test func onlyPasswordsAreCustom() {
        let custom = Self.fields().filter { $0.columnFormat == .custom }.map { String(describing: type(of: $0)) }
        #expect(custom == ["PasswordField"])
    }
}
