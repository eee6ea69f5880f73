// Aerie — collections every app has, and the system fields of auth collections
// SPDX-License-Identifier: MIT
import AerieBase

/// The built-in collections and fields the schema file never declares itself.
public enum SystemCollections {
    /// The superusers' auth collection name.
    public static let superusersName = "_superusers"
    /// Its fixed id (spec §9.6).
    public static let superusersID = "pbc_3142635823"

    /// `_superusers`: an auth collection with every rule locked and a one-day token.
    public static func superusers() -> CollectionSchema {
        var fields: [any FieldType] = [TextField.idField()]
        fields += authFields(collectionID: superusersID)
        fields.append(AutodateField(base: FieldBase(id: "autodate2990389176", name: "created", system: true), onCreate: true, onUpdate: false))
        fields.append(AutodateField(base: FieldBase(id: "autodate3332085495", name: "updated", system: true), onCreate: true, onUpdate: true))
        var auth = AuthOptions()
        auth.authTokenDuration = 86_400
        auth.authRule = ""
        return CollectionSchema(id: superusersID, name: superusersName, type: .auth, system: true, fields: fields,
                                indexes: authIndexes(collectionID: superusersID, table: superusersName),
                                rules: CollectionRules(), auth: auth)
    }

    /// The names of the system fields of an auth collection, in order after `id`.
    public static let authFieldNames = ["password", "tokenKey", "email", "emailVisibility", "verified"]

    /// The system fields of an auth collection (spec §9.1), after `id`.
    public static func authFields(collectionID: String) -> [any FieldType] {
        var password = PasswordField(base: FieldBase(id: "password901924565", name: "password", required: true, hidden: true, system: true))
        password.min = 8
        var tokenKey = TextField(base: FieldBase(id: "text2504183744", name: "tokenKey", required: true, hidden: true, system: true))
        tokenKey.min = 30; tokenKey.max = 60; tokenKey.autogeneratePattern = "[a-zA-Z0-9]{50}"
        let email = EmailField(base: FieldBase(id: "email3885137012", name: "email", required: true, system: true))
        let visibility = BoolField(base: FieldBase(id: "bool1547992806", name: "emailVisibility", system: true))
        let verified = BoolField(base: FieldBase(id: "bool256245529", name: "verified", system: true))
        return [password, tokenKey, email, visibility, verified]
    }

    /// The unique `tokenKey` and `email` indexes every auth collection has (spec §14.2).
    public static func authIndexes(collectionID: String, table: String) -> [IndexDefinition] {
        let sqls = [
            "CREATE UNIQUE INDEX `idx_tokenKey_\(collectionID)` ON `\(table)` (`tokenKey`)",
            "CREATE UNIQUE INDEX `idx_email_\(collectionID)` ON `\(table)` (`email`) WHERE `email` != ''",
        ]
        return sqls.compactMap { try? IndexDefinition.parse($0).get() }
    }
}
