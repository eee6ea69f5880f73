// Aerie — aerie schema: validate, plan, apply, export, import-pocketbase
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieSQLite

/// `aerie schema …`: the changes between a schema file and a data directory.
struct SchemaCommand: Command {
    static let name = "schema"
    static let abstract = "Validate a schema file, plan or apply its changes, export or import one"
    static let usage = """
        Usage: aerie schema validate [--schema ./schema.json]
               aerie schema plan [--schema ./schema.json] [--dir ./aerie_data]
               aerie schema apply [--schema ./schema.json] [--dir ./aerie_data] [--allow-data-loss]
               aerie schema export [--dir ./aerie_data] [--out FILE]
               aerie schema import-pocketbase FILE [--out FILE]

        validate checks a schema file and its rules; problems are printed as file:line:col.
        plan prints the steps between the data directory and the schema file: `+` changes the
        tables, `~` only records new rules or options, `!` loses data. apply runs every step in
        one transaction after saving a backup to <dir>/backups/; it refuses data-losing steps
        unless --allow-data-loss is given, and refuses while `aerie serve` uses the directory.
        export writes the schema the data directory was last migrated to. import-pocketbase
        converts a PocketBase collections export (JSON) into an Aerie schema file. Files named
        by --out are replaced only when complete; without --out the result goes to stdout.

        Options:
          --schema FILE        Schema file (default ./schema.json)
          --dir DIR            Data directory (default ./aerie_data)
          --out FILE           Write to FILE instead of stdout
          --allow-data-loss    Let apply run data-losing steps
        """

    enum Action { case validate, plan, apply, export, importPocketBase(String) }
    var action: Action
    var schemaPath = "schema.json"
    var directory = "./aerie_data"
    var outPath: String?
    var allowDataLoss = false

    init(arguments: inout Arguments) throws {
        let actions = "validate, plan, apply, export or import-pocketbase"
        let verb = try arguments.positional("action (\(actions))")
        switch verb {
        case "validate": action = .validate
        case "plan": action = .plan
        case "apply": action = .apply
        case "export": action = .export
        case "import-pocketbase": action = .importPocketBase(try arguments.positional("FILE (a PocketBase collections export)"))
        default: throw UsageError("unknown schema action \(verb) (\(actions))")
        }
        switch action {
        case .validate, .plan, .apply:
            if let s = try arguments.option("schema") { schemaPath = s }
        default: break
        }
        switch action {
        case .plan, .apply, .export:
            if let d = try arguments.option("dir") { directory = d }
        default: break
        }
        switch action {
        case .export, .importPocketBase: outPath = try arguments.option("out")
        default: break
        }
        if case .apply = action { allowDataLoss = try arguments.flag("allow-data-loss") }
    }

    func run() throws {
        switch action {
        case .validate:
            let schema = try loadSchema()
            let count = schema.collections.filter { !$0.isSuperusers }.count
            printOut("\(schemaPath): valid (\(count) collection\(count == 1 ? "" : "s"))")
        case .plan:
            let schema = try loadSchema()
            let plan = try withDatabase(create: false) { db in try Migrator.plan(db, to: schema) }
            printPlan(plan)
        case .apply:
            try apply()
        case .export:
            guard FileTree.exists(App.databasePath(in: directory)) else { throw CommandFailure("\(directory) has no database (\(App.databasePath(in: directory)))") }
            let text = try withDatabase(create: false) { db in try StoredSchema.schemaFile(db) }
            try emit(text)
        case .importPocketBase(let file):
            guard let bytes = SchemaSource.readFile(file) else { throw CommandFailure("cannot read \(file)") }
            let result: PocketBaseImport.Result
            do {
                result = try PocketBaseImport.convert(bytes, file: file)
            } catch {
                throw CommandFailure("cannot convert \(file):\n\(error)")
            }
            for note in result.notes { printErr("note: \(note)") }
            try emit(result.schemaFile)
        }
    }

    private func apply() throws {
        Interruption.install()
        let schema = try loadSchema()
        let lock: DirectoryLock
        do { lock = try DirectoryLock(directory: directory, exclusive: true) } catch { throw CommandFailure("\(error)") }
        defer { withExtendedLifetime(lock) {} }
        let database = App.databasePath(in: directory)
        let existed = FileTree.exists(database)
        let plan = try withDatabase(create: true) { db in try Migrator.plan(db, to: schema) }
        if plan.isEmpty {
            printOut("No changes: \(directory) already matches \(schemaPath).")
            return
        }
        let losing = plan.dataLosingSteps
        if !losing.isEmpty && !allowDataLoss {
            let lines = losing.map { "  ! \($0.summary)" }.joined(separator: "\n")
            throw CommandFailure("""
                the plan has data-losing steps, so nothing was changed:
                \(lines)
                Run `aerie schema apply --allow-data-loss` to run them (a backup is taken first).
                """)
        }
        if existed {
            let backup: BackupInfo
            do { backup = try Backup.create(dataDirectory: directory, prefix: "pre-apply") } catch { throw CommandFailure("cannot take the backup, so nothing was changed: \(error)") }
            printOut("Backup: \(backup.path)")
        }
        let pool = try DatabasePool(path: database, readerCount: 1)
        defer { pool.close() }
        try pool.write { db in
            // Plan again inside the transaction: the database cannot have moved since.
            let current = try Migrator.plan(db, to: schema)
            try Migrator.apply(current, on: db, allowDataLoss: allowDataLoss)
        }
        printPlan(plan, applied: true)
    }

    private func printPlan(_ plan: MigrationPlan, applied: Bool = false) {
        if plan.isEmpty {
            printOut("No changes: \(directory) matches \(schemaPath).")
            return
        }
        let losing = plan.dataLosingSteps.count
        let count = "\(plan.steps.count) step\(plan.steps.count == 1 ? "" : "s")"
        printOut(applied ? "Applied \(count) to \(directory):" : "Plan for \(directory) from \(schemaPath): \(count), \(losing) data-losing")
        for step in plan.steps { printOut("  \(step)") }
        if !applied && losing > 0 {
            printOut("Steps marked ! lose data; `aerie schema apply --allow-data-loss` runs them after a backup.")
        }
    }

    private func loadSchema() throws -> Schema {
        guard let bytes = SchemaSource.readFile(schemaPath) else {
            throw CommandFailure("cannot read the schema file \(schemaPath)")
        }
        let schema: Schema
        do {
            schema = try SchemaLoader.load(bytes, file: schemaPath)
        } catch {
            throw CommandFailure("the schema file is not valid:\n\(error)")
        }
        do { try schema.checkRules() } catch { throw CommandFailure("the schema file is not valid:\n\(schemaPath): \(error)") }
        return schema
    }

    /// Runs `body` on a connection to the data directory's database inside a transaction that
    /// is always rolled back (planning never changes anything).
    private func withDatabase<T>(create: Bool, _ body: (Connection) throws -> T) throws -> T {
        let database = App.databasePath(in: directory)
        if !FileTree.exists(database) {
            guard create else {
                // Planning against a directory that does not exist yet: everything is new.
                let memory = try Connection(path: ":memory:")
                defer { memory.close() }
                return try body(memory)
            }
            do { try Directories.make(directory) } catch { throw CommandFailure("\(error)") }
        }
        let db = try Connection(path: database)
        defer { db.close() }
        try db.execute("BEGIN")
        defer { try? db.execute("ROLLBACK") }
        return try body(db)
    }

    private func emit(_ text: String) throws {
        if let outPath {
            try OutputFile.write(text, to: outPath)
        } else {
            write(text, to: 1)
        }
    }
}
