// Aerie — the finer migration steps: field type conversions, option and rule changes
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON
import AerieSQLite

extension Migrator {
    /// The temporary column a type conversion fills before it takes the field's name.
    static let conversionColumn = "_aerie_convert"

    /// Rebuilds a column with a new type: adds a temporary column, copies every value through
    /// a conversion expression, drops the old column and renames the new one into place.
    /// Lossless conversions (number → text, single → multiple, anything → json, …) are safe
    /// steps; the others are marked data-losing and say what happens to the values.
    static func convert(table: String, collection: String, from old: StoredField, column current: String, to new: any FieldType,
                        ddl: TableSQL, advice: String) -> MigrationStep {
        let newMultiple = (new as? any MultiValueField)?.isMultiple ?? false
        let column = ddl.quote(current)
        let (expression, lossless, note) = conversion(from: old.type, multiple: old.multiple, to: new.typeName, multiple: newMultiple,
                                                      column: column, zero: new.defaultSQL)
        var temporary = new
        temporary.base.name = conversionColumn
        let sql = [
            ddl.addColumn(table, temporary),
            "UPDATE \(ddl.quote(table)) SET \(ddl.quote(conversionColumn)) = \(expression)",
            ddl.dropColumn(table, current),
            ddl.renameColumn(table, from: conversionColumn, to: new.name),
        ]
        let from = old.type + (old.multiple ? " (multiple)" : "")
        let to = new.typeName + (newMultiple ? " (multiple)" : "")
        let rename = old.name == new.name ? "" : ", renamed to \(new.name)"
        return MigrationStep(summary: "change field \(collection).\(old.name) from \(from) to \(to)\(rename): \(note)",
                             isDataLosing: !lossless, sql: sql,
                             advice: lossless ? "" : "add a new field with the new type instead, or " + advice)
    }

    /// The SQL expression that turns a stored value into the new type, whether it keeps every
    /// value, and a note for the plan.
    static func conversion(from: String, multiple fromMultiple: Bool, to: String, multiple toMultiple: Bool,
                           column x: String, zero: String) -> (String, Bool, String) {
        let textual: Set<String> = ["text", "editor", "email", "url", "date", "autodate"]
        let listish: Set<String> = ["select", "relation", "file"]
        let boolText = "CASE WHEN \(x) THEN 'true' ELSE 'false' END"
        let asArray = "CASE WHEN \(x) IS NULL OR \(x) = '' THEN '[]' ELSE json_array(\(x)) END"
        let lastOfArray = "CASE WHEN json_valid(\(x)) AND json_type(\(x)) = 'array' THEN COALESCE(json_extract(\(x), '$[#-1]'), '') ELSE '' END"
        if from == to && listish.contains(to) {
            return fromMultiple
                ? (lastOfArray, false, "keeps only the last value of each list")
                : (asArray, true, "each value becomes a one-item list")
        }
        switch to {
        case "text", "editor":
            if from == "number" { return ("CAST(\(x) AS TEXT)", true, "numbers become their decimal text") }
            if from == "bool" { return (boolText, true, "booleans become \"true\" or \"false\"") }
            if from == "json" || from == "geoPoint" { return ("COALESCE(\(x), '')", true, "values become their JSON text") }
            if listish.contains(from) { return ("COALESCE(\(x), '')", true, fromMultiple ? "lists become their JSON text" : "values are kept") }
            if textual.contains(from) { return (x, true, "values are kept") }
        case "json":
            if from == "bool" { return (boolText, true, "booleans become JSON booleans") }
            if from == "geoPoint" || (listish.contains(from) && fromMultiple) { return (x, true, "values are kept as JSON") }
            if from == "number" || textual.contains(from) || listish.contains(from) {
                return ("json_quote(\(x))", true, "values become JSON \(from == "number" ? "numbers" : "strings")")
            }
        case "number":
            if from == "bool" { return ("CASE WHEN \(x) THEN 1 ELSE 0 END", true, "booleans become 1 or 0") }
            if textual.contains(from) {
                return ("CASE WHEN trim(\(x)) = '' THEN 0 ELSE COALESCE(CAST(trim(\(x)) AS NUMERIC), 0) END", false,
                        "text that is not a number becomes 0")
            }
        case "bool":
            if from == "number" { return ("CASE WHEN \(x) != 0 THEN 1 ELSE 0 END", false, "every non-zero number becomes true") }
            if textual.contains(from) {
                return ("CASE WHEN lower(trim(\(x))) IN ('true', '1', 'yes', 'on') THEN 1 ELSE 0 END", false, "only true/1/yes/on become true")
            }
        case "select", "relation", "file":
            if textual.contains(from) || listish.contains(from) {
                if listish.contains(from) && fromMultiple {
                    return toMultiple ? (x, false, "values that are not valid for the new type are kept but fail validation on the next update")
                                      : (lastOfArray, false, "keeps only the last value of each list")
                }
                return toMultiple ? (asArray, false, "each value becomes a one-item list; values that are not valid options fail validation on the next update")
                                  : (x, false, "values that are not valid for the new type are kept but fail validation on the next update")
            }
        case "email", "url", "date":
            if textual.contains(from) || (listish.contains(from) && !fromMultiple) {
                return (x, false, "values that are not a valid \(to) are kept but fail validation on the next update")
            }
        default:
            break
        }
        return (zero, false, "no conversion exists: every value is reset to the field's zero value")
    }

    /// Option changes of one field, as a step that only updates the recorded definition.
    static func optionSteps(collection: String, old: JSONObject, new: JSONObject) -> [MigrationStep] {
        guard !old.isEmpty else { return [] }
        let changes = differences(old, new, ignoring: ["id", "name", "type"])
        guard !changes.isEmpty else { return [] }
        let name = new["name"]?.stringValue ?? ""
        return [MigrationStep(summary: "change options of field \(collection).\(name): \(changes.joined(separator: ", "))",
                              isDataLosing: false, sql: [], advice: "")]
    }

    /// Rule and collection-option changes, one step each.
    static func settingSteps(collection: String, old: JSONObject, new: JSONObject) -> [MigrationStep] {
        guard !old.isEmpty else { return [] }
        let rules: Set<String> = ["listRule", "viewRule", "createRule", "updateRule", "deleteRule", "authRule", "manageRule"]
        var steps: [MigrationStep] = []
        for key in orderedKeys(old, new) where !["id", "name", "type", "system", "fields", "indexes", "created", "updated"].contains(key) {
            let a = old[key] ?? .null, b = new[key] ?? .null
            guard a != b else { continue }
            let what = rules.contains(key) ? key : "option \(key)"
            steps.append(MigrationStep(summary: "change \(what) of \(collection): \(short(a)) → \(short(b))", isDataLosing: false, sql: [], advice: ""))
        }
        return steps
    }

    private static func differences(_ old: JSONObject, _ new: JSONObject, ignoring: Set<String>) -> [String] {
        orderedKeys(old, new).filter { !ignoring.contains($0) }.compactMap { key in
            let a = old[key] ?? .null, b = new[key] ?? .null
            return a == b ? nil : "\(key) \(short(a)) → \(short(b))"
        }
    }

    private static func orderedKeys(_ a: JSONObject, _ b: JSONObject) -> [String] {
        var keys = a.keys
        for k in b.keys where !keys.contains(k) { keys.append(k) }
        return keys
    }

    /// Compact JSON text, cut at 60 characters.
    private static func short(_ value: JSON) -> String {
        let text = value.jsonString
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
}
