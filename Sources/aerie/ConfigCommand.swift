// Aerie — aerie config
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
#if canImport(Glibc)
import Glibc
#endif

/// `aerie config list|get|set|unset`: reads and changes the settings stored in a data directory.
struct ConfigCommand: Command {
    static let name = "config"
    static let abstract = "List, read or change the settings of a data directory"
    static let usage: String = {
        let width = (SettingKey.all.map(\.path.count).max() ?? 20) + 2
        let keys = SettingKey.all.map { "  " + $0.path.padding(width) + $0.summary }.joined(separator: "\n")
        return """
            Usage: aerie config list [--dir ./aerie_data]
                   aerie config get KEY [--dir ./aerie_data]
                   aerie config set KEY VALUE [--dir ./aerie_data]
                   aerie config unset KEY [--dir ./aerie_data]

            Settings live in the data directory (table _params, key "settings") and are read by
            `aerie serve` at start; restart a running server after changing them here (PATCH
            /api/settings changes a running server at once). An environment variable AERIE_<KEY>,
            e.g. AERIE_SMTP_HOST for smtp.host, overrides a stored value. list shows each value
            with its source (default, stored, environment). unset returns a key to its default.
            Booleans are true/false, lists are comma-separated (or a JSON array); a value that
            starts with "-" goes after "--". The SMTP password is never printed.

            Keys:
            \(keys)
            """
    }()

    enum Action {
        case list
        case get(String)
        case set(String, String)
        case unset(String)
    }
    var action: Action
    var directory = "./aerie_data"

    init(arguments: inout Arguments) throws {
        let actions = "list, get, set or unset"
        let verb = try arguments.positional("action (\(actions))")
        func key() throws -> String {
            let path = try arguments.positional("KEY")
            guard SettingKey.named(path) != nil else {
                throw UsageError("unknown settings key \(path); `aerie config list` shows every key")
            }
            return path
        }
        switch verb {
        case "list": action = .list
        case "get": action = .get(try key())
        case "set":
            let path = try key()
            action = .set(path, try arguments.positional("VALUE"))
        case "unset": action = .unset(try key())
        default: throw UsageError("unknown config action \(verb) (\(actions))")
        }
        if let dir = try arguments.option("dir") { directory = dir }
    }

    func run() throws {
        let app: App
        do {
            app = try App.openSystem(directory: directory, environment: processEnvironment())
        } catch let error as StartupError {
            throw CommandFailure(error.description)
        }
        defer { app.close() }
        let store = app.settings
        switch action {
        case .list:
            let current = store.current
            let width = (SettingKey.all.map(\.path.count).max() ?? 20) + 2
            let rows = SettingKey.all.map { key in (key.path, display(current[key.path], key), store.source(of: key.path).rawValue) }
            let valueWidth = min(40, (rows.map(\.1.count).max() ?? 10) + 2)
            for (path, value, source) in rows { printOut(path.padding(width) + value.padding(valueWidth) + source) }
        case .get(let path):
            guard let key = SettingKey.named(path) else { return }
            printOut(display(store.current[path], key))
        case .set(let path, let text):
            guard let key = SettingKey.named(path) else { return }
            do {
                let value = try Settings.parse(text: text, for: key)
                try store.update { settings throws(SettingsError) in settings.set(path, value) }
            } catch let error as SettingsError {
                throw CommandFailure(error.description)
            }
            printOut("\(path) = \(display(store.stored[path], key))")
            warnIfOverridden(key, store)
        case .unset(let path):
            guard let key = SettingKey.named(path) else { return }
            do {
                try store.update { settings throws(SettingsError) in settings.unset(path) }
            } catch let error as SettingsError {
                throw CommandFailure(error.description)
            }
            printOut("\(path) = \(display(store.stored[path], key)) (default)")
            warnIfOverridden(key, store)
        }
    }

    private func warnIfOverridden(_ key: SettingKey, _ store: SettingsStore) {
        if store.environment[key.path] != nil {
            printErr("note: \(key.environmentName) is set and overrides this value in this environment")
        }
    }

    /// Strings as they are, other values as JSON; secrets as `********` (or empty when unset).
    private func display(_ value: JSON, _ key: SettingKey) -> String {
        if key.isSecret { return (value.stringValue ?? "").isEmpty ? "" : "********" }
        if case .string(let s) = value { return s }
        return value.jsonString
    }
}

/// The process environment as a dictionary (for `AERIE_*` settings overrides).
func processEnvironment() -> [String: String] {
    var out: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let eq = text.firstIndex(of: "=") {
            out[String(text[..<eq])] = String(text[text.index(after: eq)...])
        }
        pointer += 1
    }
    return out
}
