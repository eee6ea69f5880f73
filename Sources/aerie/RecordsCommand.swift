// Aerie — aerie records: export and import a collection's records
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieJSON
import AerieSQLite
#if canImport(Glibc)
import Glibc
#endif

/// `aerie records export|import COLLECTION`: streaming NDJSON or CSV, all-or-nothing imports.
struct RecordsCommand: Command {
    static let name = "records"
    static let abstract = "Export or import a collection's records as NDJSON or CSV"
    static let usage = """
        Usage: aerie records export COLLECTION [--format ndjson|csv] [--out FILE] [--dir ./aerie_data]
               aerie records import COLLECTION FILE [--format ndjson|csv] [--dir ./aerie_data]

        export writes every record of COLLECTION, oldest first, from one consistent snapshot:
        NDJSON (one JSON object per line) or CSV (a header row of field names, then one row per
        record; lists and JSON values as JSON text). Hidden fields are included; passwords and
        token keys never are. import reads FILE (- for stdin) and creates each record with the
        same validation as the API (rules are bypassed, as for a superuser); created and
        updated are kept when given. Every record is stored in one transaction, or, if any
        line is invalid, none is: errors name their line. The format defaults to csv for
        *.csv files and ndjson otherwise. Progress goes to stderr: a progress bar on a
        terminal, a line every 100000 records otherwise. A server running on the same
        directory sends each imported record to its realtime subscribers as a create event.

        Options:
          --format F   ndjson (default) or csv
          --out FILE   Write the export to FILE (replaced only when complete) instead of stdout
          --dir DIR    Data directory (default ./aerie_data)
        """

    enum Format: String { case ndjson, csv }
    enum Action { case export(out: String?), importFile(String) }
    var action: Action
    var collection: String
    var format: Format
    var directory = "./aerie_data"

    init(arguments: inout Arguments) throws {
        let verb = try arguments.positional("action (export or import)")
        guard verb == "export" || verb == "import" else { throw UsageError("unknown records action \(verb) (export or import)") }
        collection = try arguments.positional("COLLECTION")
        var guess = Format.ndjson
        if verb == "import" {
            let file = try arguments.positional("FILE")
            if file.hasSuffix(".csv") { guess = .csv }
            action = .importFile(file)
        } else {
            action = .export(out: try arguments.option("out"))
            if case .export(let out?) = action, out.hasSuffix(".csv") { guess = .csv }
        }
        if let text = try arguments.option("format") {
            guard let f = Format(rawValue: text) else { throw UsageError("--format must be ndjson or csv") }
            format = f
        } else {
            format = guess
        }
        if let d = try arguments.option("dir") { directory = d }
    }

    func run() throws {
        Interruption.install()
        let database = App.databasePath(in: directory)
        guard FileTree.exists(database) else { throw CommandFailure("\(directory) has no database (\(database))") }
        // Shared, like serve: never while a restore or schema apply holds the directory.
        let lock: DirectoryLock
        do { lock = try DirectoryLock(directory: directory, exclusive: false) } catch { throw CommandFailure("\(error)") }
        defer { withExtendedLifetime(lock) {} }
        let app = try openApp()
        defer { app.close() }
        guard let c = app.schema.collection(collection), !c.isSuperusers else {
            throw CommandFailure("\(directory) has no collection \(collection)")
        }
        switch action {
        case .export(let out): try export(app, out: out)
        case .importFile(let file): try importRecords(app, c, from: file)
        }
    }

    /// Opens the data directory with the schema it was last migrated to: nothing changes.
    private func openApp() throws -> App {
        let database = App.databasePath(in: directory)
        guard FileTree.exists(database) else { throw CommandFailure("\(directory) has no database (\(database))") }
        do {
            let db = try Connection(path: database, readOnly: true)
            defer { db.close() }
            let schema = try StoredSchema.schema(db)
            return try App.open(directory: directory, schema: schema, readerCount: 1)
        } catch let error as StartupError {
            throw CommandFailure(error.description)
        } catch let error as SchemaError {
            throw CommandFailure("the schema recorded in \(directory) cannot be loaded:\n\(error)")
        }
    }

    private func export(_ app: App, out: String?) throws {
        let writer = try out.map { try OutputFile.open(for: $0) }
        var pending: [UInt8] = []
        func emit(_ text: String) throws {
            if let writer { try writer.write(Array(text.utf8)); return }
            pending += text.utf8
            if pending.count >= 1 << 18 { write(String(decoding: pending, as: UTF8.self), to: 1); pending.removeAll(keepingCapacity: true) }
        }
        if format == .csv { try emit(CSV.line(try app.records.exportFields(collection: collection))) }
        let count = try app.records.exportRecords(collection: collection) { row in
            switch format {
            case .ndjson: try emit(JSON.object(JSONObject(row)).jsonString + "\n")
            case .csv: try emit(CSV.line(row.map { CSV.cell($0.1) }))
            }
        }
        if let writer { try writer.commit() } else if !pending.isEmpty { write(String(decoding: pending, as: UTF8.self), to: 1) }
        printErr("exported \(count) record\(count == 1 ? "" : "s") from \(collection)")
    }

