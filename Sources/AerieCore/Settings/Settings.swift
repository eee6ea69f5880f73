// Aerie — the settings of one data directory: values, typed access, validation
// SPDX-License-Identifier: MIT
public import AerieBase
public import AerieJSON

/// A settings problem: `issues` are keyed by dotted path (`smtp.port`, `rateLimits.rules.0.label`).
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    /// Whether the input could not even be read (wrong JSON type) rather than failing validation.
    public var isLoading: Bool
    public var issues: [String: FieldIssue]

    init(loading path: String, _ message: String) {
        isLoading = true
        issues = [path: FieldIssue("validation_invalid_value", message)]
    }
    init(issues: [String: FieldIssue]) { isLoading = false; self.issues = issues }

    public var description: String {
        issues.keys.sorted().map { "\($0): \(issues[$0]?.message ?? "")" }.joined(separator: "\n")
    }
}

/// One rate-limit rule (PocketBase's shape, spec §15.2).
public struct RateLimitRule: Sendable, Hashable {
    /// An exact path, `METHOD /path`, a prefix ending in `/`, or a `<collection>:<action>` tag.
    public var label: String
    /// `""` everyone, `@guest` or `@auth`.
    public var audience: String
    /// Window in seconds.
    public var duration: Int64
    public var maxRequests: Int64
}

/// The settings of a data directory. Only values that differ from the defaults are kept
/// (`overrides`), so a default changed by a later Aerie version reaches directories that never set it.
public struct Settings: Sendable, Equatable {
    /// Values set explicitly, by key path.
    public private(set) var overrides: [String: JSON] = [:]

    public init() {}

    /// The value of a key (its default when not set); `.null` for an unknown path.
    public subscript(path: String) -> JSON {
        overrides[path] ?? SettingKey.named(path)?.defaultValue ?? .null
    }

    /// Sets a key to an already type-checked value (see `coerce`, `parse`).
    public mutating func set(_ path: String, _ value: JSON) {
        if let key = SettingKey.named(path), key.defaultValue == value, !key.isSecret {
            overrides[path] = nil
        } else {
            overrides[path] = value
        }
    }

    /// Returns a key to its default.
    public mutating func unset(_ path: String) { overrides[path] = nil }

    // MARK: - Typed access

    public func string(_ path: String) -> String { self[path].stringValue ?? "" }
    public func int(_ path: String) -> Int { Int(self[path].intValue ?? 0) }
    public func bool(_ path: String) -> Bool { self[path].boolValue ?? false }
    public func list(_ path: String) -> [String] { self[path].arrayValue?.compactMap(\.stringValue) ?? [] }

    /// `rateLimits.rules` as values.
    public var rateLimitRules: [RateLimitRule] {
        (self["rateLimits.rules"].arrayValue ?? []).compactMap { r in
            guard let label = r["label"]?.stringValue else { return nil }
            return RateLimitRule(label: label, audience: r["audience"]?.stringValue ?? "",
                                 duration: r["duration"]?.intValue ?? 0, maxRequests: r["maxRequests"]?.intValue ?? 0)
        }
    }

    /// `logs.minLevel` as a log level.
    public var logLevel: Log.Level {
        let n = self["logs.minLevel"].intValue ?? 0
        if n <= -4 { return .debug }
        if n <= 0 { return .info }
        if n <= 4 { return .warning }
        return .error
    }

    // MARK: - Output

    /// Settings as a nested object in PocketBase's shape (GET /api/settings): secrets left out,
    /// and `smtp.tls` (PocketBase's implicit-TLS flag) derived from `smtp.tlsMode`.
    public func publicJSON() -> JSONObject {
        var root = JSONObject()
        for key in SettingKey.all where !key.isSecret {
            Settings.insert(self[key.path], at: key.components, into: &root)
            if key.path == "smtp.tlsMode" {
                Settings.insert(.bool(self[key.path].stringValue == "implicit"), at: ["smtp", "tls"], into: &root)
            }
        }
        return root
    }

    /// The stored form: a nested object of `overrides` (secrets included).
    func storedJSON() -> JSONObject {
        var root = JSONObject()
        for key in SettingKey.all { if let v = overrides[key.path] { Settings.insert(v, at: key.components, into: &root) } }
        return root
    }

