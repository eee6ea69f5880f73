// Aerie — aerie backup: create, list, restore
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore

/// `aerie backup create|list|restore`: online backups of a data directory.
struct BackupCommand: Command {
    static let name = "backup"
    static let abstract = "Create, list or restore backups of a data directory"
    static let usage = """
        Usage: aerie backup create [NAME] [--dir ./aerie_data]
               aerie backup list [--dir ./aerie_data]
               aerie backup restore NAME [--dir ./aerie_data]

        create writes one archive to <dir>/backups/ (NAME.tar, default aerie-<UTC time>.tar):
        a consistent snapshot of the database taken with SQLite's online backup API, so it may
        run while `aerie serve` is serving, plus the uploaded files in <dir>/storage. The
        archive is a plain POSIX tar file (see docs/cli.md). list prints name, size in bytes and
        time (UTC) of each backup. restore replaces the database and the storage files with
        those of backup NAME (a name in <dir>/backups/ or a path to an archive): it refuses
        while a server uses the directory, checks the archive first, saves the current data as
        pre-restore-<time>.tar, then swaps database and files in under a journal: after a
        crash the next command on the directory finishes or undoes the swap.

        Options:
          --dir DIR    Data directory (default ./aerie_data)
        """

    enum Action { case create(String?), list, restore(String) }
    var action: Action
    var directory = "./aerie_data"

    init(arguments: inout Arguments) throws {
        let actions = "create, list or restore"
        let verb = try arguments.positional("action (\(actions))")
        switch verb {
        case "create":
            let name = arguments.positionals.isEmpty ? nil : try arguments.positional("NAME")
            if let name, !Backup.isValidName(name) {
                throw UsageError("backup names may use letters, digits, -, _ and . and must not start with .")
            }
            action = .create(name)
        case "list": action = .list
        case "restore": action = .restore(try arguments.positional("NAME"))
        default: throw UsageError("unknown backup action \(verb) (\(actions))")
        }
        if let d = try arguments.option("dir") { directory = d }
    }

    func run() throws {
        switch action {
        case .create(let name):
            Interruption.install()
            do {
                // Shared, like serve: backups may run beside a server, never during a restore or apply.
                let lock = try DirectoryLock(directory: directory, exclusive: false)
                defer { withExtendedLifetime(lock) {} }
                let backup = try Backup.create(dataDirectory: directory, name: name)
                printOut("created \(backup.path) (\(backup.bytes) bytes)")
            } catch let error as ArchiveError {
                throw CommandFailure(error.description)
            } catch let error as StartupError {
                throw CommandFailure(error.description)
            }
        case .list:
            let backups = Backup.list(dataDirectory: directory)
            if backups.isEmpty { printErr("no backups in \(Backup.directory(in: directory))") }
            for b in backups {
                printOut("\(b.name.padding(40))\(String(b.bytes).padding(14))\(Timestamp(milliseconds: Int64(b.modified) * 1000).formatted)")
            }
        case .restore(let name):
            Interruption.install()
            do {
                let safety = try Backup.restore(dataDirectory: directory, name: name)
                printOut("restored \(name) into \(directory)" + (safety.map { " (the replaced data was saved as \($0.path))" } ?? ""))
            } catch let error as ArchiveError {
                throw CommandFailure(error.description)
            } catch let error as StartupError {
                throw CommandFailure(error.description)
            }
        }
    }
}
