// Aerie — aerie init: a new app directory from a schema template
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
#if canImport(Glibc)
import Glibc
#endif

/// `aerie init [DIR] [--template NAME] [--force]`: writes `DIR/schema.json` and `DIR/README.md`.
struct InitCommand: Command {
    static let name = "init"
    static let abstract = "Create a new app (schema.json and README.md) from a template"
    static let usage = """
        Usage: aerie init [DIR] [--template blank] [--force]

        Writes DIR/schema.json (the template) and DIR/README.md (what it contains and how to run it),
        creating DIR if needed. Then `aerie serve` in DIR starts the API.

        Arguments:
          DIR                The app directory (default: the current directory)

        Options:
          --template NAME    The schema template (default blank; `aerie templates` lists them all)
          --force            Overwrite an existing schema.json and README.md
        """

    static let schemaFile = "schema.json"
    static let readmeFile = "README.md"

    var directory = "."
    var template: SchemaTemplate
    var force = false

    init(arguments: inout Arguments) throws {
        let templates = SchemaTemplate.all
        let name = try arguments.option("template") ?? SchemaTemplate.defaultName
        guard let found = templates.first(where: { $0.name == name }) else {
            throw UsageError("unknown template \(name); available: \(templates.map(\.name).joined(separator: ", "))")
        }
        template = found
        force = try arguments.flag("force")
        if !arguments.positionals.isEmpty { directory = try arguments.positional("DIR") }
        if directory.isEmpty { throw UsageError("DIR must not be empty") }
    }

    func run() throws {
        // Refuse before touching anything: a schema the user has edited is precious. The final
        // link(2) below re-checks atomically, in case another process creates the file meanwhile.
        let schemaPath = join(directory, Self.schemaFile)
        let readmePath = join(directory, Self.readmeFile)
        if !force && exists(schemaPath) {
            throw CommandFailure("\(schemaPath) already exists; pass --force to overwrite it (and \(Self.readmeFile))")
        }
        // A broken template must never reach a user's disk: check it the way `serve` will load it.
        let schema: Schema
        do {
            schema = try SchemaLoader.load(Array(template.text.utf8), file: "<template \(template.name)>")
        } catch {
            throw CommandFailure("the built-in template \(template.name) is invalid:\n\(error)")
        }
        do {
            try Directories.make(directory)
        } catch {
            throw CommandFailure(error.description)
        }
        // A README someone already wrote is kept unless --force: only the schema is ours to create.
        let keepReadme = !force && exists(readmePath)
        // Block the stop signals while writing so Ctrl-C can land only before or after both files:
        // each file is written to a temporary name and renamed into place, so a reader sees the
        // old content or the new, never half of it, and no temporary file is left behind.
        try withStopSignalsBlocked {
            if !keepReadme { try writeAtomically(readme(for: schema), to: readmePath, replacing: true) }
            try writeAtomically(template.text, to: schemaPath, replacing: force)
        }
        let collections = schema.collections.filter { !$0.system }.map(\.name)
        printOut("wrote \(schemaPath) (template \(template.name): \(collections.joined(separator: ", ")))")
        printOut(keepReadme ? "kept the existing \(readmePath)" : "wrote \(readmePath)")
        printOut("")
        printOut("Next, start the API:")
        printOut(directory == "." ? "  aerie serve" : "  cd \(shellQuoted(directory)) && aerie serve")
    }

    // MARK: - The README

