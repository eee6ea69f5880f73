// Aerie — settings kept in the data directory (`_params`), with AERIE_* overrides
// SPDX-License-Identifier: MIT
import AerieBase
public import AerieJSON
import Synchronization
public import AerieSQLite

/// The settings of an open data directory. They are stored as one JSON object under the
/// `settings` key of the `_params` table (the same table as the token secrets, so a backup of
/// `data.db` carries them), holding only the keys set explicitly. `AERIE_<KEY>` environment
/// variables (`AERIE_SMTP_HOST`) override the stored values for this process only.
///
/// Changes through `update` (PATCH /api/settings, `aerie config set`) are validated as a whole,
/// written in one transaction and seen at once by this process.
public final class SettingsStore: Sendable {
    /// Where a value comes from.
    public enum Source: String, Sendable { case `default`, stored, environment }

    static let paramKey = "settings"

    private let pool: DatabasePool
    /// (stored, effective): the effective value is kept ready, since requests read it.
    private let state: Locked<(stored: Settings, effective: Settings)>
    /// Values from `AERIE_*` variables, by key path (already type-checked).
    public let environment: [String: JSON]
    /// Effective values every request reads, kept lock-free: taking `state`'s lock on each
    /// request made workers queue on it (perf: 3 % of an update benchmark in its slow path).
    private let hotMaxBodySize = Atomic<Int>(0)
    private let hotRateLimitsEnabled = Atomic<Bool>(false)
    private let hotRateLimitsRevision = Atomic<Int>(0)

    init(pool: DatabasePool, stored: Settings, environment: [String: JSON]) {
        self.pool = pool
        let effective = SettingsStore.apply(environment, to: stored)
        self.state = Locked((stored, effective))
        self.environment = environment
        publishHotValues(effective)
    }

    private func publishHotValues(_ effective: Settings) {
        hotMaxBodySize.store(effective.int("limits.maxBodySize"), ordering: .releasing)
        hotRateLimitsEnabled.store(effective.bool("rateLimits.enabled"), ordering: .releasing)
    }

    /// `limits.maxBodySize` in effect, read without a lock.
    public var maxBodySize: Int { hotMaxBodySize.load(ordering: .acquiring) }

    /// `rateLimits.enabled` in effect, read without a lock.
    public var rateLimitsEnabled: Bool { hotRateLimitsEnabled.load(ordering: .acquiring) }

    /// Grows by one each time `rateLimits.enabled` or `rateLimits.rules` change in effect, so the
    /// per-IP limiter can drop windows counted under the old rules (see `RateLimiter.adopt`).
    public var rateLimitsRevision: Int { hotRateLimitsRevision.load(ordering: .acquiring) }

    /// The stored settings (without environment overrides).
    public var stored: Settings { state.value.stored }

    /// The settings in effect: stored values with environment overrides applied.
    public var current: Settings { state.value.effective }

    static func apply(_ environment: [String: JSON], to stored: Settings) -> Settings {
        var s = stored
        for (path, value) in environment { s.set(path, value) }
        return s
    }

    /// Where the effective value of `path` comes from.
    public func source(of path: String) -> Source {
        if environment[path] != nil { return .environment }
        return state.value.stored.overrides[path] != nil ? .stored : .default
    }

    /// Applies `change` to the stored settings, validates the result (with environment overrides
    /// applied) and persists it; nothing changes when it throws.
    public func update(_ change: (inout Settings) throws(SettingsError) -> Void) throws {
        try pool.write { db in
            var next = try SettingsStore.read(db)
            try change(&next)
            let effective = SettingsStore.apply(environment, to: next)
            let issues = effective.validate()
            if !issues.isEmpty { throw SettingsError(issues: issues) }
            let text = String(decoding: JSON.object(next.storedJSON()).serialized(), as: UTF8.self)
            try db.run(#"INSERT INTO "_params" ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value""#,
                       [.text(SettingsStore.paramKey), .text(text)])
            let before = state.withLock { s -> Settings in
                defer { s = (next, effective) }
                return s.effective
            }
            publishHotValues(effective)
            if before["rateLimits.enabled"] != effective["rateLimits.enabled"] || before["rateLimits.rules"] != effective["rateLimits.rules"] {
                hotRateLimitsRevision.add(1, ordering: .releasing)
            }
        }
    }

    /// Reads the stored settings inside an open transaction.
    static func read(_ db: Connection) throws -> Settings {
        guard case .text(let text)? = try db.queryScalar(#"SELECT "value" FROM "_params" WHERE "key" = ?"#, [.text(paramKey)]) else {
            return Settings()
        }
        guard case .object(let o)? = try? JSONParser.parse(text) else {
            Log.warning("settings: the stored settings are not a JSON object; using defaults")
            return Settings()
        }
        let (settings, dropped) = Settings.fromStored(o)
        for path in dropped { Log.warning("settings: ignoring stored \(path) (wrong type)") }
        return settings
    }

    /// Reads `AERIE_*` overrides from an environment; a value that does not parse is an error
    /// naming the variable, so a typo stops the server instead of being ignored.
    public static func overrides(from environment: [String: String]) throws -> [String: JSON] {
        var out: [String: JSON] = [:]
        for key in SettingKey.all {
            guard let text = environment[key.environmentName] else { continue }
            do {
                out[key.path] = try Settings.parse(text: text, for: key)
            } catch {
                throw StartupError("\(key.environmentName): \(error.description)")
            }
        }
        var probe = Settings()
        for (path, value) in out { probe.set(path, value) }
        let issues = probe.validate().filter { out[$0.key] != nil || out[$0.key.split(separator: ".").prefix(2).joined(separator: ".")] != nil }
        if let (path, issue) = issues.sorted(by: { $0.key < $1.key }).first, let key = SettingKey.named(path) ?? SettingKey.named(String(path.split(separator: ".").prefix(2).joined(separator: "."))) {
            throw StartupError("\(key.environmentName): \(issue.message)")
        }
        return out
    }
}