    /// Reads the stored form; unknown or mistyped entries are dropped (logged by the caller).
    static func fromStored(_ o: JSONObject) -> (Settings, [String]) {
        var s = Settings()
        var dropped: [String] = []
        for key in SettingKey.all {
            guard let raw = lookup(key.components, in: o) else { continue }
            if let v = coerce(raw, for: key) { s.set(key.path, v) } else { dropped.append(key.path) }
        }
        return (s, dropped)
    }

    static func insert(_ value: JSON, at path: [String], into o: inout JSONObject) {
        guard let first = path.first else { return }
        if path.count == 1 { o[first] = value; return }
        var child = o[first]?.objectValue ?? JSONObject()
        insert(value, at: Array(path.dropFirst()), into: &child)
        o[first] = .object(child)
    }

    static func lookup(_ path: [String], in o: JSONObject) -> JSON? {
        var current: JSON = .object(o)
        for part in path {
            guard let next = current[part] else { return nil }
            current = next
        }
        return current
    }

    // MARK: - Input

    /// PATCH semantics: every known key present in `patch` (nested, PocketBase's shape) replaces
    /// the current value; unknown keys are ignored. A value of the wrong JSON type throws a loading
    /// error; the result is validated as a whole.
    public mutating func merge(patch: JSONObject) throws(SettingsError) {
        var next = self
        for key in SettingKey.all {
            // A group given as something other than an object (`"meta": 5`) cannot be read.
            var node: JSON = .object(patch)
            for part in key.components.dropLast() {
                guard let child = node[part] else { break }
                guard case .object = child else { throw SettingsError(loading: part, "Invalid value type.") }
                node = child
            }
            guard let raw = Settings.lookup(key.components, in: patch) else { continue }
            guard let value = Settings.coerce(raw, for: key) else {
                throw SettingsError(loading: key.path, "Invalid value type.")
            }
            next.set(key.path, value)
        }
        // PocketBase's `smtp.tls` flag: true is implicit TLS; false leaves an explicit mode alone.
        if Settings.lookup(["smtp", "tlsMode"], in: patch) == nil, let tls = Settings.lookup(["smtp", "tls"], in: patch) {
            guard let on = tls.boolValue else { throw SettingsError(loading: "smtp.tls", "Invalid value type.") }
            if on { next.set("smtp.tlsMode", "implicit") } else if next.string("smtp.tlsMode") == "implicit" { next.set("smtp.tlsMode", "auto") }
        }
        let issues = next.validate()
        if !issues.isEmpty { throw SettingsError(issues: issues) }
        self = next
    }

    /// A JSON value of the right type for `key`, or nil when the type is wrong.
    static func coerce(_ raw: JSON, for key: SettingKey) -> JSON? {
        switch key.kind {
        case .string, .url, .email, .choice, .secret:
            return raw.stringValue.map(JSON.string)
        case .bool:
            return raw.boolValue.map(JSON.bool)
        case .int, .duration:
            return raw.intValue.map(JSON.int)
        case .list:
            guard let items = raw.arrayValue else { return nil }
            let strings = items.compactMap(\.stringValue)
            return strings.count == items.count ? .array(strings.map(JSON.string)) : nil
        case .rateLimitRules:
            guard let items = raw.arrayValue else { return nil }
            var out: [JSON] = []
            for item in items {
                guard case .object(let o) = item else { return nil }
                let label = o["label"] ?? ""
                let audience = o["audience"] ?? ""
                let duration = o["duration"] ?? 0
                let maxRequests = o["maxRequests"] ?? 0
                guard let l = label.stringValue, let a = audience.stringValue, let d = duration.intValue, let m = maxRequests.intValue else { return nil }
                out.append(["label": .string(l), "audience": .string(a), "duration": .int(d), "maxRequests": .int(m)])
            }
            return .array(out)
        case .logLevel:
            if let n = raw.intValue { return .int(n) }
            return raw.stringValue.flatMap(Settings.logLevelNumber).map(JSON.int)
        }
    }