    /// A short README: the template's own description, its collections, and the commands to run.
    func readme(for schema: Schema) -> String {
        var lines: [String] = []
        lines.append("# An Aerie app (template: \(template.name))")
        lines.append("")
        lines.append(template.commentLines.joined(separator: "\n"))
        lines.append("")
        lines.append("## Collections")
        lines.append("")
        for collection in schema.collections where !collection.system {
            let fields = collection.fields.filter { field in
                !field.base.system && !(field is AutodateField && (field.name == "created" || field.name == "updated"))
            }.map { field -> String in
                if let relation = field as? RelationField {
                    let target = schema.collection(relation.collectionID)?.name ?? relation.collection
                    return "\(field.name) (→ \(target)\(relation.maxSelect == 1 ? "" : ", many"))"
                }
                return "\(field.name) (\(field.typeName))"
            }
            let kind = collection.type == .base ? "" : " (\(collection.type.rawValue) collection)"
            lines.append("- `\(collection.name)`\(kind): \(fields.joined(separator: ", "))")
        }
        lines.append("")
        lines.append("Every record also has `id`, `created` and `updated`. Who may list, view, create, update and")
        lines.append("delete records is set by each collection's rules in `schema.json`.")
        lines.append("")
        lines.append("## Run it")
        lines.append("")
        lines.append("From this directory:")
        lines.append("")
        lines.append("```")
        lines.append("aerie serve")
        lines.append("```")
        lines.append("")
        lines.append("The API is then at http://127.0.0.1:8090/api/ and the data in `./aerie_data`. To manage")
        lines.append("every record regardless of the rules, create a superuser (works while the server runs):")
        lines.append("")
        lines.append("```")
        lines.append("aerie superuser create admin@example.com 'a-long-password'")
        lines.append("```")
        lines.append("")
        lines.append("Edit `schema.json` and restart `aerie serve` to change the collections; `aerie help` lists")
        lines.append("the other commands.")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Files

    func join(_ directory: String, _ file: String) -> String {
        directory == "." ? file : (directory.hasSuffix("/") ? directory + file : directory + "/" + file)
    }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Writes `text` to a temporary file next to `path`, flushes it, then moves it into place:
    /// with `replacing`, rename(2) swaps it in atomically; without, link(2) fails rather than
    /// overwrite a file that appeared since the first check.
    func writeAtomically(_ text: String, to path: String, replacing: Bool) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CommandFailure("cannot create \(temporary): \(errorText())") }
        var isPlaced = false
        defer { if !isPlaced { unlink(temporary) } }
        var failure: String?
        if !FileDescriptor.writeAll(fd, Array(text.utf8)) { failure = errorText() }
        if failure == nil && fsync(fd) != 0 { failure = errorText() }
        if close(fd) != 0 && failure == nil { failure = errorText() }
        if let failure { throw CommandFailure("cannot write \(path): \(failure)") }
        if replacing {
            guard rename(temporary, path) == 0 else { throw CommandFailure("cannot write \(path): \(errorText())") }
            isPlaced = true
        } else if link(temporary, path) == 0 {
            unlink(temporary)
            isPlaced = true
        } else if errno == EEXIST {
            throw CommandFailure("\(path) already exists; pass --force to overwrite it")
        } else if errno == EPERM || errno == ENOTSUP || errno == EOPNOTSUPP {
            // Some file systems (FAT, some FUSE mounts) have no hard links; the existence check
            // made at the start is then the only guard.
            guard rename(temporary, path) == 0 else { throw CommandFailure("cannot write \(path): \(errorText())") }
            isPlaced = true
        } else {
            throw CommandFailure("cannot write \(path): \(errorText())")
        }
    }

    /// Runs `body` with SIGINT, SIGTERM and SIGHUP held back; a signal that arrives meanwhile is
    /// delivered (and ends the process as usual) once `body` has finished.
    func withStopSignalsBlocked(_ body: () throws -> Void) throws {
        var stopSignals = sigset_t()
        var previous = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &stopSignals, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try body()
    }

    func errorText() -> String { String(cString: strerror(errno)) }

    /// `path` as one shell word, quoted only when it needs to be.
    func shellQuoted(_ path: String) -> String {
        let plain = path.utf8.allSatisfy { c in
            (c | 0x20 >= 97 && c | 0x20 <= 122) || (c >= 48 && c <= 57) || c == 45 || c == 46 || c == 47 || c == 95
        }
        return plain ? path : "'" + path.replacing("'", with: "'\\''") + "'"
    }
}
