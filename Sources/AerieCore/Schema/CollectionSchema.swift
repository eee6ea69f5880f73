// Aerie — a collection as declared in the schema file
// SPDX-License-Identifier: MIT
import AerieBase
public import AerieJSON

/// `base` collections hold plain records, `auth` collections add credentials, `view`
/// collections are read-only queries.
public enum CollectionType: String, Sendable, Hashable, CaseIterable {
    case base, auth, view
}

/// Token lifetimes and identity settings of an auth collection (spec §9.1, §9.5).
public struct AuthOptions: Sendable, Hashable {
    public var authRule: String? = ""
    public var manageRule: String? = nil
    public var passwordAuthEnabled = true
    public var identityFields = ["email"]
    public var authTokenDuration = 432_000
    public var verificationTokenDuration = 86_400
    public var passwordResetTokenDuration = 1_800
    public var emailChangeTokenDuration = 1_800
    public var fileTokenDuration = 180
    /// One-time passwords by mail (`otp: {enabled, duration, length}`).
    public var otpEnabled = false
    public var otpDuration = 180
    public var otpLength = 8

    public init() {}
}

/// The five API rules: `nil` locks an action to superusers, `""` opens it to everyone,
/// anything else is a filter expression.
public struct CollectionRules: Sendable, Hashable {
    public var list: String?
    public var view: String?
    public var create: String?
    public var update: String?
    public var delete: String?

    public init(list: String? = nil, view: String? = nil, create: String? = nil, update: String? = nil, delete: String? = nil) {
        self.list = list; self.view = view; self.create = create; self.update = update; self.delete = delete
    }
}

/// One collection: its table, fields, indexes and rules.
public struct CollectionSchema: Sendable {
    public var id: String
    public var name: String
    public var type: CollectionType
    public var system: Bool
    /// Fields in column order; `id` always first.
    public var fields: [any FieldType] {
        didSet { reindex() }
    }
    public var indexes: [IndexDefinition]
    public var rules: CollectionRules
    public var auth: AuthOptions?
    public var viewQuery: String?
    private var positions: [String: Int] = [:]

    public init(id: String, name: String, type: CollectionType, system: Bool = false, fields: [any FieldType],
                indexes: [IndexDefinition] = [], rules: CollectionRules = CollectionRules(), auth: AuthOptions? = nil) {
        self.id = id; self.name = name; self.type = type; self.system = system; self.fields = fields
        self.indexes = indexes; self.rules = rules; self.auth = auth
        reindex()
    }

    private mutating func reindex() {
        positions = [:]
        for (i, f) in fields.enumerated() { positions[f.name] = i }
    }

    /// PocketBase's collection id: `pbc_` + CRC-32 of type + name (spec §1.3).
    public static func defaultID(type: CollectionType, name: String) -> String {
        "pbc_\(CRC32.checksum(type.rawValue + name))"
    }

    /// The field with this exact name.
    public func field(named name: String) -> (any FieldType)? {
        positions[name].map { fields[$0] }
    }

    /// The position of a field in `fields`.
    public func position(of name: String) -> Int? { positions[name] }

    /// Whether this is an auth collection.
    public var isAuth: Bool { type == .auth }

    /// Whether this is the `_superusers` collection.
    public var isSuperusers: Bool { name == SystemCollections.superusersName }

    /// Body-size limit for create/update (spec §8): 32 MiB plus each field's own maximum.
    public var bodyLimit: Int {
        var limit = 32 << 20
        for f in fields {
            if let e = f as? EditorField { limit += e.effectiveMaxSize }
            if let j = f as? JSONField { limit += j.effectiveMaxSize }
            if let file = f as? FileField { limit += file.effectiveMaxSize * Swift.max(file.maxSelect, 1) }
        }
        return limit
    }

    /// The collection as PocketBase-shaped collection JSON (spec §14.2).
    public func collectionJSON() -> JSONObject {
        var o = JSONObject()
        o["id"] = .string(id)
        o["name"] = .string(name)
        o["type"] = .string(type.rawValue)
        o["system"] = .bool(system)
        func rule(_ r: String?) -> JSON { r.map(JSON.string) ?? .null }
        o["listRule"] = rule(rules.list)
        o["viewRule"] = rule(rules.view)
        o["createRule"] = rule(rules.create)
        o["updateRule"] = rule(rules.update)
        o["deleteRule"] = rule(rules.delete)
        o["fields"] = .array(fields.map { .object($0.collectionJSON()) })
        o["indexes"] = .array(indexes.map { .string($0.sql) })
        if let auth {
            o["authRule"] = rule(auth.authRule)
            o["manageRule"] = rule(auth.manageRule)
            o["passwordAuth"] = .object(["enabled": .bool(auth.passwordAuthEnabled), "identityFields": .array(auth.identityFields.map(JSON.string))])
            o["authToken"] = .object(["duration": .int(Int64(auth.authTokenDuration))])
            o["passwordResetToken"] = .object(["duration": .int(Int64(auth.passwordResetTokenDuration))])
            o["emailChangeToken"] = .object(["duration": .int(Int64(auth.emailChangeTokenDuration))])
            o["verificationToken"] = .object(["duration": .int(Int64(auth.verificationTokenDuration))])
            o["fileToken"] = .object(["duration": .int(Int64(auth.fileTokenDuration))])
            o["otp"] = .object(["enabled": .bool(auth.otpEnabled), "duration": .int(Int64(auth.otpDuration)), "length": .int(Int64(auth.otpLength))])
        }
        if let viewQuery { o["viewQuery"] = .string(viewQuery) }
        return o
    }
}