    /// Parses command-line or environment text for `key`: booleans as true/false/1/0/yes/no/on/off,
    /// lists comma-separated (or a JSON array), rate-limit rules as JSON.
    public static func parse(text: String, for key: SettingKey) throws(SettingsError) -> JSON {
        let trimmed = text.trimmingASCII()
        switch key.kind {
        case .string, .url, .email, .choice, .secret:
            return .string(text)
        case .bool:
            switch trimmed.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw SettingsError(loading: key.path, "must be true or false")
            }
        case .int, .duration:
            guard let n = Int64(trimmed) else { throw SettingsError(loading: key.path, "must be a whole number") }
            return .int(n)
        case .list:
            if trimmed.hasPrefix("[") {
                guard let parsed = try? JSONParser.parse(trimmed), let v = coerce(parsed, for: key) else {
                    throw SettingsError(loading: key.path, "must be a JSON array of strings or a comma-separated list")
                }
                return v
            }
            return .array(trimmed.split(separator: ",").map { JSON.string($0.trimmingASCII()) }.filter { $0 != "" })
        case .rateLimitRules:
            guard let parsed = try? JSONParser.parse(trimmed), let v = coerce(parsed, for: key) else {
                throw SettingsError(loading: key.path, #"must be a JSON array like [{"label":"*:auth","audience":"","duration":3,"maxRequests":2}]"#)
            }
            return v
        case .logLevel:
            if let n = Int64(trimmed) { return .int(n) }
            guard let n = logLevelNumber(trimmed) else { throw SettingsError(loading: key.path, "must be debug, info, warn, error or a number") }
            return .int(n)
        }
    }

    static func logLevelNumber(_ name: String) -> Int64? {
        switch name.lowercased() {
        case "debug": return -4
        case "info": return 0
        case "warn", "warning": return 4
        case "error": return 8
        default: return nil
        }
    }

    // MARK: - Validation

    /// Every problem with the current values, keyed by dotted path; empty when valid.
    public func validate() -> [String: FieldIssue] {
        var issues: [String: FieldIssue] = [:]
        for key in SettingKey.all {
            let v = self[key.path]
            switch key.kind {
            case .string(let required):
                if required && v.stringValue?.isEmpty != false { issues[key.path] = .required }
            case .url:
                let s = v.stringValue ?? ""
                if s.isEmpty { issues[key.path] = .required } else if !Settings.isHTTPURL(s) {
                    issues[key.path] = FieldIssue("validation_is_url", "Must be a valid URL.")
                }
            case .email:
                let s = v.stringValue ?? ""
                if s.isEmpty { issues[key.path] = .required } else if !EmailField.isValid(s) {
                    issues[key.path] = FieldIssue("validation_is_email", "Must be a valid email address.")
                }
            case .int(let range):
                if let issue = Settings.rangeIssue(v.intValue ?? 0, range) { issues[key.path] = issue }
            case .duration:
                let n = v.intValue ?? 0
                if n != 0, let issue = Settings.rangeIssue(n, 10...94_670_856) { issues[key.path] = issue }
            case .choice(let options):
                if !options.contains(v.stringValue ?? "") {
                    issues[key.path] = FieldIssue("validation_in_invalid", "Must be one of: \(options.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: ", ")).")
                }
            case .list:
                if (v.arrayValue ?? []).contains(where: { $0.stringValue?.isEmpty != false }) {
                    issues[key.path] = FieldIssue("validation_invalid_value", "Entries cannot be blank.")
                }
            case .rateLimitRules:
                for (i, r) in rateLimitRules.enumerated() {
                    let p = "\(key.path).\(i)"
                    if r.label.isEmpty { issues[p + ".label"] = .required }
                    if r.duration <= 0 { issues[p + ".duration"] = .required }
                    if r.maxRequests <= 0 { issues[p + ".maxRequests"] = .required }
                    if !["", "@guest", "@auth"].contains(r.audience) {
                        issues[p + ".audience"] = FieldIssue("validation_in_invalid", "Must be a valid value.")
                    }
                }
            case .bool, .secret, .logLevel:
                break
            }
        }
        if bool("smtp.enabled") && string("smtp.host").isEmpty { issues["smtp.host"] = .required }
        return issues
    }

    static func rangeIssue(_ n: Int64, _ range: ClosedRange<Int64>) -> FieldIssue? {
        if n < range.lowerBound {
            return FieldIssue("validation_min_greater_equal_than_required", "Must be no less than \(range.lowerBound).")
        }
        if n > range.upperBound {
            return FieldIssue("validation_max_less_equal_than_required", "Must be no greater than \(range.upperBound).")
        }
        return nil
    }

    static func isHTTPURL(_ s: String) -> Bool {
        let lower = s.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return false }
        let rest = s.drop(while: { $0 != ":" }).dropFirst(3)
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !host.isEmpty && !s.contains(" ")
    }
}
