// Aerie — an open data directory: database, schema and services
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCrypto
public import AerieSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Why a data directory could not be opened for serving.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An open data directory (`<dir>/data.db`) with its schema applied. Owns the database pool
/// and the services AerieAPI calls. Create one per process with `App.open`.
///
/// ```swift
/// let app = try App.open(directory: "./aerie_data", schema: schema)
/// let page = try app.records.list(collection: "posts", query: ListQuery(), requester: .guest)
/// ```
public final class App: Sendable {
    public let directory: String
    public let schema: Schema
    public let pool: DatabasePool
    public let records: RecordService
    public let auth: AuthService
    /// Uploaded files under `<dir>/storage` and file downloads.
    public let files: FileService
    /// The directory's settings (`aerie config`, `/api/settings`).
    public let settings: SettingsStore
    /// Sends the app's mail (SMTP, or the `<dir>/mail/` outbox).
    public let mailer: Mailer

    /// - Parameter partial: a maintenance open (`aerie superuser …`) that may run beside a
    ///   server, so it leaves the server's uploads in progress and its storage alone.
    init(directory: String, schema: Schema, pool: DatabasePool, secrets: [String: String], settings: SettingsStore,
         tokenSecrets: [String: String] = [:], partial: Bool = false) throws {
        self.directory = directory
        self.schema = schema
        self.pool = pool
        self.settings = settings
        self.mailer = Mailer(directory: directory, settings: settings)
        let compiled = try CompiledSchema(schema: schema)
        let storage = try LocalFileStorage(root: directory + "/storage", clearsTemporaryFiles: !partial)
        self.records = RecordService(schema: compiled, pool: pool, storage: storage)
        self.auth = AuthService(schema: compiled, pool: pool, secrets: secrets, records: records,
                                flows: AuthFlowContext(settings: settings, mailer: mailer, tokenSecrets: tokenSecrets))
        self.files = FileService(storage: storage, records: records, auth: auth)
        try records.checkRules()
        // Files a crash orphaned in an earlier run; the 5-minute margin spares uploads in flight elsewhere.
        if !partial, let swept = try? files.sweepOrphans(modifiedBefore: Timestamp.now().seconds - 300), swept > 0 {
            Log.info("storage: removed \(swept) unreferenced file(s)")
        }
    }

    /// The database file inside a data directory.
    public static func databasePath(in directory: String) -> String { directory + "/data.db" }

    /// Opens the data directory for maintenance commands that only need the system collections
    /// (`aerie superuser …`): the app's own collections are neither changed nor checked.
    public static func openSystem(directory: String, environment: [String: String] = [:]) throws -> App {
        try open(directory: directory, schema: Schema(collections: [SystemCollections.superusers()]), readerCount: 1, partial: true,
                 environment: environment)
    }

    /// Opens (creating if needed) the data directory, applies the schema's safe changes and
    /// refuses to start while a data-losing change is pending. `environment` supplies `AERIE_*`
    /// settings overrides (the process environment for `aerie serve`; none in tests).
    public static func open(directory: String, schema: Schema, readerCount: Int = 8, partial: Bool = false,
                            environment: [String: String] = [:]) throws -> App {
        let overrides = try SettingsStore.overrides(from: environment)
        do {
            try Directories.make(directory)
        } catch {
            throw StartupError("cannot use the data directory \(directory): \(error)")
        }
        // Commands that take no directory lock still never open a half-restored directory.
        if RestoreJournal.isPending(in: directory) { _ = try DirectoryLock(directory: directory, exclusive: true) }
        let pool = try DatabasePool(path: databasePath(in: directory), readerCount: readerCount)
        do {
            let (secrets, stored, tokenSecrets) = try pool.write { db -> ([String: String], Settings, [String: String]) in
                let plan = try Migrator.plan(db, to: schema, partial: partial)
                let losing = plan.dataLosingSteps
                if !losing.isEmpty {
                    let lines = losing.map { "  - \($0.summary): \($0.advice)" }.joined(separator: "\n")
                    throw StartupError("the schema file would lose data in the database, so the server did not start:\n\(lines)")
                }
                try Migrator.apply(plan, on: db)
                for step in plan.steps { Log.info("schema: \(step.summary)") }
                try OTPStore.prepare(db)
                try EventOutbox.prepare(db)
                return (try loadSecrets(db, schema: schema), try SettingsStore.read(db), try loadTokenSecrets(db, schema: schema))
            }
            let settings = SettingsStore(pool: pool, stored: stored, environment: overrides)
            return try App(directory: directory, schema: schema, pool: pool, secrets: secrets, settings: settings,
                           tokenSecrets: tokenSecrets, partial: partial)
        } catch {
            pool.close()
            throw error
        }
    }

    /// Closes the database cleanly (checkpointing the WAL).
    public func close() { pool.close() }

    static func loadSecrets(_ db: Connection, schema: Schema) throws -> [String: String] {
        var secrets: [String: String] = [:]
        for c in schema.collections where c.isAuth {
            let key = "secret.authToken.\(c.id)"
            if case .text(let s)? = try db.queryScalar(#"SELECT "value" FROM "_params" WHERE "key" = ?"#, [.text(key)]) {
                secrets[c.id] = s
            } else {
                let s = RandomID.make(length: 50, alphabet: RandomID.alphanumeric)
                try db.run(#"INSERT INTO "_params" ("key", "value") VALUES (?, ?)"#, [.text(key), .text(s)])
                secrets[c.id] = s
            }
        }
        return secrets
    }
}
