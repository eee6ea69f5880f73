// Aerie — geoPoint field
// SPDX-License-Identifier: MIT
public import AerieJSON
public import AerieSQLite

/// A longitude/latitude pair (`geoPoint`) stored as `{"lon":…,"lat":…}`; (0,0) counts as empty.
public struct GeoPointField: FieldType {
    public static let typeName = "geoPoint"
    public var base: FieldBase

    public init(base: FieldBase) { self.base = base }
    init(base: FieldBase, options o: inout FieldOptions) { self.base = base }

    public var storage: SQLStorageKind { .json }
    public var defaultSQL: String { #"'{"lon":0,"lat":0}'"# }
    public var zeroValue: JSON { .object(["lon": .int(0), "lat": .int(0)]) }

    public func normalize(_ input: JSON) -> JSON {
        var source = input
        if case .string(let s) = input, let parsed = try? JSONParser.parse(s) { source = parsed }
        guard case .object(let o) = source else { return zeroValue }
        // Only JSON numbers count; strings such as "5" become 0 (PocketBase unmarshals into float64).
        func coordinate(_ v: JSON?) -> JSON {
            switch v {
            case .int(let i)?: return .int(i)
            case .double(let d)?: return NumberField(base: base).canonical(d)
            default: return .int(0)
            }
        }
        let lon = coordinate(o["lon"]), lat = coordinate(o["lat"])
        return .object(["lon": lon, "lat": lat])
    }

    public func validate(_ value: JSON, context: ValidationContext) -> FieldIssue? {
        guard case .object(let o) = value else { return .unsupportedValueType }
        let lon = o["lon"]?.doubleValue ?? 0, lat = o["lat"]?.doubleValue ?? 0
        if lon == 0 && lat == 0 { return base.required ? .required : nil }
        if !(lat >= -90 && lat <= 90) { return FieldIssue("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.") }
        if !(lon >= -180 && lon <= 180) { return FieldIssue("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees.") }
        return nil
    }

    public func sqlValue(_ value: JSON) -> SQLValue { .text(String(decoding: value.serialized(), as: UTF8.self)) }
    public func readValue(_ statement: Statement, _ column: Int32) -> JSON {
        normalize(.string(statement.string(column)))
    }
    public func writeValue(_ statement: Statement, _ column: Int32, to writer: inout JSONWriter) {
        writer.jsonColumn(statement, column, fallback: ColumnFormat.JSONFallback.origin.text)
    }
    public var columnFormat: ColumnFormat { .json(.origin) }
    public func optionsJSON() -> [(String, JSON)] { [] }
}