    private func importRecords(_ app: App, _ c: CollectionSchema, from file: String) throws {
        let fd = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CommandFailure("cannot read \(file): \(String(cString: strerror(errno)))") }
        defer { if fd != 0 { close(fd) } }
        var input = ByteInput(fd: fd)
        var line = 0
        var header: [String]?
        var info = stat()
        let total = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0
        let progress = Progress(label: "importing \(collection)", totalBytes: total)
        let next: () throws -> ImportItem? = {
            switch format {
            case .ndjson:
                while let bytes = try input.line() {
                    line += 1
                    if bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                    do {
                        guard case .object(let o) = try JSONParser.parse(Array(bytes)) else {
                            return .unreadable(line: line, message: "expected a JSON object")
                        }
                        return .record(line: line, body: o)
                    } catch let error as JSONError {
                        return .unreadable(line: line, message: "invalid JSON: \(error.reason) at column \(error.offset + 1)")
                    }
                }
                return nil
            case .csv:
                var nextLine = line + 1
                if header == nil {
                    guard let first = try CSV.record(from: &input, line: &nextLine) else { return nil }
                    header = first.fields
                    line = nextLine - 1
                    if let unknown = first.fields.first(where: { c.field(named: $0) == nil && $0 != "collectionId" && $0 != "collectionName" && $0 != "passwordConfirm" }) {
                        return .unreadable(line: first.line, message: "unknown field \"\(unknown)\" in the header")
                    }
                }
                guard let record = try CSV.record(from: &input, line: &nextLine) else { return nil }
                line = nextLine - 1
                let names = header ?? []
                guard record.fields.count == names.count else {
                    return .unreadable(line: record.line, message: "expected \(names.count) fields, found \(record.fields.count)")
                }
                var body = JSONObject()
                for (name, cell) in zip(names, record.fields) { body[name] = Self.value(cell, for: c.field(named: name)) }
                return .record(line: record.line, body: body)
            }
        }
        let count: Int
        do {
            // A running server publishes the imported records to its realtime subscribers through the outbox.
            let announce = ServerPresence.isServerRunning(directory: directory)
            count = try app.records.importRecords(collection: collection, announce: announce, next: next,
                                                  progress: { progress.update($0, bytes: input.consumed) })
        } catch let error as ImportError {
            progress.finish()
            throw CommandFailure("nothing was imported into \(collection):\n\(error)")
        } catch CoreError.notFound(let message) {
            throw CommandFailure(message)
        }
        progress.finish()
        printOut("imported \(count) record\(count == 1 ? "" : "s") into \(collection)")
    }

    /// A CSV cell as the value the field expects: JSON text for list and JSON fields, text otherwise.
    static func value(_ cell: String, for field: (any FieldType)?) -> JSON {
        guard let field else { return .string(cell) }
        switch field.zeroValue {
        case .array, .object, .null:
            if cell.isEmpty { return field.zeroValue }
            return (try? JSONParser.parse(cell)) ?? .string(cell)
        default:
            return .string(cell)
        }
    }
}

/// Import progress on stderr: on a terminal a bar redrawn in place (when the input is a file
/// of known size) with the count and rate; otherwise a plain line every 100000 records.
final class Progress {
    let label: String
    let totalBytes: Int
    let isTerminal = isatty(2) != 0
    private var lastDraw = Timestamp.now()
    private var lastLine = 0
    private var drew = false
    private let started = Timestamp.now()

    init(label: String, totalBytes: Int) { self.label = label; self.totalBytes = totalBytes }

    func update(_ count: Int, bytes: Int) {
        if isTerminal {
            let now = Timestamp.now()
            guard now.milliseconds - lastDraw.milliseconds >= 200 else { return }
            lastDraw = now
            let seconds = max(Double(now.milliseconds - started.milliseconds) / 1000, 0.001)
            var bar = ""
            if totalBytes > 0 {
                let fraction = min(1, Double(bytes) / Double(totalBytes))
                let filled = Int(fraction * 30)
                bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] \(Int(fraction * 100))% "
            }
            write("\r\(label): \(bar)\(count) records (\(Int(Double(count) / seconds))/s)", to: 2)
            drew = true
        } else if count >= lastLine + 100_000 {
            lastLine = count - count % 100_000
            printErr("\(label): \(lastLine) records")
        }
    }

    func finish() { if drew { write("\n", to: 2); drew = false } }
}
