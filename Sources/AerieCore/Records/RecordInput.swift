// Aerie — applies a request body to a record's values (coercion and modifiers)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON
import AerieCrypto
import AerieSQLite

/// The result of applying submitted keys to a record: the new values by field name, the
/// auth-only form values (`passwordConfirm`, `oldPassword`), and the plain password if one
/// was submitted. Unknown keys are ignored, as in PocketBase (spec §3.3).
struct RecordInput {
    var values: [String: JSON]
    var issues: [String: FieldIssue] = [:]
    /// Submitted non-field keys of auth forms.
    var form: [String: JSON] = [:]
    /// Fields whose key appeared in the body (after modifier resolution).
    var touched: Set<String> = []

    init(collection c: CollectionSchema, body: JSONObject, requester: Requester, current: [String: JSON], isNew: Bool) throws(CoreError) {
        values = current
        // Shortest key first, so `tags` is applied before `tags+` (spec §3.7).
        let keys = body.keys.sorted { $0.utf8.count < $1.utf8.count || ($0.utf8.count == $1.utf8.count && $0 < $1) }
        for key in keys {
            guard let raw = body[key] else { continue }
            if c.isAuth && (key == "passwordConfirm" || key == "oldPassword") {
                form[key] = raw
                continue
            }
            var name = key
            var modifier: FieldModifier?
            var autogenerate = false
            if key.hasSuffix(":autogenerate") {
                name = String(key.dropLast(":autogenerate".count)); autogenerate = true
            } else if key.hasSuffix("+") {
                name = String(key.dropLast()); modifier = .append
            } else if key.hasPrefix("+") {
                name = String(key.dropFirst()); modifier = .prepend
            } else if key.hasSuffix("-") {
                name = String(key.dropLast()); modifier = .subtract
            }
            guard let field = c.field(named: name) else { continue }
            if field.isReadOnly { continue }
            if field.name == "tokenKey" { continue }
            let isPassword = c.isAuth && field.name == "password"
            if field.base.hidden && !requester.isSuperuser && !isPassword { continue }
            if let modifier {
                guard let next = field.apply(modifier, to: values[name] ?? field.zeroValue, operand: raw) else { continue }
                values[name] = next
            } else if autogenerate {
                guard let text = field as? TextField, let generated = text.generate() else { continue }
                values[name] = .string(Cast.string(raw) + generated)
            } else {
                values[name] = field.normalize(raw)
            }
            touched.insert(name)
        }
    }
}

extension RecordService {
    /// A submitted plain password's problem: required, then the password field's length and pattern.
    static func passwordIssue(_ password: String, in c: CollectionSchema) -> FieldIssue? {
        if password.isEmpty { return .required }
        return c.field(named: "password")?.validate(.string(password), context: ValidationContext())
    }

    /// Auth-collection rules for create (spec §9.1): password and confirmation, a fresh
    /// tokenKey, `verified` only by superusers and managers. Returns true when `verified` was set
    /// by an auth record that may pass `manageRule`: the write then checks the rule against the
    /// would-be record (see `insert`), as PocketBase does.
    func prepareAuthCreate(_ c: CollectionSchema, submitted: RecordInput, values: inout [String: JSON],
                           issues: inout [String: FieldIssue], requester: Requester, mayManage: Bool = false) throws -> Bool {
        var needsManager = false
        let password = values["password"]?.stringValue ?? ""
        let confirm = submitted.form["passwordConfirm"].map(Cast.string) ?? ""
        if let issue = Self.passwordIssue(password, in: c) { issues["password"] = issue }
        if confirm.isEmpty && !password.isEmpty {
            issues["passwordConfirm"] = .required
        } else if confirm != password {
            issues["passwordConfirm"] = FieldIssue("validation_values_mismatch", "Values don't match.")
        }
        if !requester.isSuperuser && values["verified"]?.boolValue == true {
            if mayManage { needsManager = true } else { issues["verified"] = FieldIssue("validation_values_mismatch", "Values don't match.") }
        }
        if c.isSuperusers { values["verified"] = .bool(true) }
        values["tokenKey"] = .string(RandomID.make(length: 50, alphabet: RandomID.alphanumeric))
        if issues["password"] == nil && issues["passwordConfirm"] == nil {
            values["password"] = .string(PasswordHash.make(password: password))
        }
        return needsManager
    }

    /// Hashes a submitted password and checks `oldPassword` against the stored hash, outside the
    /// write lock. The result is only used if the stored hash is unchanged when the write runs.
    func passwordWork(_ c: CompiledCollection, id: String, body: JSONObject, requester: Requester,
                      request: RequestInfo = RequestInfo(), db writer: Connection? = nil) throws -> PasswordWork {
        var work = PasswordWork()
        work.isManager = try isManager(c, id: id, requester: requester, body: body, request: request, db: writer)
        guard let raw = body["password"] else { return work }
        let password = Cast.string(raw)
        if Self.passwordIssue(password, in: c.schema) == nil {
            work.newHash = PasswordHash.make(password: password)
        }
        if !requester.isSuperuser && !work.isManager, let oldPassword = body["oldPassword"].map(Cast.string), !oldPassword.isEmpty {
            let q = schema.dialect.quoteIdentifier
            let read = { (db: Connection) throws -> String? in
                let value = try db.queryScalar("SELECT \(q("password")) FROM \(c.table) WHERE \(q("id")) = ?", [.text(id)])
                guard case .text(let hash)? = value else { return nil }
                return hash
            }
            // Inside a batch, read through the open write so earlier sub-requests are seen.
            let stored: String?
            if let writer { stored = try read(writer) } else { stored = try pool.read(read) }
            if let stored, PasswordHash.verify(password: oldPassword, encoded: stored) { work.verifiedOldHash = stored }
        }
        return work
    }

    /// Auth-collection rules for update: a new password needs its confirmation and, for
    /// non-superusers, the old password; email and password changes rotate the tokenKey.
    func prepareAuthUpdate(_ c: CollectionSchema, submitted: RecordInput, old: [String: JSON], values: inout [String: JSON],
                           issues: inout [String: FieldIssue], requester: Requester, work: PasswordWork) throws {
        let isManager = requester.isSuperuser || work.isManager
        if submitted.touched.contains("password") {
            let password = values["password"]?.stringValue ?? ""
            let confirm = submitted.form["passwordConfirm"].map(Cast.string) ?? ""
            if let issue = Self.passwordIssue(password, in: c) { issues["password"] = issue }
            if confirm != password {
                issues["passwordConfirm"] = confirm.isEmpty ? .required : FieldIssue("validation_values_mismatch", "Values don't match.")
            }
            if !isManager {
                let oldPassword = submitted.form["oldPassword"].map(Cast.string) ?? ""
                if oldPassword.isEmpty {
                    issues["oldPassword"] = .required
                } else if work.verifiedOldHash == nil || work.verifiedOldHash != old["password"]?.stringValue {
                    issues["oldPassword"] = FieldIssue("validation_invalid_old_password", "Missing or invalid old password.")
                }
            }
            if issues["password"] == nil && issues["passwordConfirm"] == nil && issues["oldPassword"] == nil {
                values["password"] = .string(work.newHash ?? PasswordHash.make(password: password))
                values["tokenKey"] = .string(RandomID.make(length: 50, alphabet: RandomID.alphanumeric))
            } else {
                values["password"] = old["password"]
            }
        }
        if !isManager {
            for key in ["email", "verified"] where values[key] != old[key] {
                issues[key] = FieldIssue("validation_values_mismatch", "Values don't match.")
            }
        }
        if c.isSuperusers { values["verified"] = .bool(true) }
        if values["email"] != old["email"] && issues["email"] == nil {
            values["tokenKey"] = .string(RandomID.make(length: 50, alphabet: RandomID.alphanumeric))
        }
    }
}

/// Password hashing done before the write transaction (see `RecordService.passwordWork`).
struct PasswordWork {
    /// The hash of the submitted new password, when it passed the length checks.
    var newHash: String?
    /// The stored hash `oldPassword` was verified against, when it matched.
    var verifiedOldHash: String?
    /// Whether the requester satisfies the collection's `manageRule` for the record (spec §9.1).
    var isManager = false
}

extension RecordService {
    /// Whether `requester` has manager rights on record `id`: a superuser, or an auth record that
    /// satisfies the collection's `manageRule` evaluated against the stored record (spec §7, §9.1).
    /// `null` (the default) means superusers only; guests are never managers.
    /// `serializer` able to show emails to managers: each record whose email would be hidden is
    /// checked against `manageRule` on `db` (one indexed query per such record, only when the
    /// collection has an expression `manageRule` and the caller is an auth record).
    func managerAware(_ serializer: RecordSerializer, _ c: CompiledCollection, requester: Requester,
                      context: RuleContext = RuleContext(), db: Connection) -> RecordSerializer {
        guard !requester.isSuperuser, requester.recordID != nil, c.schema.isAuth, case .expression = c.rules.manage,
              let access = try? access(c.rules.manage, c, requester: requester, context: context) else { return serializer }
        var out = serializer
        out.isManaged = { id in (try? self.row(id, of: c, satisfies: access, db: db)) ?? false }
        return out
    }

    /// With `body` (an update's), the rule sees it as `@request.body`, coerced against the stored
    /// record as the update rule sees it; with `request`, the rest of `@request.*` (PocketBase passes both).
    func isManager(_ c: CompiledCollection, id: String, requester: Requester, body: JSONObject? = nil,
                   request: RequestInfo = RequestInfo(), db writer: Connection? = nil) throws -> Bool {
        if requester.isSuperuser { return true }
        guard requester.recordID != nil, c.schema.isAuth, case .expression = c.rules.manage else { return false }
        func onDatabase<T>(_ work: (Connection) throws -> T) throws -> T {
            if let writer { return try work(writer) }
            return try pool.read { db in try work(db) }
        }
        var context = RuleContext(request: request)
        if let body, let current = try onDatabase({ db in try load(c, id: id, db: db) }),
           let submitted = try? RecordInput(collection: c.schema, body: body, requester: requester, current: current, isNew: false) {
            // A body that does not coerce fails in planUpdate with its own error; the rule then sees none.
            context = bodyContext(submitted.values, body: body, request: request)
        }
        let access = try access(c.rules.manage, c, requester: requester, context: context)
        return try onDatabase { db in try row(id, of: c, satisfies: access, db: db) }
    }
}
